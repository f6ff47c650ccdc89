"""Search: insensitive to Vietnamese diacritics and case, ranked, with a snippet, only within what the caller
may read; on SQLite FTS5 through the API and on PostgreSQL full-text directly."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import core_settings
from core.text import fold
from core.types import Actor, DocumentKind, Role
from tests.api.world import AGENCY_X, OWNER_A, OWNER_B, PROCEDURE, PURPOSE, World, build_world, private_app, tiny_pdf
from vault.db import make_engine, migrate, session_factory
from vault.records import NewDocument
from vault.search import catch_up, search, snippet
from vault.service import Vault
from vault.settings import VaultSettings
from vault.store import LocalStore

PG_URL = os.environ.get("SOHOA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def test_folding_keeps_positions() -> None:
    original = "Quyết định số 35/2022/QĐ-UBND của Ủy ban nhân dân tỉnh Quảng Trị"
    folded = fold(original)
    assert folded == "quyet dinh so 35/2022/qd-ubnd cua uy ban nhan dan tinh quang tri"
    assert len(folded) == len(original)
    assert snippet(original, ["ubnd"], width=10) == "…5/2022/QĐ-«UBND» của Ủy ba…"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, World]]:
    app = private_app(tmp_path_factory.mktemp("api"))
    world = build_world(app.state.services)
    with TestClient(app) as client:
        yield client, world


def _headers(role: Role, **claims: str) -> dict[str, str]:
    token = mint_development_token(ApiSettings(), core_settings(), role=role, subject="s", **claims)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}", "X-Purpose": quote(PURPOSE)}


def test_search_finds_without_diacritics_and_only_what_the_caller_may_read(setup: tuple[TestClient, World]) -> None:
    client, world = setup
    citizen = _headers(Role.CITIZEN, owner_id=OWNER_A)
    hits = client.get("/api/v1/search", params={"q": "quyet dinh"}, headers=citizen).json()
    assert [h["document_id"] for h in hits] == [world.documents["a1"]]  # not owner B's papers
    assert "«Quyết»" in hits[0]["snippet"]
    assert (
        client.get("/api/v1/search", params={"q": "QUYẾT ĐỊNH giấy"}, headers=citizen).json()[0]["document_id"]
        == (world.documents["a1"])
    )
    handler = _headers(Role.HANDLER, agency_code=AGENCY_X)
    seen = {h["document_id"] for h in client.get("/api/v1/search", params={"q": "giay"}, headers=handler).json()}
    assert seen == {world.documents["a1"], world.documents["bg"]}  # own agency's dossier and the granted paper
    admin = _headers(Role.ADMIN)
    assert len(client.get("/api/v1/search", params={"q": "cap giay"}, headers=admin).json()) == 5
    assert client.get("/api/v1/search", params={"q": "khong co tu nay"}, headers=admin).json() == []
    log = client.get("/api/v1/me/access-log", headers=citizen).json()
    assert any(entry["action"] == "search" for entry in log)


@pytest.fixture
def pg_vault(tmp_path: Path) -> Iterator[Vault]:
    name = "sohoa_search_" + secrets.token_hex(4)
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    migrate(url)
    engine = make_engine(url)
    yield Vault(session_factory(engine), LocalStore(tmp_path / "objects"), VaultSettings())
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def test_search_on_postgresql(pg_vault: Vault) -> None:
    station = Actor("QT-01", Role.STATION, agency_code=AGENCY_X)
    dossier = pg_vault.open_dossier(AGENCY_X, PROCEDURE, OWNER_A, station).code
    ids = []
    for name, body in (("Quyết định cấp phép", "Quyết định về việc cấp giấy phép xây dựng"), ("Sổ đỏ", "đất ở")):
        record = pg_vault.store_document(
            NewDocument(
                owner_id=OWNER_A,
                name=name,
                kind=DocumentKind.COMPONENT,
                source_dossier_code=dossier,
                ocr_text=body,
                digitised_at=dt.datetime.now(dt.UTC),
            ),
            tiny_pdf(name),
            station,
        )
        ids.append(record.id)
    pg_vault.ensure_owner(OWNER_B)
    with pg_vault.sessions.begin() as session:
        assert catch_up(session) == 2
        assert catch_up(session) == 0
    with pg_vault.sessions.begin() as session:
        hits = search(session, "quyet dinh cap", Actor(OWNER_A, Role.CITIZEN, owner_id=OWNER_A))
        assert [h.document_id for h in hits] == [ids[0]]
        assert search(session, "dat o", Actor(OWNER_B, Role.CITIZEN, owner_id=OWNER_B)) == []  # not B's
        assert [h.document_id for h in search(session, "DAT", Actor("root", Role.ADMIN))] == [ids[1]]
