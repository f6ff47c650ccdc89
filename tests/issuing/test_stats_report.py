"""The monthly Decision 766 report (issue #18): the beat task computes last month's indicators, seals the PDF and
signs the CSV with the agency's identity (timestamped), stores them once in the vault, and the portal reads them.

Real parts: the certomancer PKI (agency PKCS#12, TSA over HTTP), SQLite catalogue, the local write-once store,
`pdftotext` on the sealed PDF.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from asn1crypto import x509
from sqlalchemy import update

from core.timezone import VN_TZ
from core.types import Actor, DocumentKind, Role
from ingest import batches
from issuing.stats_report import file_names, portal_payload
from signing.cms import verify_encapsulated
from signing.report import Verdict
from signing.sign import DocumentSigner
from signing.trust import TrustSettings, load_cert_files
from signing.validate import validate_pdf
from tests.issuing.agency_signer import pki as pki  # the test PKI, module-scoped
from tests.issuing.agency_signer import signer as signer  # the agency's signer
from tests.support.pki import RunningPki
from tests.vault.conftest import PERSON, PROCEDURE
from vault.errors import Forbidden, ObjectLocked
from vault.models import Dossier
from vault.records import NewDocument
from vault.service import Vault

AGENCY = "000.05.12.H30"
MONTH = "2026-10"
STATION = Actor("station-1", Role.STATION, agency_code=AGENCY)
PDF = b"%PDF-1.7\n" + b"x" * 2000 + b"\n%%EOF\n"


def _october_dossiers(vault: Vault) -> list[str]:
    """Four dossiers received in October: all scanned with an electronic result; the first one's batch failed."""
    codes = []
    for day in (3, 10, 17, 24):
        code = vault.create_dossier(AGENCY, PROCEDURE, PERSON).code
        for kind in (DocumentKind.COMPONENT, DocumentKind.RESULT):
            new = NewDocument(owner_id=PERSON, name="Giấy", kind=kind, source_dossier_code=code)
            vault.store_document(new, PDF, STATION)
        at = dt.datetime(2026, 10, day, 9, 0, tzinfo=VN_TZ)
        with vault.sessions.begin() as session:
            session.execute(update(Dossier).where(Dossier.code == code).values(received_at=at))
        codes.append(code)
    return codes


def _failed_batch(vault: Vault, dossier_code: str) -> None:
    planned = [batches.PlannedDocument(name="Tờ khai", type_code=None, kind="component", pages=[0])]
    new = batches.NewBatch("b" * 32, "st-1", AGENCY, PROCEDURE, dossier_code, PERSON, "st-1", 1, "/nowhere", planned)
    with vault.sessions.begin() as session:
        batches.create_batch(session, new)
    with vault.sessions.begin() as session:
        batches.update_document(session, "b" * 32, 0, status=batches.DocState.FAILED, error="ocr")


def test_the_beat_task_publishes_a_sealed_and_signed_report_once(
    signer: DocumentSigner, pki: RunningPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest import context as pipeline_context
    from ingest.db import migrate, sessions
    from ingest.report_tasks import stats_report
    from ingest.staging import FolderArea
    from issuing.agency import Issuer
    from runtime.celery_app import celery_app
    from tests.vault.conftest import build_vault
    from vault.store import LocalStore

    assert celery_app.conf.beat_schedule["stats-report"]["task"] == "sohoa.stats_report"
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrate(url)
    vault = build_vault(url, LocalStore(tmp_path / "objects"))
    codes = _october_dossiers(vault)
    _failed_batch(vault, codes[0])
    context = pipeline_context.PipelineContext(
        sessions=sessions(url),
        vault=lambda: vault,
        officer_signer=lambda: signer,
        issuer=Issuer(agency_signer=lambda: signer, notify=lambda *_: None),
        staging=lambda: FolderArea(tmp_path / "staging"),
    )
    monkeypatch.setattr(pipeline_context, "_factory", lambda: context)
    monkeypatch.setattr(pipeline_context, "_context", None)

    names = file_names(MONTH)
    assert sorted(stats_report(MONTH)) == sorted(names.values())
    assert stats_report(MONTH) == []  # written once: a second run finds the month published
    with pytest.raises(ObjectLocked):
        vault.store_stats_report(MONTH, names["pdf"], b"%PDF forged")

    portal = Actor("portal", Role.PORTAL, purpose="đồng bộ")
    payload = portal_payload(vault, portal, MONTH)
    assert payload is not None and {f["name"] for f in payload["files"]} == set(names.values())
    total = payload["figures"][0]
    assert total["agency_code"] is None and total["dossiers_received"] == 4
    assert (total["digitisation"]["numerator"], total["digitisation"]["denominator"]) == (3, 4)
    assert total["digitisation"]["not_counted"][0]["reason"] == "batch_failed"
    units = {(f["level"], f["agency_code"]) for f in payload["figures"][1:]}
    assert units == {("province", "000.00.00.H30"), ("district", "000.00.12.H30"), ("commune", "000.05.12.H30")}
    assert portal_payload(vault, portal, "2026-09") is None
    with pytest.raises(Forbidden):
        vault.stats_report(Actor(PERSON, Role.CITIZEN, owner_id=PERSON), MONTH)

    files = {f.name: f.data for f in vault.stats_report(portal, MONTH)}
    report = validate_pdf(files[names["pdf"]], TrustSettings(anchors=(pki.root_cert,)))
    assert report.verdict is Verdict.TOTAL_PASSED, report
    text = subprocess.run(["pdftotext", "-", "-"], input=files[names["pdf"]], capture_output=True, check=True)
    page = text.stdout.decode()
    assert "BÁO CÁO CHỈ TIÊU SỐ HÓA THÁNG 10/2026" in page and "lô quét có tài liệu bị lỗi" in page
    # each unit's block says what its code's level is now (no district since 1 July 2025)
    assert "Đơn vị 000.00.12.H30 (đơn vị trực thuộc tỉnh, gồm cả các đơn vị trực thuộc)" in page, page
    assert "Đơn vị 000.05.12.H30 (đơn vị cấp dưới" in page and "huyện" not in page
    anchors: list[x509.Certificate] = load_cert_files([pki.root_cert])
    verdict = verify_encapsulated(files[names["csv"]], anchors)
    assert verdict.valid and verdict.timestamp_trusted, verdict.problems
    csv = verdict.payload.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Mã đơn vị,Cấp,Từ ngày,Đến ngày,Chỉ tiêu")
    assert "Tất cả,,2026-10-01,2026-10-31,Tỷ lệ số hóa,4,3,4,75.00" in csv
    assert "\n000.00.12.H30,trực thuộc tỉnh,2026-10-01" in csv and "\n000.05.12.H30,cấp dưới," in csv
