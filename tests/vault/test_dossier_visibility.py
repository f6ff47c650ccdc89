"""Who may see and open a dossier, one rule for every door method (SQLite and PostgreSQL): its agency's stations
and handlers, its owner and admins see it; nobody else learns it exists. Its public state needs no actor.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.types import Actor, DocumentKind, DocumentStatus, Role
from tests.vault.conftest import AGENCY, OTHER_AGENCY, OTHER_PERSON, PERSON, PROCEDURE
from vault.errors import Forbidden, NotFound
from vault.records import NewDocument
from vault.service import Vault

STATION = Actor("station-1", Role.STATION, agency_code=AGENCY)
HANDLER = Actor("handler-1", Role.HANDLER, agency_code=AGENCY, purpose="giải quyết hồ sơ")
SEEING = {
    "station": STATION,
    "handler": HANDLER,
    "owner": Actor("citizen-1", Role.CITIZEN, owner_id=PERSON),
    "admin": Actor("admin-1", Role.ADMIN),
}
BLIND = {
    "other agency's handler": Actor("handler-9", Role.HANDLER, agency_code=OTHER_AGENCY, purpose="giải quyết hồ sơ"),
    "other agency's station": Actor("station-9", Role.STATION, agency_code=OTHER_AGENCY),
    "another citizen": Actor("citizen-2", Role.CITIZEN, owner_id=OTHER_PERSON),
    "a citizen without owner": Actor("citizen-3", Role.CITIZEN),
    "the portal": Actor("portal", Role.PORTAL, purpose="liên thông"),
    "a handler without agency": Actor("handler-0", Role.HANDLER, purpose="giải quyết hồ sơ"),
}
PDF = b"%PDF-1.7 visibility\n%%EOF\n"


def test_the_same_rule_answers_every_dossier_read(vault: Vault) -> None:
    code = vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION).code
    for name, actor in SEEING.items():
        assert vault.get_dossier(code, actor).code == code, name
        assert vault.dossier_documents(code, actor) == [], name
        assert vault.dossier_and_documents(code, actor)[0].code == code, name
    for actor in BLIND.values():
        for read in (vault.get_dossier, vault.dossier_documents, vault.dossier_and_documents):
            with pytest.raises(NotFound):
                read(code, actor)
            with pytest.raises(NotFound):  # a missing dossier answers the same: no existence oracle
                read(f"{AGENCY}-200101-9999", actor)


def test_only_the_agencys_staff_and_admins_open_its_dossiers(vault: Vault) -> None:
    code = vault.open_dossier(AGENCY, PROCEDURE, PERSON, HANDLER).code
    assert vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION, code=code).code == code  # the same one again
    for actor in (BLIND["other agency's station"], SEEING["owner"], BLIND["the portal"]):
        with pytest.raises(Forbidden):
            vault.open_dossier(AGENCY, PROCEDURE, PERSON, actor)


def test_the_public_state_says_completed_once_a_valid_result_is_stored(vault: Vault) -> None:
    opened = vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION)
    code = opened.code
    assert vault.dossier_state(code).model_dump() == {  # nothing of its owner: what its appointment counts from
        "code": code,
        "status": "received",
        "completed": False,
        "procedure_code": PROCEDURE,
        "received_at": opened.received_at,
        "due_at": None,
        "due_set_by": None,
    }
    new = NewDocument(owner_id=PERSON, name="Kết quả", kind=DocumentKind.RESULT, source_dossier_code=code)
    result = vault.store_document(new, PDF, HANDLER)
    assert vault.dossier_state(code).completed
    vault.set_status(result.id, DocumentStatus.CANCELLED, "nhầm", HANDLER)
    assert not vault.dossier_state(code).completed
    with pytest.raises(NotFound):
        vault.dossier_state(f"{AGENCY}-200101-9999")


def _views(vault: Vault, doc_id: str) -> int:
    entries = vault.owner_access_log(PERSON, SEEING["admin"], limit=1000)
    return sum(1 for entry in entries if entry.action == "view" and entry.document_id == doc_id)


def test_one_dossier_read_gives_what_the_separate_reads_give_and_logs_each_document(vault: Vault) -> None:
    code = vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION).code
    paper = vault.store_document(NewDocument(owner_id=PERSON, name="Giấy", source_dossier_code=code), PDF, STATION)
    new = NewDocument(owner_id=PERSON, name="Kết quả", kind=DocumentKind.RESULT, source_dossier_code=code)
    result = vault.store_document(new, PDF + b"r", HANDLER)
    # stored from the dossier: linked to it already
    for completed in (True, False):
        before = [_views(vault, paper.id), _views(vault, result.id)]
        read = vault.read_dossier(code, HANDLER)
        assert [_views(vault, paper.id), _views(vault, result.id)] == [before[0] + 1, before[1] + 1]
        assert read.dossier == vault.get_dossier(code, HANDLER)
        assert read.documents == vault.dossier_and_documents(code, HANDLER)[1]
        assert read.events == vault.dossier_history(code, HANDLER)[1] != []
        assert read.completed is vault.dossier_state(code).completed is completed
        assert [item.document.id for item in read.documents] == [paper.id, result.id]
        vault.set_status(result.id, DocumentStatus.CANCELLED, "nhầm", HANDLER)
    for actor in BLIND.values():
        with pytest.raises(NotFound):
            vault.read_dossier(code, actor)


def test_only_the_holding_agencys_staff_and_admins_add_versions(vault: Vault) -> None:
    code = vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION).code
    new = NewDocument(owner_id=PERSON, name="Giấy khai sinh", source_dossier_code=code)
    doc = vault.store_document(new, PDF, STATION)
    # A grant lets another agency read the paper for its purpose, never rewrite it.
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    vault.create_grant(PERSON, OTHER_AGENCY, "giải quyết hồ sơ", until, SEEING["owner"], document_id=doc.id)
    assert vault.get_document(doc.id, BLIND["other agency's handler"]).id == doc.id  # it may read it
    for actor in (*BLIND.values(), SEEING["owner"]):
        with pytest.raises((NotFound, Forbidden)):
            vault.new_version(doc.id, PDF + b"v2", actor)
        with pytest.raises(NotFound):
            vault.document_to_version(doc.id, actor)
    assert vault.document_to_version(doc.id, STATION).id == doc.id
    assert vault.new_version(doc.id, PDF + b"v2", STATION).current_version == 2
    # The same bytes again (a retried pipeline step) add no version.
    assert vault.new_version(doc.id, PDF + b"v2", STATION).current_version == 2
    assert vault.new_version(doc.id, PDF + b"v3", SEEING["admin"]).current_version == 3
    assert [v.number for v in vault.document_versions(doc.id, SEEING["owner"])] == [1, 2, 3]
