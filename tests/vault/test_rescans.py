"""Finding a paper scanned again in the catalogue (`Vault.find_scanned_again`): the same owner's usable document
whose stored page prints and text match is found and the look-up is logged; another owner's identical paper, an
unusable one, one the same batch stored, and a paper with other numbers are never named."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.types import Actor, DocumentStatus, Role
from tests.vault.conftest import AGENCY, OTHER_PERSON, PERSON
from vault.errors import Forbidden
from vault.models import AccessLog
from vault.records import NewDocument
from vault.rescans import PRINT_DISTANCE, ScannedPaper
from vault.service import Vault

STATION = Actor("station-1", Role.STATION, agency_code=AGENCY)
ADMIN = Actor("admin-1", Role.ADMIN)
PRINTS = ["c3d1b2a4e5f60718", "0f1e2d3c4b5a6978"]
TEXT = "TỜ KHAI ĐĂNG KÝ KHAI SINH\nHọ, chữ đệm, tên: NGUYỄN VĂN AN\nNgày sinh: 12/03/1990\n" + "Điều 1. " * 40
FIELDS = {"dates": ["1990-03-12"], "personal_ids": []}


def _store(vault: Vault, owner: str = PERSON, key: str | None = None) -> str:
    new = NewDocument(
        owner_id=owner,
        name="Tờ khai đăng ký khai sinh",
        type_code="TKKS",
        page_count=2,
        ocr_text=TEXT,
        extracted_fields=FIELDS,
        page_prints=PRINTS,
    )
    return vault.store_document(new, b"%PDF-1.7 scanned once", STATION, idempotency_key=key).id


def _flip(hex_print: str, bits: int) -> str:
    """The print with its lowest `bits` bits changed (a rougher scan of the same page)."""
    return f"{int(hex_print, 16) ^ ((1 << bits) - 1):016x}"


def _again(bits: int = 4, text: str = TEXT, fields: dict[str, list[str]] = FIELDS) -> ScannedPaper:
    return ScannedPaper([_flip(p, bits) for p in PRINTS], text.replace("Điều", "Đieu", 3), fields)


def test_the_same_owners_paper_is_found_and_the_look_up_logged(vault: Vault) -> None:
    stored = _store(vault)
    match = vault.find_scanned_again(PERSON, _again(), STATION)
    assert match is not None and match.id == stored and match.name == "Tờ khai đăng ký khai sinh"
    assert match.distance == 4 and match.similarity >= 97
    with vault.sessions() as session:
        logged = session.scalars(select(AccessLog).where(AccessLog.action == "match")).all()
    assert [(row.document_id, row.subject) for row in logged] == [(stored, "station-1")]


def test_another_owners_identical_paper_is_never_named(vault: Vault) -> None:
    _store(vault, OTHER_PERSON)
    vault.ensure_owner(PERSON)
    assert vault.find_scanned_again(PERSON, _again(0), STATION) is None


def test_prints_too_far_other_numbers_or_other_text_do_not_match(vault: Vault) -> None:
    _store(vault)
    assert vault.find_scanned_again(PERSON, _again(PRINT_DISTANCE + 1), STATION) is None
    assert vault.find_scanned_again(PERSON, _again(fields={"dates": ["1987-11-05"]}), STATION) is None
    other = TEXT.replace("NGUYỄN VĂN AN", "TRẦN THỊ HOA").replace("12/03/1990", "05/11/1987")
    assert vault.find_scanned_again(PERSON, _again(text=other[:120]), STATION) is None
    one_page = ScannedPaper(PRINTS[:1], TEXT, FIELDS)
    assert vault.find_scanned_again(PERSON, one_page, STATION) is None


def test_an_unusable_paper_or_one_of_the_same_batch_is_not_named(vault: Vault) -> None:
    revoked = _store(vault)
    vault.set_status(revoked, DocumentStatus.REVOKED, "thu hồi", ADMIN)
    assert vault.find_scanned_again(PERSON, _again(), STATION) is None
    _store(vault, key="batch:b1:0")
    assert vault.find_scanned_again(PERSON, _again(), STATION, skip_key="batch:b1:") is None
    assert vault.find_scanned_again(PERSON, _again(), STATION, skip_key="batch:b2:") is not None


def test_only_staff_look(vault: Vault) -> None:
    with pytest.raises(Forbidden):
        vault.find_scanned_again(PERSON, _again(), Actor(PERSON, Role.CITIZEN, owner_id=PERSON))
