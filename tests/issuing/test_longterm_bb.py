"""A document signed at B-B because the TSA did not answer (fallback on): the long-term job enrols it as due now,
postpones it while the TSA is still down ("TSA không phản hồi"), the operator's read counts it, and once the TSA
answers it is raised to B-LTA (a document timestamp over the signature, then validation data), its stamp unchanged.
A kind configured at B-B is left at B-B."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bench.signing_sample import sample_pdf
from core.types import Actor, DocumentKind, Role, SignatureLevel, Verdict
from issuing.longterm import TSA_DOWN, LongTermState, run_longterm
from issuing.waits import longterm_due
from signing.identity import load_pkcs12
from signing.longterm import lacks_timestamp
from signing.sign import DocumentSigner
from signing.stamps import officer_stamp
from signing.validate import validate_pdf
from tests.issuing.longterm_catalogue import pki as pki  # the test PKI, module-scoped
from tests.issuing.longterm_catalogue import setup as setup  # a fresh catalogue and store
from tests.support.pki import RunningPki, free_port
from vault.records import NewDocument
from vault.service import Vault

OWNER = "045190001234"
ADMIN = Actor("root", Role.ADMIN, purpose="kiểm tra")
SIGNED_AT = dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.UTC)


def _page_one(pdf: bytes, folder: Path, name: str) -> bytes:
    """Page 1 rendered by poppler (pdftoppm, 80 dpi) as PPM bytes: the pixels a reader sees."""
    source = folder / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "80", "-f", "1", "-l", "1", str(source), str(folder / name)], check=True)
    return (folder / f"{name}-1.ppm").read_bytes()


def _read(vault: Vault, doc_id: str) -> bytes:
    with vault.open_content(doc_id, ADMIN) as content:
        data: bytes = content.read()
    return data


def test_a_bb_signature_is_upgraded_once_the_tsa_answers(
    pki: RunningPki, setup: tuple[sessionmaker[Session], Vault], tmp_path: Path
) -> None:
    factory, vault = setup
    up = pki.signing_settings(tmp_path / "fonts", allow_bb_fallback=True)
    down = up.model_copy(update={"tsa_url": f"http://127.0.0.1:{free_port()}/tsa"})  # nothing listens there
    identity = load_pkcs12(pki.identity("officer").p12, pki.password)
    with DocumentSigner(identity, down, trust=pki.trust()) as signer:
        outcome = signer.sign_with_outcome(
            sample_pdf(1),
            level=down.level_for(DocumentKind.COMPONENT),
            stamp=officer_stamp("Nguyễn Thị Lan", SIGNED_AT),
        )
    assert (outcome.requested_level, outcome.level) == (SignatureLevel.B_LTA, SignatureLevel.B_B)
    record = vault.store_document(
        NewDocument(owner_id=OWNER, name="Giấy khai sinh", kind=DocumentKind.COMPONENT), outcome.pdf, ADMIN
    )

    still_down = run_longterm(factory, vault, down)  # enrolled as due now, not in 30 days: the TSA is still down
    assert (still_down.enrolled, still_down.upgraded, still_down.postponed) == (1, [], [record.id])
    with factory() as session:
        state = session.get(LongTermState, record.id)
        assert state is not None and state.level == SignatureLevel.B_B.value
        assert state.last_error is not None and state.last_error.startswith(TSA_DOWN)
        waiting = longterm_due(session, dt.datetime.now(dt.UTC))
    assert waiting.at_bb == 1 and waiting.oldest_at_bb_since is not None
    assert len(vault.document_versions(record.id, ADMIN)) == 1

    back = run_longterm(factory, vault, up, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    assert (back.upgraded, back.postponed) == ([record.id], [])
    upgraded = _read(vault, record.id)
    report = validate_pdf(upgraded, pki.trust(), up)
    assert report.verdict is Verdict.TOTAL_PASSED, [s.message for s in report.signatures]
    assert [s.pades_level for s in report.signatures] == [SignatureLevel.B_LTA]
    assert len(report.document_timestamps) == 1 and not lacks_timestamp(upgraded)
    assert _page_one(upgraded, tmp_path, "after") == _page_one(outcome.pdf, tmp_path, "before")  # stamp unchanged
    with factory() as session:
        assert longterm_due(session, dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).at_bb == 0
        state = session.get(LongTermState, record.id)
        assert state is not None and state.level == SignatureLevel.B_LTA.value and state.last_error is None


def test_a_kind_configured_at_bb_is_left_at_bb(
    pki: RunningPki, setup: tuple[sessionmaker[Session], Vault], tmp_path: Path
) -> None:
    factory, vault = setup
    at_bb = pki.signing_settings(tmp_path / "fonts", levels={DocumentKind.NOTICE: SignatureLevel.B_B})
    with DocumentSigner(load_pkcs12(pki.identity("agency").p12, pki.password), at_bb, trust=pki.trust()) as signer:
        signed = signer.sign(sample_pdf(1), level=at_bb.level_for(DocumentKind.NOTICE))
    record = vault.store_document(
        NewDocument(owner_id=OWNER, name="Phiếu hẹn", kind=DocumentKind.NOTICE), signed, ADMIN
    )
    report = run_longterm(factory, vault, at_bb)
    assert (report.enrolled, report.upgraded, report.postponed) == (1, [], [])
    with factory() as session:
        assert longterm_due(session, dt.datetime.now(dt.UTC), at_bb).at_bb == 0  # nothing waits: B-B was asked
        state = session.get(LongTermState, record.id)
        assert state is not None and state.level == SignatureLevel.B_B.value
    assert len(vault.document_versions(record.id, ADMIN)) == 1
