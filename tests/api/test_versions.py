"""`POST /api/v1/documents/{id}/versions`: a station of the holding agency sends the new scan of one page; the
stored pages with that page swapped become a one-document batch that versions the document. Refusals leave
nothing staged and no batch (the pipeline run itself is the browser test's, tests/web/test_pages.py)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import core_settings
from core.types import Actor, Role
from ingest.models import Batch, BatchDocument
from tests.api.world import AGENCY_X, AGENCY_Y, OWNER_A, PROCEDURE, private_app
from vault.records import NewDocument


def _scan(pages: int, fmt: str) -> bytes:
    images = [Image.new("L", (1240, 1754), 255 - 20 * n) for n in range(pages)]
    out = io.BytesIO()
    extra = {"save_all": True, "append_images": images[1:]} if pages > 1 else {}
    images[0].save(out, format=fmt, dpi=(150, 150), **extra)
    return out.getvalue()


def _headers(role: Role, agency: str | None) -> dict[str, str]:
    token = mint_development_token(ApiSettings(), core_settings(), role=role, subject="qt-1", agency_code=agency)
    return {"Authorization": f"Bearer {token}"}


def _world(tmp_path: Path) -> tuple[TestClient, Any, str]:
    app = private_app(tmp_path)
    svc = app.state.services
    sent: list[tuple[str, int, int]] = []
    svc.enqueue_document = lambda batch, index, pages: sent.append((batch, index, pages))
    station = Actor("qt-1", Role.STATION, agency_code=AGENCY_X)
    code = svc.vault.open_dossier(AGENCY_X, PROCEDURE, OWNER_A, station).code
    new = NewDocument(owner_id=OWNER_A, name="Giấy khai sinh", source_dossier_code=code, procedure_code=PROCEDURE)
    doc = svc.vault.store_document(new, _scan(2, "PDF"), station)
    return TestClient(app), sent, doc.id


def _send(client: TestClient, doc_id: str, page: int, body: bytes, headers: dict[str, str]) -> Any:
    files = {"file": ("trang.jpg", body, "image/jpeg")}
    return client.post(f"/api/v1/documents/{doc_id}/versions", data={"page": str(page)}, files=files, headers=headers)


def test_a_station_sends_the_new_scan_of_one_page(tmp_path: Path) -> None:
    client, sent, doc_id = _world(tmp_path)
    answer = _send(client, doc_id, 2, _scan(1, "JPEG"), _headers(Role.STATION, AGENCY_X))
    assert answer.status_code == 202, answer.text
    batch_id = answer.json()["batch_id"]
    assert sent == [(batch_id, 0, 2)]
    svc = client.app.state.services  # type: ignore[attr-defined]
    with svc.sessions() as session:
        batch = session.get(Batch, batch_id)
        row = session.query(BatchDocument).filter_by(batch_id=batch_id).one()
        assert batch is not None and batch.owner_id == OWNER_A and batch.agency_code == AGENCY_X
        assert row.new_version_of == doc_id and row.pages == [0, 2]  # page 2 is the new scan
    staged = sorted(p.name for p in (Path(batch.staging_dir) / "pages").iterdir())
    assert staged == ["0001-current.pdf", "0002-scan"]


def test_refusals_leave_nothing(tmp_path: Path) -> None:
    client, sent, doc_id = _world(tmp_path)
    station = _headers(Role.STATION, AGENCY_X)
    staged_before = set(client.app.state.services.staging_root.iterdir())  # type: ignore[attr-defined]
    cases = [
        (_send(client, doc_id, 3, _scan(1, "JPEG"), station), 422, "pages 1 to 2"),
        (_send(client, doc_id, 1, b"not a scan at all", station), 415, "not a JPEG"),
        (_send(client, doc_id, 1, _scan(2, "TIFF"), station), 422, "one page"),
        (_send(client, doc_id, 1, _scan(1, "JPEG"), _headers(Role.STATION, AGENCY_Y)), 404, ""),
        (_send(client, "0" * 32, 1, _scan(1, "JPEG"), station), 404, ""),
        (_send(client, doc_id, 1, _scan(1, "JPEG"), _headers(Role.HANDLER, AGENCY_X)), 403, ""),
    ]
    for answer, status, reason in cases:
        assert answer.status_code == status, answer.text
        assert reason in answer.json()["detail"]
    assert sent == []
    svc = client.app.state.services  # type: ignore[attr-defined]
    with svc.sessions() as session:
        assert session.query(Batch).count() == 0
    assert set(svc.staging_root.iterdir()) == staged_before


def test_the_station_cli_replaces_a_page_in_place(tmp_path: Path, monkeypatch: Any) -> None:
    """`sohoa rescan DOC PAGE FILE` (walked 2026-11-30 night: the CLI's exit 3 had no command to answer it)."""
    from typer.testing import CliRunner

    from api.client import StationClient
    from cli.main import app

    client, sent, doc_id = _world(tmp_path)
    client.headers.update(_headers(Role.STATION, AGENCY_X))
    monkeypatch.setattr(
        StationClient, "__init__", lambda self, server, token, timeout=60.0: setattr(self, "http", client)
    )
    monkeypatch.setattr(StationClient, "close", lambda self: None)  # the test's client serves both runs
    scan = tmp_path / "trang-2.jpg"
    scan.write_bytes(_scan(1, "JPEG"))
    run = CliRunner().invoke(app, ["rescan", doc_id, "2", str(scan), "--no-wait", "--token", "t"])
    assert run.exit_code == 5, run.output  # the new version's batch is queued
    assert len(sent) == 1 and sent[0][1:] == (0, 2)
    assert f"batch {sent[0][0]} accepted for dossier" in run.output
    gone = CliRunner().invoke(app, ["rescan", doc_id, "3", str(scan), "--no-wait", "--token", "t"])
    assert gone.exit_code == 2 and len(sent) == 1, gone.output  # the document has two pages: refused in one line
    assert len(gone.output.strip().splitlines()) == 1 and gone.output.startswith("error: ")
