"""Identifier rules from SPEC: personal ID, tax code, agency/procedure/dossier codes, redaction."""

from __future__ import annotations

import datetime as dt

import pytest

from core import identifiers as ids


def test_personal_id_accepts_valid_and_names_the_broken_part() -> None:
    assert ids.validate_personal_id("045190001234") == "045190001234"
    assert ids.owner_kind("001302012345") == "person"  # born 2002, female
    with pytest.raises(ids.InvalidIdentifier, match="12 digits"):
        ids.validate_personal_id("04519000123")
    with pytest.raises(ids.InvalidIdentifier, match="province"):
        ids.validate_personal_id("003190001234")
    with pytest.raises(ids.InvalidIdentifier, match="future"):
        ids.validate_personal_id("045299001234", today=dt.date(2026, 11, 22))  # 2099


def test_tax_codes_ten_and_thirteen_digits() -> None:
    assert ids.validate_tax_code("0314409058") == "0314409058"
    assert ids.validate_tax_code("0314409058-002") == "0314409058-002"
    assert ids.owner_kind("0314409058") == "organisation"
    with pytest.raises(ids.InvalidIdentifier):
        ids.validate_tax_code("0314409059")  # wrong check digit


def test_dossier_code_round_trip_and_errors() -> None:
    code = ids.format_dossier_code("000.00.00.H30", dt.date(2026, 11, 22), 7)
    assert code == "000.00.00.H30-261122-0007"
    assert ids.validate_dossier_code(code) == code
    with pytest.raises(ids.InvalidIdentifier):
        ids.validate_dossier_code("000.00.00.H30-261332-0001")
    with pytest.raises(ids.InvalidIdentifier):
        ids.format_dossier_code("000.00.00.H30", dt.date(2026, 1, 1), 10000)
    assert ids.validate_procedure_code("1.011442.000.00.00.H30")
    with pytest.raises(ids.InvalidIdentifier):
        ids.validate_agency_code("h30 lower")


def test_partition_is_keyed_and_redaction_masks_ids() -> None:
    a = ids.owner_partition("045190001234", b"k1")
    assert a != ids.owner_partition("045190001234", b"k2")
    assert "045190001234" not in a
    assert ids.redact("chủ sở hữu 045190001234, hồ sơ 000.00.00.H30-261122-0007") == (
        "chủ sở hữu [ID], hồ sơ 000.00.00.H30-261122-0007"
    )


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("table", [FULL_WIDTH, ARABIC_INDIC], ids=["full-width", "arabic-indic"])
def test_identifiers_take_ascii_digits_only(table: dict[int, str]) -> None:
    """Issue #13 item 5: a look-alike written in another script's digits is refused, never normalised."""
    for check, value in [
        (ids.validate_personal_id, "045190001234"),
        (ids.owner_kind, "045190001234"),
        (ids.validate_owner_id, "045190001234"),
        (ids.validate_tax_code, "0314409058"),
        (ids.owner_kind, "0314409058"),
        (ids.validate_procedure_code, "1.011442.000.00.00.H30"),
        (ids.validate_dossier_code, "000.00.00.H30-261122-0007"),
        (ids.validate_agency_code, "000.00.00.H30"),
    ]:
        assert check(value)  # the ASCII original is fine
        with pytest.raises(ids.InvalidIdentifier, match="ASCII"):
            check(value.translate(table))


@pytest.mark.parametrize("value", ["0314 409 058", "0314.409.058", " 0314409058", "0314409058-0-02", "0" * 5000])
def test_tax_codes_have_one_written_form(value: str) -> None:
    with pytest.raises(ids.InvalidIdentifier):
        ids.validate_tax_code(value)


def test_owner_ids_come_back_canonical() -> None:
    assert ids.validate_owner_id("0314409058002") == "0314409058-002"
    assert ids.validate_owner_id("045190001234") == "045190001234"


def test_a_birth_year_is_in_the_future_by_vietnams_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    # 31/12/2026 18:00 UTC is 01:00 on 01/01/2027 in Vietnam: a child born that night has a 2027 ID already.
    new_year_night = dt.datetime(2027, 1, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    monkeypatch.setattr(ids, "now_vn", lambda: new_year_night)
    assert ids.validate_personal_id("001227000001") == "001227000001"  # province 001, born in 2027
    with pytest.raises(ids.InvalidIdentifier, match="future"):
        ids.validate_personal_id("001228000001")
