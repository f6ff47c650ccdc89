"""Issue #13 items 6, 7 and 9 at the vault door, on SQLite and PostgreSQL: supplied dossier codes must carry the
receiving agency and no future date; a refused opening changes nothing (the owner's first name stays); automatic
codes skip numbers that supplied codes took, also when concurrent.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from sqlalchemy import select

from core.timezone import VN_TZ
from core.types import Actor, Role
from tests.support.concurrency import run_concurrently
from tests.vault.conftest import AGENCY, OTHER_AGENCY, OTHER_PERSON, PERSON, PROCEDURE
from vault.errors import Conflict, Forbidden, InvalidInput
from vault.models import Dossier, Owner
from vault.service import Vault

STATION = Actor("station-1", Role.STATION, agency_code=AGENCY)
HANDLER = Actor("handler-1", Role.HANDLER, agency_code=AGENCY, purpose="giải quyết hồ sơ")


def today() -> dt.date:
    return dt.datetime.now(VN_TZ).date()


def code_of(day: dt.date, sequence: int, agency: str = AGENCY) -> str:
    return f"{agency}-{day:%y%m%d}-{sequence:04d}"


def dossier_count(vault: Vault) -> int:
    with vault.sessions() as session:
        return len(session.scalars(select(Dossier)).all())


def display_name(vault: Vault, owner_id: str) -> str | None:
    with vault.sessions() as session:
        return session.execute(select(Owner.display_name).where(Owner.owner_id == owner_id)).scalar_one_or_none()


@pytest.mark.parametrize(
    "code",
    [
        code_of(today(), 7, OTHER_AGENCY),  # another agency's prefix
        code_of(today() + dt.timedelta(days=1), 7),  # tomorrow in Vietnam time
        code_of(today() + dt.timedelta(days=400), 7),
    ],
)
def test_a_station_cannot_take_another_agencys_or_a_future_code(vault: Vault, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION, code=code, owner_name="Nguyễn Văn A")
    assert refused.value.field == "dossier_code"
    with pytest.raises(InvalidInput):
        vault.create_dossier(AGENCY, PROCEDURE, PERSON, code=code)
    assert dossier_count(vault) == 0
    assert display_name(vault, PERSON) is None  # nothing stored, not even the owner


def test_todays_and_past_codes_of_the_agency_are_taken(vault: Vault) -> None:
    assert vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION, code=code_of(today(), 3)).code == code_of(today(), 3)
    past = code_of(today() - dt.timedelta(days=30), 12)
    assert vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION, code=past).code == past


def test_a_refused_batch_does_not_rename_the_owner(vault: Vault) -> None:
    code = code_of(today(), 1)
    vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION, code=code, owner_name="Nguyễn Văn A")
    with pytest.raises(Conflict) as refused:  # the same code for another owner: 409
        vault.open_dossier(AGENCY, PROCEDURE, OTHER_PERSON, STATION, code=code, owner_name="Kẻ Mạo Danh")
    assert refused.value.field == "dossier_code"
    assert display_name(vault, PERSON) == "Nguyễn Văn A"
    assert display_name(vault, OTHER_PERSON) is None


def test_a_later_batch_keeps_the_first_name_unless_renamed_explicitly(vault: Vault) -> None:
    code = code_of(today(), 1)
    vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION, code=code)
    vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION, code=code, owner_name="Nguyễn Văn A")
    assert display_name(vault, PERSON) == "Nguyễn Văn A"  # a missing name is filled in
    vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION, code=code, owner_name="Nguyễn Văn Ă")  # a typo
    vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION, owner_name="Nguyễn Văn Ă")  # a new dossier too
    assert display_name(vault, PERSON) == "Nguyễn Văn A"
    with pytest.raises(Forbidden):
        vault.rename_owner(PERSON, "Nguyễn Văn B", STATION)
    with pytest.raises(InvalidInput):
        vault.rename_owner(PERSON, "  ", HANDLER)
    assert vault.rename_owner(PERSON, "Nguyễn Văn B", HANDLER).display_name == "Nguyễn Văn B"
    assert display_name(vault, PERSON) == "Nguyễn Văn B"


def test_automatic_codes_skip_numbers_taken_by_supplied_codes(vault: Vault) -> None:
    first = vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION)
    assert first.code == code_of(today(), 1)
    vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION, code=code_of(today(), 2))  # a cover sheet took N+1
    vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION, code=code_of(today(), 5))
    automatic = [vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION).code for _ in range(3)]
    assert automatic == [code_of(today(), n) for n in (6, 7, 8)]
    vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION, code=code_of(today(), 9))
    assert vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION).code == code_of(today(), 10)


def test_concurrent_automatic_and_supplied_openings_get_distinct_codes(vault: Vault) -> None:
    vault.ensure_owner(PERSON)
    vault.ensure_owner(OTHER_PERSON)
    codes: list[str] = []

    def opener(thread: int) -> None:
        for round_ in range(6):
            if thread == 0:  # a cover-sheet station supplying the next numbers ahead of the counter
                supplied = code_of(today(), 2 * round_ + 1)
                with contextlib.suppress(Conflict):  # the counter got there first, for another owner
                    codes.append(vault.open_dossier(AGENCY, PROCEDURE, OTHER_PERSON, STATION, code=supplied).code)
            else:
                codes.append(vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION).code)

    run_concurrently(3, opener)
    assert len(set(codes)) == len(codes) >= 12
    assert dossier_count(vault) == len(codes)
