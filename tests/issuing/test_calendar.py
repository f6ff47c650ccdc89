"""Working calendar: the Quảng Trị counting rules, holidays and make-up days, the shipped tables, bad tables."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from pathlib import Path

import pytest

from core.timezone import VN_TZ
from issuing.calendar import (
    CalendarError,
    ProcessingTime,
    UnknownProcedure,
    WorkingCalendar,
    default_calendar,
    default_procedures,
    load_calendar,
    load_procedures,
    parse_sessions,
    round_to_minute,
)
from issuing.settings import DATA_DIR, issuing_settings

CALENDAR_FILE = DATA_DIR / "calendar_vn.toml"
HOURS_8 = ProcessingTime(8, "hours")


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=VN_TZ)


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return load_calendar(CALENDAR_FILE)


def test_friday_1650_with_8_working_hours_is_due_tuesday_morning_and_returned_tuesday_afternoon(
    calendar: WorkingCalendar,
) -> None:
    # Fri 6/3/2026 16:50: 10 min on Friday, 450 on Monday 9/3, 20 on Tuesday 10/3 -> deadline 07:50;
    # the appointment is the start of the next session after the deadline: Tuesday 13:30.
    appointment = calendar.appointment(vn(2026, 3, 6, 16, 50), HOURS_8)
    assert appointment.counted_from == vn(2026, 3, 6, 16, 50)
    assert appointment.deadline == vn(2026, 3, 10, 7, 50)
    assert appointment.appointment_at == vn(2026, 3, 10, 13, 30)


def test_received_on_a_public_holiday_counts_from_the_next_working_session(calendar: WorkingCalendar) -> None:
    # Tue 2/9/2025 is National Day; counting starts Wed 3/9 07:30; one working day ends at 17:00.
    appointment = calendar.appointment(vn(2025, 9, 2, 9, 0), ProcessingTime(1, "days"))
    assert appointment.received_at == vn(2025, 9, 2, 9, 0)
    assert appointment.counted_from == vn(2025, 9, 3, 7, 30)
    assert appointment.deadline == vn(2025, 9, 3, 17, 0)
    assert appointment.appointment_at == vn(2025, 9, 4, 7, 30)


def test_the_tet_holiday_week_is_skipped(calendar: WorkingCalendar) -> None:
    # Received Fri 13/2/2026 at 15:00; Tết runs Mon 16 - Fri 20/2; 4 h: 2 h on Friday, 2 h on Mon 23/2.
    appointment = calendar.appointment(vn(2026, 2, 13, 15, 0), ProcessingTime(4, "hours"))
    assert appointment.deadline == vn(2026, 2, 23, 9, 30)
    assert appointment.appointment_at == vn(2026, 2, 23, 13, 30)


def test_a_make_up_saturday_is_counted(calendar: WorkingCalendar) -> None:
    # Sat 26/4/2025 was worked in exchange for Fri 2/5/2025.
    assert calendar.is_working_day(dt.date(2025, 4, 26))
    assert not calendar.is_working_day(dt.date(2025, 5, 2))
    appointment = calendar.appointment(vn(2025, 4, 25, 16, 0), HOURS_8)
    assert appointment.deadline == vn(2025, 4, 26, 16, 30)
    assert appointment.appointment_at == vn(2025, 4, 28, 7, 30)
    # Without the make-up day the same dossier would be due on Monday and returned on Tuesday.
    no_make_up = dataclasses.replace(calendar, workdays={})
    assert no_make_up.appointment(vn(2025, 4, 25, 16, 0), HOURS_8).appointment_at == vn(2025, 4, 29, 7, 30)


@pytest.mark.parametrize(
    ("received", "counted_from"),
    [
        (vn(2026, 3, 9, 6, 45), vn(2026, 3, 9, 7, 30)),  # before opening
        (vn(2026, 3, 9, 12, 5), vn(2026, 3, 9, 13, 30)),  # lunch break
        (vn(2026, 3, 9, 11, 30), vn(2026, 3, 9, 13, 30)),  # the morning session has just ended
        (vn(2026, 3, 9, 19, 0), vn(2026, 3, 10, 7, 30)),  # evening
        (vn(2026, 3, 7, 10, 0), vn(2026, 3, 9, 7, 30)),  # an ordinary Saturday
        (vn(2026, 3, 9, 16, 59, 40), vn(2026, 3, 10, 7, 30)),  # rounds to 17:00, the end of the day
        (vn(2026, 3, 9, 9, 15, 29), vn(2026, 3, 9, 9, 15)),  # rounded to the minute
        (dt.datetime(2026, 3, 9, 2, 0, tzinfo=dt.UTC), vn(2026, 3, 9, 9, 0)),  # UTC in, Vietnam time out
    ],
)
def test_counting_starts_at_the_next_working_moment(
    calendar: WorkingCalendar, received: dt.datetime, counted_from: dt.datetime
) -> None:
    assert calendar.next_working_moment(received) == counted_from


def test_a_deadline_at_the_end_of_a_session_gives_the_next_session(calendar: WorkingCalendar) -> None:
    appointment = calendar.appointment(vn(2026, 3, 9, 7, 30), ProcessingTime(4, "hours"))
    assert appointment.deadline == vn(2026, 3, 9, 11, 30)
    assert appointment.appointment_at == vn(2026, 3, 9, 13, 30)


def test_working_days_count_whole_days_of_sessions(calendar: WorkingCalendar) -> None:
    assert calendar.minutes_per_day == 450
    appointment = calendar.appointment(vn(2026, 3, 9, 9, 0), ProcessingTime(3, "days"))
    assert appointment.deadline == vn(2026, 3, 12, 9, 0)
    assert appointment.appointment_at == vn(2026, 3, 12, 13, 30)
    assert calendar.add_working_minutes(vn(2026, 3, 9, 9, 0), 0) == vn(2026, 3, 9, 9, 0)


def test_other_session_hours_can_be_configured() -> None:
    calendar = load_calendar(CALENDAR_FILE, sessions="07:00-11:00, 13:00-17:00")
    assert calendar.minutes_per_day == 480
    appointment = calendar.appointment(vn(2026, 3, 6, 16, 50), HOURS_8)
    assert appointment.deadline == vn(2026, 3, 9, 16, 50)  # 10 min on Friday, 470 of Monday's 480
    assert appointment.appointment_at == vn(2026, 3, 10, 7, 0)


def test_a_year_outside_the_table_is_refused_or_counted_with_weekends_only() -> None:
    with pytest.raises(CalendarError, match="no holiday table for 2028"):
        load_calendar(CALENDAR_FILE).appointment(vn(2027, 12, 31, 16, 0), HOURS_8)
    relaxed = load_calendar(CALENDAR_FILE, missing_year="weekends_only")
    assert relaxed.appointment(vn(2027, 12, 31, 16, 0), HOURS_8).appointment_at == vn(2028, 1, 4, 7, 30)


def test_the_shipped_table_covers_2025_to_2027_with_the_national_holidays() -> None:
    data = tomllib.loads(CALENDAR_FILE.read_text(encoding="utf-8"))
    assert data["years"] == [2025, 2026, 2027]
    holidays = {entry["date"]: entry for entry in data["holiday"]}
    workdays = {entry["date"]: entry for entry in data["workday"]}
    for year in (2025, 2026, 2027):
        names = " ".join(entry["name"] for day, entry in holidays.items() if day.year == year)
        for holiday in ("Tết Dương lịch", "Tết Nguyên đán", "Giỗ Tổ Hùng Vương", "Ngày Chiến thắng", "Quốc khánh"):
            assert holiday in names, f"{holiday} missing in {year}"
        assert sum("Tết Nguyên đán" in entry["name"] for d, entry in holidays.items() if d.year == year) >= 5
    # A listed holiday is a weekday (a weekend day is off anyway) and a make-up day is a weekend day.
    assert all(day.isoweekday() <= 5 for day in holidays), [d for d in holidays if d.isoweekday() > 5]
    assert all(day.isoweekday() >= 6 for day in workdays)
    assert {entry["status"] for entry in [*holidays.values(), *workdays.values()]} <= {"law", "decision", "estimated"}
    assert all("source" in entry for entry in [*holidays.values(), *workdays.values()] if entry["status"] == "decision")


def _calendar_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "calendar.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('sessions = [["07:30", "11:30"], ["11:00", "17:00"]]', "must not overlap"),
        ('sessions = [["07:30", "07:00"]]', "ends before it starts"),
        ('sessions = [["7h30", "11:30"]]', "bad session time"),
        ("sessions = []", "no working session"),
        ('sessions = [["07:30", "11:30"]]\n[[holiday]]\ndate = 2025-01-01\nstatus = "maybe"', "status must be"),
        ('sessions = [["07:30", "11:30"]]\n[[holiday]]\nname = "x"\nstatus = "law"', "needs a date"),
        ('sessions = [["07:30", "11:30"]]\nweekend = [0]', "ISO weekdays"),
        ("sessions = [[", "cannot read the calendar file"),
    ],
)
def test_a_malformed_calendar_is_refused_with_the_reason(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        load_calendar(_calendar_file(tmp_path, body))


def test_the_procedure_table_gives_days_or_hours(tmp_path: Path) -> None:
    table = load_procedures(DATA_DIR / "procedures.toml")
    assert table.get("1.011442.000.00.00.H30").processing_time == ProcessingTime(3, "days")
    assert table.get("1.000001.000.00.00.H30").processing_time == ProcessingTime(8, "hours")
    assert ProcessingTime(3, "days").label_vi() == "3 ngày làm việc"
    assert ProcessingTime(0.5, "days").label_vi() == "0,5 ngày làm việc"
    with pytest.raises(UnknownProcedure, match="not in the procedure table"):
        table.get("1.999999.000.00.00.H30")
    bad = tmp_path / "procedures.toml"
    bad.write_text('[[procedure]]\ncode = "1.011442.000.00.00.H30"\ndays = 3\nhours = 4\n', encoding="utf-8")
    with pytest.raises(CalendarError, match="either days or hours"):
        load_procedures(bad)
    bad.write_text('[[procedure]]\ncode = "H30"\ndays = 3\n', encoding="utf-8")
    with pytest.raises(CalendarError, match=r"procedure\[0\]"):
        load_procedures(bad)


def test_helpers() -> None:
    assert round_to_minute(vn(2026, 3, 9, 9, 15, 30)) == vn(2026, 3, 9, 9, 16)
    assert parse_sessions([["07:30", "11:30"]])[0].minutes == 240


def test_the_tables_are_parsed_once_and_read_again_when_edited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every dossier read shows its clock: the tables are parsed once per version of their files, not per read."""
    procedures = tmp_path / "procedures.toml"
    procedures.write_text('[[procedure]]\ncode = "1.011442.000.00.00.H30"\ndays = 3\n', encoding="utf-8")
    monkeypatch.setenv("SOHOA_PAPERWORK_PROCEDURES_FILE", str(procedures))
    monkeypatch.setenv("SOHOA_PAPERWORK_CALENDAR_FILE", str(CALENDAR_FILE))
    issuing_settings.cache_clear()
    try:
        first = default_procedures()
        assert default_procedures() is first  # not parsed again
        assert default_calendar() is default_calendar()
        procedures.write_text('[[procedure]]\ncode = "1.011442.000.00.00.H30"\ndays = 15\n', encoding="utf-8")
        edited = default_procedures().get("1.011442.000.00.00.H30").processing_time
        assert edited == ProcessingTime(15, "days")  # an edited table is read without a restart
        procedures.unlink()
        with pytest.raises(CalendarError, match="cannot read the procedure table"):
            default_procedures()
    finally:
        monkeypatch.delenv("SOHOA_PAPERWORK_PROCEDURES_FILE")
        issuing_settings.cache_clear()
