"""One query for "usable papers" (issue #18), on SQLite and PostgreSQL: the counter's look-up before scanning wants
papers with legal value, the consent request wants any reusable paper of the owner; both take the newest usable."""

from __future__ import annotations

import datetime as dt

from core.types import Actor, DocumentKind, DocumentStatus, Role
from tests.vault.conftest import AGENCY, OTHER_PERSON, PERSON, PROCEDURE
from vault.models import Owner
from vault.presence import LEGAL_KINDS, REUSABLE_KINDS, newest_usable
from vault.records import NewDocument
from vault.reuse import usable_of_types
from vault.service import Vault

STATION = Actor("station-1", Role.STATION, agency_code=AGENCY)
CITIZEN = Actor("citizen-1", Role.CITIZEN, owner_id=PERSON)
PDF = b"%PDF-1.7\n" + b"trang 1 " * 200 + b"\n%%EOF\n"


def _store(vault: Vault, type_code: str, kind: DocumentKind = DocumentKind.COMPONENT, **fields: object) -> str:
    owner = str(fields.pop("owner", PERSON))
    new = NewDocument(owner_id=owner, name=f"Giấy {type_code}", kind=kind, type_code=type_code, **fields)
    if kind is DocumentKind.CITIZEN_UPLOAD:
        return vault.store_document(new, PDF, Actor(owner, Role.CITIZEN, owner_id=owner)).id
    code = vault.create_dossier(AGENCY, PROCEDURE, owner).code
    return vault.store_document(new.model_copy(update={"source_dossier_code": code}), PDF, STATION).id


def test_both_rules_take_the_newest_usable_paper_of_each_type(vault: Vault) -> None:
    _store(vault, "GKS")
    newest_birth = _store(vault, "GKS")
    _store(vault, "CCCD", valid_until=dt.date(2020, 1, 1))  # expired
    revoked = _store(vault, "SHK")
    vault.set_status(revoked, DocumentStatus.REVOKED, "thu hồi", Actor("root", Role.ADMIN))
    upload = _store(vault, "DKKH", DocumentKind.CITIZEN_UPLOAD)
    _store(vault, "GKS", owner=OTHER_PERSON)  # another citizen's paper is never theirs
    types = ["GKS", "CCCD", "SHK", "DKKH", "GPLX"]
    with vault.sessions() as session:
        owner = session.query(Owner).filter_by(owner_id=PERSON).one()
        legal = newest_usable(session, owner.id, types, LEGAL_KINDS)
        reusable = newest_usable(session, owner.id, types, REUSABLE_KINDS)
        assert {t: d.id for t, d in legal.items()} == {"GKS": newest_birth}
        assert {t: d.id for t, d in reusable.items()} == {"GKS": newest_birth, "DKKH": upload}
        assert usable_of_types(session, owner, ["DKKH", "GKS", "GKS"]) == [upload, newest_birth]
    on_file = vault.papers_on_file(PERSON, types, STATION)
    assert [(p.type_code, p.document_id) for p in on_file if p.on_file] == [("GKS", newest_birth)]
