"""PDFs as they came, through the pipeline's steps (intake, OCR, officer signature, validation, store) into a real
vault and back out of the API: born-digital text exact, a mixed PDF's scanned page OCR'd, a signed PDF stored
byte for byte and still valid, hostile or misplaced signed PDFs refused at intake with nothing stored."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from bench.synthetic import Degradation, make_page
from core.types import Role, SignatureLevel, Verdict
from ingest.intake import BatchRefused
from ingest.manifest import Manifest
from ingest.models import Batch
from ingest.pipeline import DocumentJob, run_ocr, run_signing, run_store
from ocr.models import OcrOptions
from signing.sign import DocumentSigner
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.api.conftest import OWNER_ID, Api, first_page_text
from tests.support import pdfs
from tests.support.jobs import accepted_jobs, in_memory_rows
from tests.support.pki import RunningPki

pytestmark = pytest.mark.slow

BORN_DIGITAL_TEXT = "\n".join(pdfs.BORN_DIGITAL_LINES)


@pytest.fixture(scope="module")
def officer(issuing_pki: RunningPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DocumentSigner]:
    """The digitising officer's signer on the test PKI (B-T, the PKI's TSA)."""
    with issuing_pki.signer("officer", tmp_path_factory.mktemp("fonts")) as signer:
        yield signer


@pytest.fixture()
def catalogue() -> Iterator[Session]:
    yield from in_memory_rows()


def _upload(
    files: dict[str, bytes], documents: list[dict[str, Any]], agency: str, dossier: str, where: Path, rows: Session
) -> list[DocumentJob]:
    """Intake as the API runs it (survey, split, record), then each document's job as a worker reads it."""
    batch_id = uuid.uuid4().hex  # the vault's idempotency keys name the batch: one per test
    staging = where / "staging"
    staging.mkdir()
    paths = []
    for number, (name, data) in enumerate(files.items()):
        paths.append(staging / f"{number:03d}-{name}")
        paths[-1].write_bytes(data)
    manifest = Manifest(
        station_id="QT-01",
        agency_code=agency,
        procedure_code="1.011442.000.00.00.H30",
        owner_id=OWNER_ID,
        documents=documents,  # type: ignore[arg-type]
    )
    return accepted_jobs(rows, batch_id, staging, paths, manifest, dossier)


def _through(job: DocumentJob, officer: DocumentSigner, api_app: Api, trust: TrustSettings) -> str:
    """OCR, sign, validate and store one document as the pipeline's steps do; returns the document id."""
    run_ocr(job, OcrOptions.from_settings(), threads=1)
    run_signing(job, officer, SignatureLevel.B_T, "Nguyễn Thị Hồng Nhung")
    report = validate_pdf(job.read("signed.pdf"), trust)  # as `ingest.tasks.store_step`: its level passed on
    return run_store(job, api_app.services.vault, str(report.verdict), validated=report.level)


def _read(api_app: Api, agency: str, document_id: str, what: str) -> Any:
    answer = api_app.client.get(
        f"/api/v1/documents/{document_id}/{what}".rstrip("/"), headers=api_app.headers(Role.HANDLER, agency)
    )
    assert answer.status_code == 200, answer.text
    return answer.content if what == "content" else answer.json()


def test_born_digital_and_mixed_pdfs_come_back_with_their_text(
    api_app: Api, agency_code: str, officer: DocumentSigner, trust: TrustSettings, catalogue: Session, tmp_path: Path
) -> None:
    scan = make_page(0, Degradation(noise=3, jpeg_quality=90), seed=23, height_mm=110.0)
    height, width = scan.degraded.shape[:2]
    files = {
        "decision.pdf": pdfs.born_digital(),
        "mixed.pdf": pdfs.merged(pdfs.born_digital(), pdfs.scanned(scan.degraded_jpeg(), width, height)),
    }
    documents = [
        {"type_code": "QD", "name": "Quyết định", "pages": "1"},
        {"type_code": "HS", "name": "Hồ sơ kèm theo", "pages": "2-3"},
    ]
    dossier = api_app.dossier(agency_code)
    born, mixed = _upload(files, documents, agency_code, dossier.code, tmp_path, catalogue)

    born_id = _through(born, officer, api_app, trust)
    assert [v["signature_level"] for v in _read(api_app, agency_code, born_id, "versions")] == ["B-T"]
    assert _read(api_app, agency_code, born_id, "text")["text"] == BORN_DIGITAL_TEXT
    content = _read(api_app, agency_code, born_id, "content")
    assert BORN_DIGITAL_TEXT in first_page_text(content)  # the officer's stamp is added beside it, nothing lost
    assert validate_pdf(content, trust).verdict is Verdict.TOTAL_PASSED

    mixed_id = _through(mixed, officer, api_app, trust)
    first, second = _read(api_app, agency_code, mixed_id, "text")["text"].split("\f")
    assert first == BORN_DIGITAL_TEXT
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in second and "Số: 35/2022/QĐ-UBND" in second


def test_a_signed_pdf_is_stored_as_received_and_still_validates(
    api_app: Api,
    agency_code: str,
    agency_sign: Any,
    officer: DocumentSigner,
    trust: TrustSettings,
    catalogue: Session,
    tmp_path: Path,
) -> None:
    signed = agency_sign(pdfs.born_digital(title="Kết quả"))
    dossier = api_app.dossier(agency_code)
    (job,) = _upload(
        {"result.pdf": signed},
        [{"type_code": "KQ", "name": "Kết quả", "pages": "1"}],
        agency_code,
        dossier.code,
        tmp_path,
        catalogue,
    )
    document_id = _through(job, officer, api_app, trust)

    content = _read(api_app, agency_code, document_id, "content")
    assert content == signed  # byte for byte: never rebuilt, never signed again
    report = validate_pdf(content, trust)
    assert report.verdict is Verdict.TOTAL_PASSED and len(report.signatures) == 1
    assert report.signatures[0].intact and report.signatures[0].changes_after_signing == "no change after signing"
    assert _read(api_app, agency_code, document_id, "text")["text"] == BORN_DIGITAL_TEXT
    record = _read(api_app, agency_code, document_id, "")
    assert record["signature_verdict"] == "TOTAL-PASSED"
    # No signer of ours made it: the level its validation found is stored (NULL before: the long-term job read the
    # file once to find it), so enrolment needs no read (docs/signing.md).
    assert report.level is not None
    assert [v["signature_level"] for v in _read(api_app, agency_code, document_id, "versions")] == [report.level]
    summary = _read(api_app, agency_code, document_id, "validation")["summary"]
    assert summary["badge"] in ("valid", "valid_development") and summary["label"].startswith("Hợp lệ")


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("javascript", "JavaScript"),
        ("with-another-page", "must be one document on its own (page 1 of the batch, no other page)"),
        ("certified-copy", "a certified copy is made from paper"),
    ],
)
def test_misplaced_or_hostile_signed_pdfs_are_refused_with_nothing_kept(
    api_app: Api, agency_code: str, agency_sign: Any, catalogue: Session, tmp_path: Path, case: str, reason: str
) -> None:
    signed = agency_sign(pdfs.with_javascript(pdfs.born_digital()) if case == "javascript" else pdfs.born_digital())
    files = {"result.pdf": signed}
    documents: list[dict[str, Any]] = [{"type_code": "KQ", "name": "Kết quả", "pages": "1"}]
    if case == "with-another-page":
        files["more.pdf"] = pdfs.born_digital()
        documents = [{"type_code": "KQ", "name": "Kết quả", "pages": "1-2"}]
    if case == "certified-copy":
        documents[0]["kind"] = "certified_copy"
    with pytest.raises(BatchRefused, match=re.escape(reason)) as refused:
        _upload(files, documents, agency_code, "unused", tmp_path, catalogue)
    assert refused.value.status == 422
    assert not (tmp_path / "staging").exists() and catalogue.query(Batch).count() == 0
