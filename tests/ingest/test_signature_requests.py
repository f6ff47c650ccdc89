"""Signature requests in the catalogue: an expired request is reported on its document (which keeps waiting,
not stored, its batch not finished) and can be renewed; a wrong value is refused and the request stays pending;
only pending requests take an answer. The officers file maps each `sub` to one identity, with one-line errors.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session, sessionmaker

from ingest import batches
from ingest import signature_requests as requests
from ingest.models import Batch
from signing.errors import SigningError
from signing.officers import load_officer_table
from signing.split import signature_value_problem
from tests.support.jobs import BIRTH_CERTIFICATE, catalogue_with_batch, document_job

AGENCY = "000.00.00.H30"


def _key_and_certificate() -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Nguyễn Thị Hồng Nhung")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.DER)


@pytest.fixture
def catalogue(tmp_path: Path) -> sessionmaker[Session]:
    factory = catalogue_with_batch(tmp_path, [BIRTH_CERTIFICATE], submitted_by="nhung")
    with factory.begin() as session:
        batches.update_document(session, "b1", 0, status=batches.DocState.AWAITING_SIGNATURE, step="sign")
    return factory


def _request(factory: sessionmaker[Session], certificate: bytes, ttl: dt.timedelta) -> str:
    with factory.begin() as session:
        row = requests.create(
            session,
            request_id=requests.new_request_id(),
            batch_id="b1",
            index=0,
            officer_sub="nhung",
            level="B-LT",
            document_sha256="00" * 32,
            to_be_signed=b"signed attributes",
            certificate=certificate,
            pending=b"{}",
            ttl=ttl,
        )
        return row.id


def test_an_expired_request_is_reported_and_can_be_renewed(catalogue: sessionmaker[Session]) -> None:
    _, certificate = _key_and_certificate()
    request_id = _request(catalogue, certificate, dt.timedelta(seconds=-1))
    with catalogue.begin() as session:
        assert requests.expire_due(session) == [("b1", 0)]
        assert requests.list_for(session, "nhung") == []
    with catalogue() as session:
        view = batches.view_batch(session, "b1")
        batch = session.get(Batch, "b1")
        assert view is not None and batch is not None
        [doc] = view.documents
        assert doc.status is batches.DocState.AWAITING_SIGNATURE and doc.id is None
        assert doc.error is not None and "hết hạn" in doc.error and doc.signature_request == request_id
        assert view.status is batches.BatchState.AWAITING_SIGNATURE and batch.finished_at is None
        row = requests.own(session, request_id, "nhung")
        assert row is not None and row.status == requests.RequestState.EXPIRED
        assert requests.own(session, request_id, "binh") is None
    with catalogue.begin() as session, pytest.raises(requests.RequestRefused) as refused:
        requests.submit(session, requests.own(session, request_id, "nhung"), b"x", signature_value_problem)  # type: ignore[arg-type]
    assert refused.value.status == 409
    with catalogue.begin() as session:
        row = requests.own(session, request_id, "nhung")
        assert row is not None
        requests.renew(session, row)
    with catalogue() as session:
        doc = batches.load_document(session, "b1", 0)
        assert (doc.status, doc.error) == (batches.DocState.QUEUED, None)
        row = requests.own(session, request_id, "nhung")
        assert row is not None and row.status == requests.RequestState.RENEWED
    with catalogue.begin() as session, pytest.raises(requests.RequestRefused):
        requests.renew(session, requests.own(session, request_id, "nhung"))  # type: ignore[arg-type]


def test_a_wrong_value_is_refused_and_a_right_one_queues_the_continuation(catalogue: sessionmaker[Session]) -> None:
    key, certificate = _key_and_certificate()
    request_id = _request(catalogue, certificate, dt.timedelta(hours=1))
    other, _ = _key_and_certificate()
    wrong = other.sign(b"signed attributes", padding.PKCS1v15(), hashes.SHA256())
    with catalogue.begin() as session, pytest.raises(requests.RequestRefused) as refused:
        requests.submit(session, requests.own(session, request_id, "nhung"), wrong, signature_value_problem)  # type: ignore[arg-type]
    assert refused.value.status == 422 and "does not match" in str(refused.value)
    with catalogue() as session:
        [pending] = requests.list_for(session, "nhung")
        assert (pending.id, pending.document_name, pending.pages, pending.status) == (
            request_id,
            "Giấy khai sinh",
            1,
            "pending",
        )
    right = key.sign(b"signed attributes", padding.PKCS1v15(), hashes.SHA256())
    with catalogue.begin() as session:
        row = requests.own(session, request_id, "nhung")
        assert row is not None
        requests.submit(session, row, right, signature_value_problem)
    with catalogue() as session:
        assert batches.load_document(session, "b1", 0).status == batches.DocState.QUEUED
        row = requests.own(session, request_id, "nhung")
        assert row is not None and row.status == requests.RequestState.SUBMITTED and row.signature_value == right
    with catalogue.begin() as session, pytest.raises(requests.RequestRefused):
        requests.reject(session, requests.own(session, request_id, "nhung"), "muộn")  # type: ignore[arg-type]


def test_the_officers_file_maps_each_account_to_one_identity(tmp_path: Path) -> None:
    path = tmp_path / "officers.toml"
    path.write_text(
        '[officers."nhung.nt"]\nmode = "split"\ncertificate = "/etc/sohoa/nhung.pem"\n\n'
        '[officers."binh.tv"]\npkcs11_lib = "/usr/lib/softhsm/libsofthsm2.so"\npkcs11_token = "hsm"\n'
        'pkcs11_key = "binh"\npkcs11_pin_file = "/run/secrets/binh.pin"\n\n'
        '[officers."lan.pt"]\np12 = "/etc/sohoa/lan.p12"\n',
        encoding="utf-8",
    )
    table = load_officer_table(path).officers
    assert table["nhung.nt"].splits and table["nhung.nt"].certificate == Path("/etc/sohoa/nhung.pem")
    assert (table["binh.tv"].source, table["lan.pt"].source) == ("pkcs11", "pkcs12")
    assert not table["binh.tv"].splits
    for text, words in (
        ('[officers.a]\nmode = "split"\n', 'officers.a: Value error, mode = "split" needs `certificate`'),
        ("[officers.a]\npin = 1\n", "officers.a.pin: Extra inputs are not permitted"),
        ('[officers.a]\nmode = "server"\n', "officers.a: Value error, give pkcs11_lib"),
        ("[officers\n", "officers.toml:"),
    ):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SigningError) as error:
            load_officer_table(path)
        assert words in str(error.value) and "\n" not in str(error.value)


def test_a_signed_pdf_kept_as_received_is_not_sent_for_signature(
    catalogue: sessionmaker[Session], tmp_path: Path
) -> None:
    import json

    from core.types import SignatureLevel
    from ingest.awaiting import run_split_signing
    from ingest.staging import FolderBatch

    job = document_job(FolderBatch(tmp_path), submitted_by="nhung")
    received = b"%PDF-1.7 signed by the citizen, kept byte for byte"
    job.write("ocr.pdf", received)
    summary = {"page_count": 1, "text": "", "fields": {}, "issues": [], "as_received": True}
    job.write("ocr.json", json.dumps(summary).encode())
    run_split_signing(job, None, SignatureLevel.B_LT, "Nhung", catalogue, dt.timedelta(hours=1))  # type: ignore[arg-type]
    assert job.read("signed.pdf") == received
    with catalogue() as session:
        assert requests.latest(session, "b1", 0) is None


def test_the_apis_answer_is_the_request_view_field_for_field_with_the_bytes_in_base64() -> None:
    import base64
    import dataclasses

    from api.routers.signatures import SignatureRequestOut, _out

    view = requests.RequestView(
        id="r1",
        batch_id="b1",
        index=0,
        dossier_code="000.00.00.H30-261130-0042",
        document_name="Giấy khai sinh",
        pages=2,
        level="B-LT",
        document_sha256="00" * 32,
        to_be_signed=b"\x31\x00signed attributes",
        status="pending",
        expires_at=dt.datetime(2026, 12, 4, 5, 23, tzinfo=dt.UTC),
        reason=None,
    )
    answer = _out(view).model_dump(mode="json")
    assert list(answer) == [field.name for field in dataclasses.fields(requests.RequestView)]
    assert base64.b64decode(answer["to_be_signed"]) == view.to_be_signed
    assert answer["expires_at"] == "2026-12-04T05:23:00Z" and answer["reason"] is None
    schema = SignatureRequestOut.model_json_schema(mode="serialization")["properties"]
    assert schema["to_be_signed"]["type"] == "string" and "base64" in schema["to_be_signed"]["description"]
    assert "SHA-256" in schema["document_sha256"]["description"]
