"""How dates and percentages read on the pages: day/month/year in Vietnam time, decimal comma in Vietnamese.
The Jinja filters `vn_date` and `percent`, registered in `web.render`; templates use them, never strftime or "%".
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from jinja2 import pass_context

from core.timezone import to_vn

ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def vn_date(value: Any, time: bool = False, day_first: bool = False) -> str:
    """A date as 23/04/2018 (an aware datetime in Vietnam time; `time`: "09:15 23/04/2018", or with `day_first`
    "23/04/2018 09:15"). A text that is an ISO date (2018-04-23, as extracted fields hold them) is turned around;
    any other value is shown as it is."""
    if isinstance(value, dt.datetime):
        moment = to_vn(value) if value.tzinfo is not None else value
        shape = ("%d/%m/%Y %H:%M" if day_first else "%H:%M %d/%m/%Y") if time else "%d/%m/%Y"
        return moment.strftime(shape)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and (found := ISO_DATE.fullmatch(value.strip())):
        year, month, day = found.groups()
        return f"{day}/{month}/{year}"
    return "" if value is None else str(value)


def format_percent(rate: float, lang: str, digits: int = 1) -> str:
    """A rate (0.125) as "12,5 %" in Vietnamese (decimal comma), "12.5 %" in English."""
    text = f"{rate * 100:.{digits}f}"
    return f"{text.replace('.', ',') if lang == 'vi' else text} %"


@pass_context
def percent(context: Any, rate: float, digits: int = 1) -> str:
    """The `percent` filter: `format_percent` in the page's language."""
    return format_percent(rate, str(context.get("lang", "vi")), digits)


VN_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def parse_vn_date(text: str) -> dt.date:
    """A date as a Vietnamese person types it, 31/12/2026 (also 31-12-2026, 31.12.2026; ISO 2026-12-31 from older
    forms and programs). ValueError when it is none of these or no such day."""
    text = text.strip()
    if found := VN_DATE.fullmatch(text):
        day, month, year = (int(part) for part in found.groups())
        return dt.date(year, month, day)
    if ISO_DATE.fullmatch(text):
        return dt.date.fromisoformat(text)
    raise ValueError(f"not a date: {text!r}")


VN_TIME = re.compile(r"(\d{1,2})[:hg](\d{2})")


def parse_vn_datetime(text: str) -> dt.datetime:
    """A moment as a Vietnamese officer types it, "14:00 31/12/2026" (or "31/12/2026 14:00", "14h00"; ISO
    2026-12-31T14:00 from older forms), naive, in Vietnam time. ValueError when the date or the time is missing or
    is no such moment."""
    parts = text.strip().split()
    if len(parts) == 1 and "T" in parts[0]:
        return dt.datetime.fromisoformat(parts[0]).replace(tzinfo=None)
    times = [part for part in parts if VN_TIME.fullmatch(part)]
    dates = [part for part in parts if part not in times]
    if len(parts) != 2 or len(times) != 1 or len(dates) != 1:
        raise ValueError(f"not a time and a date: {text!r}")
    hour, minute = (int(group) for group in VN_TIME.fullmatch(times[0]).groups())  # type: ignore[union-attr]
    return dt.datetime.combine(parse_vn_date(dates[0]), dt.time(hour, minute))


def typed_code(text: str) -> str:
    """A dossier code as a person types it: spaces dropped, letters in upper case, any dash a hyphen."""
    return "".join(text.split()).upper().replace("\u2013", "-").replace("\u2014", "-")


_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # ă, â/ê/ô, ơ/ư: letters of their own, after the plain one
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền, hỏi, ngã, sắc, nặng


def vi_sort_key(text: str) -> tuple[tuple[tuple[str, int], ...], tuple[int, ...]]:
    """Vietnamese alphabetical order (a ă â b c d đ e ê …; tones only break ties), as a report lists names: plain
    code-point order puts "Đ" after "Z" and "Ă" after every unaccented word."""
    letters: list[tuple[str, int]] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFD", text.casefold()):
        if char in _LETTER_MARKS and letters:
            letters[-1] = (letters[-1][0], _LETTER_MARKS[char])
        elif char in _TONES and tones:
            tones[-1] = _TONES[char]
        elif char == "đ":
            letters.append(("d", 1))
            tones.append(0)
        else:
            letters.append((char, 0))
            tones.append(0)
    return tuple(letters), tuple(tones)
