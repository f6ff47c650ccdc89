"""Decision 766 statistics through the API (issue #18): each rate with its definition and why dossiers are left
out, a failed batch's dossier not digitised, the roll-up by agency code levels, Vietnamese CSV headers, and the
published monthly report served to the portal (PDF, signed CSV, figures).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient

from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import core_settings
from core.timezone import now_vn
from core.types import Actor, DocumentKind, Role
from ingest import batches
from issuing.stats_report import file_names, publish_month
from signing.cms import parse_signed_data
from tests.api.world import PROCEDURE, private_app, tiny_pdf
from vault.records import NewDocument

OWNER = "079195000123"
COMMUNE = "000.05.12.H30"
OTHER_UNIT = "000.00.13.H30"


def _headers(role: Role, **claims: str) -> dict[str, str]:
    token = mint_development_token(ApiSettings(), core_settings(), role=role, subject=f"{role}-1", **claims)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}", "X-Purpose": quote("thống kê")}


def _world(app: object) -> list[str]:
    """Three dossiers of a commune, each scanned with an electronic result; the first one's batch then failed;
    one dossier of another unit under the province with a component only."""
    svc = app.state.services  # type: ignore[attr-defined]
    vault = svc.vault
    codes = []
    for agency, with_result in ((COMMUNE, True), (COMMUNE, True), (COMMUNE, True), (OTHER_UNIT, False)):
        station = Actor("st", Role.STATION, agency_code=agency)
        code = vault.create_dossier(agency, PROCEDURE, OWNER).code
        kinds = (DocumentKind.COMPONENT, DocumentKind.RESULT) if with_result else (DocumentKind.COMPONENT,)
        for kind in kinds:
            new = NewDocument(owner_id=OWNER, name="Giấy", kind=kind, source_dossier_code=code)
            vault.store_document(new, tiny_pdf("x"), station)
        codes.append(code)
    planned = [batches.PlannedDocument(name="Tờ khai", type_code=None, kind="component", pages=[0])]
    new = batches.NewBatch("f" * 32, "st", COMMUNE, PROCEDURE, codes[0], OWNER, "st", 1, "/nowhere", planned)
    with svc.sessions.begin() as session:
        batches.create_batch(session, new)
    with svc.sessions.begin() as session:
        batches.update_document(session, "f" * 32, 0, status=batches.DocState.FAILED, error="ocr")
    return codes


def test_rates_say_what_they_count_and_why_a_dossier_does_not(tmp_path: Path) -> None:
    app = private_app(tmp_path)
    _world(app)
    admin = _headers(Role.ADMIN)
    with TestClient(app) as client:
        body = client.get("/api/v1/stats/digitisation", params={"agency": COMMUNE}, headers=admin).json()
        digitisation = body["digitisation"]
        assert (digitisation["numerator"], digitisation["denominator"]) == (2, 3)
        assert digitisation["label"] == "Tỷ lệ số hóa" and "kết quả giải quyết điện tử" in digitisation["definition"]
        assert digitisation["not_counted"] == [
            {"reason": "batch_failed", "label": "lô quét có tài liệu bị lỗi, thành phần chưa vào kho", "dossiers": 1}
        ]
        other = client.get("/api/v1/stats/digitisation", params={"agency": OTHER_UNIT}, headers=admin).json()
        assert other["digitisation"]["numerator"] == 0
        assert [n["reason"] for n in other["digitisation"]["not_counted"]] == ["no_result"]  # 0/1 explains itself

        handler = _headers(Role.HANDLER, agency_code=COMMUNE)
        refused = client.get("/api/v1/stats/digitisation", params={"agency": OTHER_UNIT}, headers=handler)
        assert refused.status_code == 403
        bad = client.get("/api/v1/stats/digitisation", params={"agency": "H30%"}, headers=admin)
        assert bad.status_code == 422

        provinces = client.get("/api/v1/stats/rollup", params={"level": "province"}, headers=admin).json()
        assert [(u["agency_code"], u["dossiers_received"]) for u in provinces] == [("000.00.00.H30", 4)]
        under_province = client.get(
            "/api/v1/stats/rollup", params={"level": "district", "under": "000.00.00.H30"}, headers=admin
        ).json()
        assert [(u["agency_code"], u["digitisation"]["numerator"]) for u in under_province] == [
            ("000.00.12.H30", 2),
            ("000.00.13.H30", 0),
        ]
        text = client.get("/api/v1/stats/rollup", params={"level": "district", "format": "csv"}, headers=admin).text
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert rows[0][:5] == ["Mã đơn vị", "Cấp", "Từ ngày", "Đến ngày", "Chỉ tiêu"]
        assert rows[1][:2] == ["000.00.12.H30", "trực thuộc tỉnh"] and rows[1][4] == "Tỷ lệ số hóa"
        assert rows[1][-1] == "1 hồ sơ lô quét có tài liệu bị lỗi, thành phần chưa vào kho"


def test_the_monthly_report_is_served_to_the_portal(tmp_path: Path) -> None:
    app = private_app(tmp_path)
    _world(app)
    svc = app.state.services
    month = now_vn().strftime("%Y-%m")
    failed = svc.failed_dossiers(None)
    published = publish_month(svc.vault, svc.issuer.agency_signer(), month, failed, "UBND tỉnh Quảng Trị")
    names = file_names(month)
    assert set(published.stored) == set(names.values())
    portal = _headers(Role.PORTAL)
    with TestClient(app) as client:
        assert client.get("/api/v1/stats/reports", headers=portal).json() == [month]
        body = client.get(f"/api/v1/stats/reports/{month}", headers=portal).json()
        assert body["figures"][0]["digitisation"]["numerator"] == 2 and len(body["files"]) == 3
        pdf = client.get(f"/api/v1/stats/reports/{month}/{names['pdf']}", headers=portal)
        assert pdf.headers["content-type"] == "application/pdf" and b"/ByteRange" in pdf.content
        signed = client.get(f"/api/v1/stats/reports/{month}/{names['csv']}", headers=portal)
        _signed_data, payload = parse_signed_data(signed.content)
        assert payload.decode("utf-8-sig").startswith("Mã đơn vị,Cấp")
        assert client.get("/api/v1/stats/reports/2020-01", headers=portal).status_code == 404
        assert client.get("/api/v1/stats/reports/2020-13", headers=portal).status_code == 422
        assert client.get(f"/api/v1/stats/reports/{month}/khac.pdf", headers=portal).status_code == 404
        citizen = _headers(Role.CITIZEN, owner_id=OWNER)
        assert client.get(f"/api/v1/stats/reports/{month}", headers=citizen).status_code == 403


def test_the_report_command_refuses_a_month_that_is_not_one() -> None:
    import typer
    from typer.testing import CliRunner

    from runtime import stats_cli

    app = typer.Typer()
    stats_cli.register(app)
    result = CliRunner().invoke(app, ["stats", "report", "--month", "2026-13"])
    assert result.exit_code == 2 and "YYYY-MM" in result.output and len(result.output.strip().splitlines()) == 1
