"""Working calendar of the one-stop counters: sessions, holidays, make-up days, and counting working time.

Follows Quảng Trị Decision 29/2020/QĐ-UBND: time counts only within working hours, to the minute; a dossier
received outside them counts from the next session; the appointment is the start of the session after the
deadline. All times are Vietnam time (`core.timezone`); naive datetimes are taken as UTC, as in core.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from core.identifiers import InvalidIdentifier, validate_procedure_code
from core.timezone import VN_TZ, to_vn
from issuing.settings import issuing_settings

MAX_DAYS_SEARCHED = 3 * 366  # no working session within this many days: the calendar is wrong


class CalendarError(ValueError):
    """The calendar or procedure table is malformed, or a date lies outside the years the calendar covers."""


@dataclass(frozen=True)
class Session:
    start: dt.time
    end: dt.time

    @property
    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


@dataclass(frozen=True)
class ProcessingTime:
    """A procedure's processing time: `amount` working days or working hours."""

    amount: float
    unit: Literal["days", "hours"]

    def minutes(self, minutes_per_day: int) -> int:
        if self.unit == "days":
            return round(self.amount * minutes_per_day)
        return round(self.amount * 60)

    def label_vi(self) -> str:
        amount = f"{self.amount:g}".replace(".", ",")
        return f"{amount} ngày làm việc" if self.unit == "days" else f"{amount} giờ làm việc"


@dataclass(frozen=True)
class Appointment:
    """Receipt times: when the dossier was received, when counting started, the deadline, the appointment."""

    received_at: dt.datetime
    counted_from: dt.datetime
    deadline: dt.datetime
    appointment_at: dt.datetime
    processing_time: ProcessingTime


@dataclass(frozen=True)
class WorkingCalendar:
    """Sessions of every working day, weekly rest days (ISO 1-7), holidays and make-up working days."""

    sessions: tuple[Session, ...]
    weekend: frozenset[int] = frozenset({6, 7})
    holidays: Mapping[dt.date, str] = field(default_factory=dict)
    workdays: Mapping[dt.date, str] = field(default_factory=dict)
    years: frozenset[int] = frozenset()  # years whose holidays are listed; empty: no check
    missing_year: Literal["error", "weekends_only"] = "error"
    # Each day's sessions once worked out (a few hundred days a year at most; the calendar is immutable).
    _days: dict[dt.date, tuple[tuple[dt.datetime, dt.datetime], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.sessions:
            raise CalendarError("the calendar has no working session")
        previous_end: dt.time | None = None
        for session in self.sessions:
            if session.minutes <= 0:
                raise CalendarError(f"session {session.start:%H:%M}-{session.end:%H:%M} ends before it starts")
            if previous_end is not None and session.start < previous_end:
                raise CalendarError("sessions must be in order and must not overlap")
            previous_end = session.end
        both = set(self.holidays) & set(self.workdays)
        if both:
            raise CalendarError(f"dates both holiday and make-up working day: {sorted(both)}")

    @property
    def minutes_per_day(self) -> int:
        return sum(session.minutes for session in self.sessions)

    def _check_year(self, day: dt.date) -> None:
        if self.years and day.year not in self.years and self.missing_year == "error":
            raise CalendarError(
                f"the working calendar has no holiday table for {day.year}; add that year to the calendar file"
            )

    def is_working_day(self, day: dt.date) -> bool:
        self._check_year(day)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.isoweekday() not in self.weekend

    def day_sessions(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        """The working sessions of one day as Vietnam-time datetimes (none on a day off); worked out once per day
        (a dossier read shows its clock, which walks the days from its receipt)."""
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._work_out_sessions(day)
        return known

    def _work_out_sessions(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        if not self.is_working_day(day):
            return ()
        return tuple(
            (dt.datetime.combine(day, s.start, VN_TZ), dt.datetime.combine(day, s.end, VN_TZ)) for s in self.sessions
        )

    def _sessions_from(self, moment: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Sessions that end after `moment`, in order."""
        day = moment.date()
        for _ in range(MAX_DAYS_SEARCHED):
            for start, end in self.day_sessions(day):
                if end > moment:
                    yield start, end
            day += dt.timedelta(days=1)
        raise CalendarError(f"no working session within {MAX_DAYS_SEARCHED} days: check the calendar")

    def next_working_moment(self, moment: dt.datetime) -> dt.datetime:
        """`moment` (Vietnam time, rounded to the minute) if in a session, else the next session's start."""
        moment = round_to_minute(to_vn(moment))
        start, _end = next(self._sessions_from(moment))
        return max(start, moment)

    def next_session_start(self, moment: dt.datetime) -> dt.datetime:
        """The start of the first session that begins strictly after `moment`."""
        moment = to_vn(moment)
        day = moment.date()
        for _ in range(MAX_DAYS_SEARCHED):
            for start, _end in self.day_sessions(day):
                if start > moment:
                    return start
            day += dt.timedelta(days=1)
        raise CalendarError(f"no working session within {MAX_DAYS_SEARCHED} days: check the calendar")

    def add_working_minutes(self, moment: dt.datetime, minutes: int) -> dt.datetime:
        """The moment when `minutes` working minutes have passed from `moment` (counted from the next working
        moment). Time used up exactly at a session's end gives that end, not the next session's start."""
        if minutes < 0:
            raise ValueError("working minutes must not be negative")
        current = self.next_working_moment(moment)
        remaining = dt.timedelta(minutes=minutes)
        for start, end in self._sessions_from(current):
            begin = max(start, current)
            if begin + remaining <= end:
                return begin + remaining
            remaining -= end - begin
        raise AssertionError("unreachable: _sessions_from never ends normally")  # pragma: no cover

    def add_working_time(self, moment: dt.datetime, time: ProcessingTime) -> dt.datetime:
        return self.add_working_minutes(moment, time.minutes(self.minutes_per_day))

    def appointment(self, received_at: dt.datetime, time: ProcessingTime) -> Appointment:
        """Receipt times for a dossier received at `received_at` with the procedure's processing time."""
        received_vn = to_vn(received_at)
        counted_from = self.next_working_moment(received_vn)
        deadline = self.add_working_time(counted_from, time)
        return Appointment(
            received_at=received_vn,
            counted_from=counted_from,
            deadline=deadline,
            appointment_at=self.next_session_start(deadline),
            processing_time=time,
        )


def round_to_minute(moment: dt.datetime) -> dt.datetime:
    """Round to the nearest minute (30 s and more round up), as the one-stop system counts time."""
    floored = moment.replace(second=0, microsecond=0)
    if moment - floored >= dt.timedelta(seconds=30):
        return floored + dt.timedelta(minutes=1)
    return floored


def parse_sessions(text: str | Sequence[Sequence[str]]) -> tuple[Session, ...]:
    """'07:30-11:30,13:30-17:00' or [["07:30", "11:30"], ...] -> sessions."""
    pairs: list[Sequence[str]]
    if isinstance(text, str):
        pairs = [part.split("-") for part in text.replace(" ", "").split(",") if part]
    else:
        pairs = list(text)
    sessions = []
    for pair in pairs:
        if len(pair) != 2:
            raise CalendarError(f"a session is start-end like 07:30-11:30, not {'-'.join(pair)!r}")
        try:
            start, end = (dt.time.fromisoformat(value) for value in pair)
        except ValueError as exc:
            raise CalendarError(f"bad session time in {'-'.join(pair)!r}: {exc}") from exc
        sessions.append(Session(start, end))
    return tuple(sessions)


def _dates(entries: object, table: str, path: Path) -> dict[dt.date, str]:
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise CalendarError(f"{path}: [[{table}]] must be a list of tables")
    out: dict[dt.date, str] = {}
    for index, entry in enumerate(entries):
        day = entry.get("date") if isinstance(entry, dict) else None
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise CalendarError(f"{path}: {table}[{index}] needs a date like 2025-01-01")
        if entry.get("status") not in ("law", "decision", "estimated"):
            raise CalendarError(f"{path}: {table}[{index}] status must be law, decision or estimated")
        if day in out:
            raise CalendarError(f"{path}: {table} {day} is listed twice")
        out[day] = str(entry.get("name", ""))
    return out


def load_calendar(
    path: Path, *, sessions: str | None = None, missing_year: Literal["error", "weekends_only"] = "error"
) -> WorkingCalendar:
    """Read a calendar TOML file (see `issuing/data/calendar_vn.toml`); `sessions` overrides its sessions."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CalendarError(f"cannot read the calendar file {path}: {exc}") from exc
    weekend = data.get("weekend", [6, 7])
    if not all(isinstance(day, int) and 1 <= day <= 7 for day in weekend):
        raise CalendarError(f"{path}: weekend lists ISO weekdays 1 (Monday) to 7 (Sunday)")
    return WorkingCalendar(
        sessions=parse_sessions(sessions if sessions is not None else data.get("sessions", [])),
        weekend=frozenset(weekend),
        holidays=_dates(data.get("holiday"), "holiday", path),
        workdays=_dates(data.get("workday"), "workday", path),
        years=frozenset(int(year) for year in data.get("years", [])),
        missing_year=missing_year,
    )


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    processing_time: ProcessingTime


class UnknownProcedure(KeyError):
    """The procedure code is not in the procedure table."""


@dataclass(frozen=True)
class ProcedureTable:
    procedures: Mapping[str, Procedure]

    def get(self, code: str) -> Procedure:
        try:
            return self.procedures[code]
        except KeyError:
            raise UnknownProcedure(f"procedure {code} is not in the procedure table") from None


def procedure_entries(path: Path, what: str, error: type[ValueError]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The `[[procedure]]` entries of a TOML file as (where, code, entry): each code checked and listed once,
    otherwise `error` naming the file and the entry (the procedure table and the procedure papers share this)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise error(f"cannot read the {what} {path}: {exc}") from exc
    seen: set[str] = set()
    for index, entry in enumerate(data.get("procedure", [])):
        where = f"{path}: procedure[{index}]"
        try:
            code = validate_procedure_code(str(entry.get("code", "")))
        except InvalidIdentifier as exc:
            raise error(f"{where}: {exc}") from exc
        if code in seen:
            raise error(f"{where}: procedure {code} is listed twice")
        seen.add(code)
        yield where, code, entry


def load_procedures(path: Path) -> ProcedureTable:
    """Read a procedure table TOML file (see `issuing/data/procedures.toml`)."""
    procedures: dict[str, Procedure] = {}
    for where, code, entry in procedure_entries(path, "procedure table", CalendarError):
        has_days, has_hours = "days" in entry, "hours" in entry
        if has_days == has_hours:
            raise CalendarError(f"{where}: give either days or hours")
        amount = entry["days"] if has_days else entry["hours"]
        if not isinstance(amount, int | float) or isinstance(amount, bool) or amount < 0:
            raise CalendarError(f"{where}: the processing time must be a number of at least 0")
        unit: Literal["days", "hours"] = "days" if has_days else "hours"
        procedures[code] = Procedure(code, str(entry.get("name", "")), ProcessingTime(float(amount), unit))
    return ProcedureTable(procedures)


def default_calendar() -> WorkingCalendar:
    """The calendar named by the settings (the shipped Vietnam table by default); parsed once per version of
    the file (every dossier read shows its clock, and parsing the table cost ≈5 ms a read)."""
    settings = issuing_settings()
    path = settings.calendar_file
    return _parsed_calendar(path, file_version(path), settings.sessions, settings.missing_year)


def default_procedures() -> ProcedureTable:
    """The procedure table named by the settings, parsed once per version of the file."""
    path = issuing_settings().procedures_file
    return _parsed_procedures(path, file_version(path))


def file_version(path: Path) -> tuple[int, int] | None:
    """The file's modification time and size: an edited table is read again without a restart."""
    try:
        stat = path.stat()
    except OSError:
        return None  # not cached: loading raises the clear CalendarError
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=8)
def _parsed_calendar(
    path: Path, _version: tuple[int, int] | None, sessions: str | None, missing_year: Literal["error", "weekends_only"]
) -> WorkingCalendar:
    return load_calendar(path, sessions=sessions, missing_year=missing_year)


@functools.lru_cache(maxsize=8)
def _parsed_procedures(path: Path, _version: tuple[int, int] | None) -> ProcedureTable:
    return load_procedures(path)
