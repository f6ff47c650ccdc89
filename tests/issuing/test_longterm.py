"""The long-term job on a real PKI: a citizen's B-T upload becomes B-LTA (a new version) once revocation data is
available, is left alone on the next run, and gets a new archive timestamp when its last one is due."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from core.types import Actor, DocumentKind, Role, SignatureLevel, Verdict
from issuing.longterm import run_longterm
from signing.identity import load_pkcs12
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.api.world import tiny_pdf
from tests.issuing.longterm_catalogue import pki as pki  # the test PKI, module-scoped
from tests.issuing.longterm_catalogue import setup as setup  # a fresh catalogue and store
from tests.support.pki import RunningPki
from vault.records import NewDocument
from vault.service import Vault

OWNER = "045190001234"
ADMIN = Actor("root", Role.ADMIN, purpose="kiểm tra")


def _signed_bt(pki: RunningPki, title: str) -> tuple[SigningSettings, bytes]:
    """The settings on the test PKI and a one-page PDF `title` the officer signed at B-T with them."""
    settings = SigningSettings(tsa_url=pki.tsa_url, trust_dir=pki.trust_dir)
    identity = load_pkcs12(pki.identity("officer").p12, pki.password)
    with DocumentSigner(identity, settings) as signer:
        return settings, signer.sign(tiny_pdf(title), level=SignatureLevel.B_T)


def _versions(vault: Vault, doc_id: str) -> int:
    return len(vault.document_versions(doc_id, ADMIN))


def test_bt_is_upgraded_to_lta_then_renewed_when_due(
    pki: RunningPki, setup: tuple[sessionmaker[Session], Vault]
) -> None:
    factory, vault = setup
    settings, signed = _signed_bt(pki, "đơn đề nghị")
    record = vault.store_document(
        NewDocument(owner_id=OWNER, name="Đơn đề nghị", kind=DocumentKind.CITIZEN_UPLOAD),
        signed,
        Actor(OWNER, Role.CITIZEN, owner_id=OWNER),
    )
    first = run_longterm(factory, vault, settings)
    assert (first.enrolled, first.upgraded, first.postponed) == (1, [record.id], [])
    with vault.open_content(record.id, ADMIN) as content:
        upgraded = content.read()
    report = validate_pdf(upgraded, TrustSettings(anchors=(pki.root_cert,)))
    assert report.verdict is Verdict.TOTAL_PASSED and len(report.document_timestamps) == 1
    assert _versions(vault, record.id) == 2  # the B-T version stays readable under retention
    again = run_longterm(factory, vault, settings)
    assert (again.enrolled, again.upgraded, again.renewed) == (0, [], [])
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    due = SigningSettings(tsa_url=pki.tsa_url, trust_dir=pki.trust_dir, archive_renewal_margin_days=100_000)
    renewal = run_longterm(factory, vault, due, now=later)
    assert renewal.renewed == [record.id]
    with vault.open_content(record.id, ADMIN) as content:
        renewed = validate_pdf(content.read(), TrustSettings(anchors=(pki.root_cert,)))
    assert renewed.verdict is Verdict.TOTAL_PASSED and len(renewed.document_timestamps) == 2
    assert _versions(vault, record.id) == 3


def test_a_received_pdf_whose_signature_did_not_validate_is_skipped_not_retried(
    pki: RunningPki, setup: tuple[sessionmaker[Session], Vault]
) -> None:
    from structlog.testing import capture_logs

    factory, vault = setup
    settings, signed = _signed_bt(pki, "hóa đơn điện tử")
    citizen = Actor(OWNER, Role.CITIZEN, owner_id=OWNER)
    received = {"owner_id": OWNER, "kind": DocumentKind.CITIZEN_UPLOAD}
    failed = vault.store_document(
        NewDocument(name="Hóa đơn", signature_verdict=Verdict.INDETERMINATE, **received), signed, citizen
    )
    passed = vault.store_document(
        NewDocument(name="Văn bản", signature_verdict=Verdict.TOTAL_PASSED, **received), signed, citizen
    )
    with capture_logs() as logs:
        first = run_longterm(factory, vault, settings)
    reason = "signature verdict INDETERMINATE: not upgraded"
    assert (first.upgraded, first.skipped, first.postponed) == ([passed.id], {failed.id: reason}, [])
    assert _versions(vault, failed.id) == 1  # the file as received stays the only version
    skipped = [entry for entry in logs if entry["event"] == "long-term step skipped"]
    assert skipped == [{**skipped[0], "document": failed.id, "verdict": "INDETERMINATE"}]
    assert OWNER not in str(logs)
    hour_later = run_longterm(factory, vault, settings, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    assert (hour_later.upgraded, hour_later.skipped, hour_later.postponed) == ([], {}, [])
    month_later = run_longterm(factory, vault, settings, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=31))
    assert month_later.skipped == {failed.id: reason}
