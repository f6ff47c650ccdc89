"""Reports over the catalogue (SQLite and PostgreSQL): granted papers, an owner's access log, and the
digitisation, electronic-results and reuse indicators with their 80% scoring.
"""

from __future__ import annotations

import datetime as dt

from core.types import Actor, DocumentKind, Role
from tests.vault.conftest import AGENCY, OTHER_AGENCY, OTHER_PERSON, PERSON, PROCEDURE
from vault.access import PORTAL
from vault.records import NewDocument
from vault.service import Vault

STATION = Actor("station-1", Role.STATION, agency_code=AGENCY)
CITIZEN = Actor("citizen-1", Role.CITIZEN, owner_id=PERSON)
ADMIN = Actor("admin-1", Role.ADMIN)


def portal(purpose: str) -> Actor:
    return Actor("portal", Role.PORTAL, purpose=purpose)


PDF = b"%PDF-1.7 report test\n%%EOF\n"


def _doc(vault: Vault, owner: str, code: str | None, kind: DocumentKind = DocumentKind.COMPONENT, **kw: object) -> str:
    new = NewDocument(owner_id=owner, name="Giấy", kind=kind, source_dossier_code=code, **kw)  # type: ignore[arg-type]
    return vault.store_document(new, PDF, STATION).id


def test_granted_documents_follow_active_grants_for_the_purpose(vault: Vault) -> None:
    birth = _doc(vault, PERSON, None, type_code="GKS")
    other = _doc(vault, PERSON, None, type_code="CCCD")
    _doc(vault, OTHER_PERSON, None, type_code="GKS")
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    vault.create_grant(PERSON, PORTAL, "liên thông", until, CITIZEN, type_code="GKS")
    assert [d.id for d in vault.granted_documents(PERSON, portal("liên thông"))] == [birth]
    assert vault.granted_documents(PERSON, portal("quảng cáo")) == []
    assert vault.granted_documents(PERSON, CITIZEN) == []  # a grant names a grantee; the owner is none
    grant = vault.create_grant(PERSON, PORTAL, "liên thông", until, CITIZEN, document_id=other)
    vault.revoke_grant(grant.id, CITIZEN)
    assert [d.id for d in vault.granted_documents(PERSON, portal("liên thông"))] == [birth]


def test_owner_access_log_lists_who_touched_my_papers(vault: Vault) -> None:
    doc = _doc(vault, PERSON, None)
    _doc(vault, OTHER_PERSON, None)
    vault.get_document(doc, CITIZEN)
    entries = vault.owner_access_log(PERSON, CITIZEN)
    assert [(e.action, e.subject) for e in entries] == [("view", "citizen-1"), ("store", "station-1")]


def test_indicators_count_digitised_electronic_results_and_reuse(vault: Vault) -> None:
    codes = [vault.create_dossier(AGENCY, PROCEDURE, PERSON).code for _ in range(4)]
    vault.create_dossier(OTHER_AGENCY, PROCEDURE, PERSON)
    first = _doc(vault, PERSON, codes[0])
    _doc(vault, PERSON, codes[0], DocumentKind.RESULT)  # dossier 0: digitised + electronic result
    _doc(vault, PERSON, codes[1], DocumentKind.RESULT)  # dossier 1: result only
    vault.attach(codes[2], first, "Giấy cũ", CITIZEN)  # dossier 2: reuse
    stats = vault.digitisation_stats(ADMIN, AGENCY, None, None)
    everything = vault.digitisation_stats(ADMIN, None, None, None)
    none = vault.digitisation_stats(ADMIN, AGENCY, dt.date(2000, 1, 1), dt.date(2000, 1, 2))
    assert stats.dossiers_received == 4 and everything.dossiers_received == 5
    assert (stats.digitisation.numerator, stats.digitisation.denominator) == (1, 4)
    assert stats.electronic_results.numerator == 2 and stats.electronic_results.rate == 0.5
    assert stats.electronic_results.score == round(0.5 * stats.max_score / 0.8, 2)
    assert stats.reuse.numerator == 1
    assert none.dossiers_received == 0 and none.reuse.rate == 0.0
