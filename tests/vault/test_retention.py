"""The retention table: years by type code, then by kind, then the default; permanent papers; leap days;
and what the vault writes into each stored version.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.types import Actor, DocumentKind, Role
from tests.vault.conftest import AGENCY, PERSON, build_vault
from vault.db import migrate
from vault.records import NewDocument
from vault.retention import PERMANENT_UNTIL, retain_until, retention_years
from vault.settings import DEFAULT_RETENTION
from vault.store import LocalStore

TABLE = {**DEFAULT_RETENTION, "GKS": None, "GPLX": 5}


def test_type_code_wins_over_kind_then_default() -> None:
    assert retention_years(TABLE, 10, "component", "GKS") is None
    assert retention_years(TABLE, 10, "component", "GPLX") == 5
    assert retention_years(TABLE, 10, "certified_copy", None) == 20
    assert retention_years(TABLE, 10, "result", "XYZ") is None
    assert retention_years({}, 7, "component", None) == 7


def test_retain_until_dates() -> None:
    start = dt.datetime(2024, 2, 29, 8, 0, tzinfo=dt.UTC)
    assert retain_until(10, start) == dt.datetime(2034, 2, 28, 8, 0, tzinfo=dt.UTC)
    assert retain_until(None, start) == PERMANENT_UNTIL


def test_each_version_is_locked_for_its_kind_and_type(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    migrate(url)
    store = LocalStore(tmp_path / "objects")
    vault = build_vault(url, store, retention_years=TABLE)
    station = Actor("s", Role.STATION, agency_code=AGENCY)
    admin = Actor("a", Role.ADMIN)
    kinds = {
        "birth": NewDocument(owner_id=PERSON, name="Giấy khai sinh", type_code="GKS"),
        "licence": NewDocument(owner_id=PERSON, name="Giấy phép lái xe", type_code="GPLX"),
        "result": NewDocument(owner_id=PERSON, name="Kết quả", kind=DocumentKind.RESULT),
        "copy": NewDocument(owner_id=PERSON, name="Bản sao", kind=DocumentKind.CERTIFIED_COPY),
    }
    years = {}
    for label, new in kinds.items():
        doc = vault.store_document(new, b"%PDF-1.7 " + label.encode(), station)
        [version] = vault.document_versions(doc.id, admin)
        assert version.retain_until is not None
        years[label] = version.retain_until.year - dt.datetime.now(dt.UTC).year
    assert years == {"birth": 2999 - dt.datetime.now(dt.UTC).year, "licence": 5, "result": years["birth"], "copy": 20}
    for obj in store.iter_objects():
        assert store.lock_state(obj.key, obj.version_id).locked()
