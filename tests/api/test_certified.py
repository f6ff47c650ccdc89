"""Certified electronic copies from originals over the real app and test PKI: TOTAL-PASSED, the copy form, agency
name and register number on page 1 (pdftotext), numbers unique under concurrency, reuse like any vault paper.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from core.timezone import VN_TZ
from core.types import Actor, Role, Verdict
from issuing.certification_register import Certification, take_number
from signing.stamps import CERTIFIED_COPY_TITLE
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.api.conftest import AGENCY_NAME, Api, first_page_text, in_top_right_of_page_one, sample_pdf
from tests.signing.pdfsig import pdfsig_intact
from tests.support.concurrency import run_concurrently
from vault.records import NewDocument

pytestmark = pytest.mark.slow


def test_scan_is_certified_numbered_and_stored(
    api_app: Api, agency_code: str, trust: TrustSettings, tmp_path: Path
) -> None:
    dossier = api_app.dossier(agency_code)
    station = api_app.headers(Role.STATION, agency_code)
    response = api_app.client.post(
        f"/api/v1/dossiers/{dossier.code}/certified-copies",
        headers=station,
        files={"file": ("scan.pdf", sample_pdf("Giấy khai sinh", "Bản chính đã đối chiếu."), "application/pdf")},
        data={"name": "Giấy khai sinh", "type_code": "GKS"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    year = dt.datetime.now(VN_TZ).year
    assert body["certification_number"] == f"1/{year}/SCBS-ĐT" and body["register_number"] == 1
    document = body["document"]
    assert document["kind"] == "certified_copy" and document["source_dossier_code"] == dossier.code
    assert document["signature_verdict"] == "TOTAL-PASSED" and document["number_symbol"] == f"1/{year}/SCBS-ĐT"
    content = api_app.client.get(f"/api/v1/documents/{document['id']}/content", headers=station).content
    report = validate_pdf(content, trust)
    assert report.verdict is Verdict.TOTAL_PASSED
    assert "Quảng Trị" in report.signatures[0].signer_subject
    versions = api_app.client.get(f"/api/v1/documents/{document['id']}/versions", headers=station).json()
    assert [v["signature_level"] for v in versions] == [str(report.signatures[0].pades_level)]  # stored as reached
    pdf = tmp_path / "copy.pdf"
    pdf.write_bytes(content)
    assert pdfsig_intact(pdf) == [True]
    stamp = report.signatures[-1].stamp_text  # the copy block's words: in the field, not in the page's text
    assert stamp is not None and CERTIFIED_COPY_TITLE in stamp and AGENCY_NAME in stamp and f"1/{year}/SCBS-ĐT" in stamp
    assert CERTIFIED_COPY_TITLE not in " ".join(first_page_text(content).split())
    assert in_top_right_of_page_one(content)

    # the copy is reusable like any vault paper: the owner attaches it to a later dossier
    later = api_app.dossier(agency_code)
    citizen = api_app.headers(Role.CITIZEN, owner_id=dossier.owner_id)
    reuse = api_app.client.post(
        f"/api/v1/me/dossiers/{later.code}/attachments", headers=citizen, json={"document_id": document["id"]}
    )
    assert reuse.status_code == 201, reuse.text

    # a vault paper certified by id takes the next number
    again = api_app.client.post(
        f"/api/v1/dossiers/{dossier.code}/certified-copies", headers=station, data={"document_id": document["id"]}
    )
    assert again.status_code == 409  # already a certified copy
    component = api_app.services.vault.store_document(
        _component(dossier.owner_id, dossier.code), sample_pdf("Sổ hộ khẩu"), _station(agency_code)
    )
    by_id = api_app.client.post(
        f"/api/v1/dossiers/{dossier.code}/certified-copies", headers=station, data={"document_id": component.id}
    )
    assert by_id.status_code == 201, by_id.text
    assert by_id.json()["register_number"] == 2 and by_id.json()["document"]["name"] == "Sổ hộ khẩu"


def test_bad_requests_are_refused(api_app: Api, agency_code: str) -> None:
    dossier = api_app.dossier(agency_code)
    station = api_app.headers(Role.STATION, agency_code)
    url = f"/api/v1/dossiers/{dossier.code}/certified-copies"
    neither = api_app.client.post(url, headers=station, data={"name": "x"})
    assert neither.status_code == 422 and "either" in neither.json()["detail"]
    not_pdf = api_app.client.post(
        url, headers=station, files={"file": ("a.pdf", b"hello", "application/pdf")}, data={"name": "x"}
    )
    assert not_pdf.status_code == 422 and "not a PDF" in not_pdf.json()["detail"]
    other_agency = api_app.client.post(
        url,
        headers=api_app.headers(Role.STATION, "000.00.98.H30"),
        files={"file": ("a.pdf", sample_pdf("x"), "application/pdf")},
        data={"name": "x"},
    )
    assert other_agency.status_code == 404
    citizen = api_app.client.post(url, headers=api_app.headers(Role.CITIZEN, owner_id=dossier.owner_id))
    assert citizen.status_code == 403


def test_register_numbers_are_unique_under_concurrency(api_app: Api, agency_code: str) -> None:
    sessions = api_app.services.sessions
    numbers: list[int] = []
    lock = threading.Lock()
    when = dt.datetime(2027, 3, 1, 9, 0, tzinfo=VN_TZ)

    def take(_thread: int) -> None:
        for _ in range(5):
            with sessions.begin() as session:
                line = take_number(
                    session,
                    agency_code=agency_code,
                    dossier_code=f"{agency_code}-270301-0001",
                    certified_by="t",
                    when=when,
                    label_format="{number}/{year}",
                )
            with lock:
                numbers.append(line.number)

    run_concurrently(4, take)
    assert sorted(numbers) == list(range(1, 21))
    with sessions() as session:
        lines = session.query(Certification).filter_by(agency_code=agency_code, year=2027).count()
    assert lines == 20


def _component(owner_id: str, dossier_code: str) -> NewDocument:
    return NewDocument(owner_id=owner_id, name="Sổ hộ khẩu", type_code="SHK", source_dossier_code=dossier_code)


def _station(agency_code: str) -> Actor:
    return Actor(subject="station-1", role=Role.STATION, agency_code=agency_code)
