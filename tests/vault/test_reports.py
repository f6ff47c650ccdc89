"""Reports over the catalogue (SQLite and PostgreSQL): granted papers, an owner's access log, and the
digitisation, electronic-results and reuse indicators with their 80% scoring.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from core.types import Actor, DocumentKind, Role
from tests.vault.conftest import AGENCY, OTHER_AGENCY, OTHER_PERSON, PERSON, PROCEDURE
from vault.access import PORTAL
from vault.errors import Forbidden
from vault.indicators import level_of, unit_at
from vault.models import Dossier
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
    why = {n.reason: n.dossiers for n in stats.digitisation.not_counted}
    assert why == {"no_component": 2, "no_result": 2}  # 1: result only; 2: reuse of a component, no result; 3: empty
    assert stats.digitisation.definition.startswith("Số hồ sơ có thành phần hồ sơ được số hóa")


def _set_state(vault: Vault, code: str, state: str) -> None:
    with vault.sessions.begin() as session:
        session.execute(update(Dossier).where(Dossier.code == code).values(status=state))


def test_a_failed_batch_or_a_refusal_explains_why_a_dossier_does_not_count(vault: Vault) -> None:
    codes = [vault.create_dossier(AGENCY, PROCEDURE, PERSON).code for _ in range(4)]
    for code in codes:  # every dossier has a scanned component and an electronic result
        _doc(vault, PERSON, code)
        _doc(vault, PERSON, code, DocumentKind.RESULT)
    assert vault.digitisation_stats(ADMIN, AGENCY, None, None).digitisation.numerator == 4
    _set_state(vault, codes[3], "withdrawn")
    stats = vault.digitisation_stats(ADMIN, AGENCY, None, None, failed_codes=frozenset({codes[0]}))
    # a stored result moved each dossier to result_ready (docs/results.md)
    assert stats.dossiers_received == 4 and stats.by_state == {"result_ready": 3, "withdrawn": 1}
    assert (stats.digitisation.numerator, stats.digitisation.denominator) == (2, 3)
    why = {n.reason: n.dossiers for n in stats.digitisation.not_counted}
    assert why == {"batch_failed": 1, "no_result_due": 1}
    assert (stats.electronic_results.numerator, stats.electronic_results.denominator) == (3, 3)
    assert stats.reuse.denominator == 4  # reuse counts every dossier received


def test_rollup_by_the_agency_code_levels(vault: Vault) -> None:
    units = {"000.05.12.H30": 2, "000.06.12.H30": 1, "000.00.13.H30": 1, "000.00.00.H38": 1}
    for agency, count in units.items():
        for _ in range(count):
            vault.create_dossier(agency, PROCEDURE, PERSON)
    province = vault.indicator_rollup(ADMIN, "province", None, None, None)
    assert [(s.agency_code, s.dossiers_received) for s in province] == [("000.00.00.H30", 4), ("000.00.00.H38", 1)]
    district = vault.indicator_rollup(ADMIN, "district", "000.00.00.H30", None, None)
    assert [(s.agency_code, s.dossiers_received) for s in district] == [("000.00.12.H30", 3), ("000.00.13.H30", 1)]
    communes = vault.indicator_rollup(ADMIN, "commune", "000.00.12.H30", None, None)
    assert [(s.agency_code, s.dossiers_received, s.level) for s in communes] == [
        ("000.05.12.H30", 2, "commune"),
        ("000.06.12.H30", 1, "commune"),
    ]
    handler = Actor("cb", Role.HANDLER, agency_code="000.00.12.H30")
    assert [s.agency_code for s in vault.indicator_rollup(handler, "commune", None, None, None)] == [
        "000.05.12.H30",
        "000.06.12.H30",
    ]
    with pytest.raises(Forbidden):
        vault.indicator_rollup(handler, "district", "000.00.00.H30", None, None)


def test_unit_codes_per_level() -> None:
    assert unit_at("000.05.12.H30", "province") == "000.00.00.H30"
    assert unit_at("000.05.12.H30", "district") == "000.00.12.H30"
    assert unit_at("001.05.12.H30", "commune") == "000.05.12.H30"
    assert unit_at("G01", "province") == "G01"
    assert [level_of(c) for c in ("000.00.00.H30", "000.00.12.H30", "000.05.12.H30", "001.05.12.H30")] == [1, 2, 3, 4]


def test_a_result_reused_in_another_dossier_is_not_that_dossiers_result(vault: Vault) -> None:
    """Another agency's birth certificate, reused at this counter by the citizen's consent, is a paper handed in:
    the new dossier is received (not "result ready", publicly or on its page) and has no electronic result."""
    issued_at, received_at = (vault.create_dossier(a, PROCEDURE, PERSON).code for a in (OTHER_AGENCY, AGENCY))
    new = NewDocument(owner_id=PERSON, name="Giấy khai sinh", kind=DocumentKind.RESULT, source_dossier_code=issued_at)
    birth = vault.store_document(new, PDF, Actor("station-2", Role.STATION, agency_code=OTHER_AGENCY)).id
    vault.attach(received_at, birth, "Giấy khai sinh", CITIZEN)
    assert vault.dossier_state(issued_at).completed and not vault.dossier_state(received_at).completed
    assert vault.dossier_state(received_at).status == "received"
    assert not vault.read_dossier(received_at, ADMIN).completed
    stats = vault.digitisation_stats(ADMIN, AGENCY, None, None)
    assert (stats.electronic_results.numerator, stats.reuse.numerator) == (0, 1)
