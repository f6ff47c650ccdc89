"""`/thong-ke`, the manager's page: Decision 766 indicators of a unit over the months up to a chosen month (a table
and an inline SVG chart) and per unit in that month, each rate with its definition; both as CSV (`/thong-ke.csv`).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.routers.stats import digitisation, rollup
from api.services import Services
from core.identifiers import InvalidIdentifier, validate_agency_code
from core.timezone import now_vn
from core.types import Actor, Role
from issuing.agencies import known_agencies
from issuing.settings import issuing_settings
from issuing.stats_csv import people_csv_text
from vault.indicators import DEFINITIONS, DigitisationStats, level_of
from web.formats import vi_sort_key
from web.render import page
from web.session import require, services_of

router = APIRouter()
Manager = Annotated[Actor, Depends(require(Role.HANDLER))]
INDICATORS = tuple((name, label, definition) for name, (label, definition) in DEFINITIONS.items())
# The agency code's levels as a provincial report names them since the two-level local government of 1 July 2025
# (no district): level 2 is what sits directly under the province, level 3 what sits under those. The keys stay the
# API's (`district`, `commune`: docs/api.md, "Levels"); docs/web.md says why these words.
LEVEL_LABELS = {"province": "Cấp tỉnh", "district": "Đơn vị trực thuộc tỉnh", "commune": "Đơn vị cấp dưới"}
LEVELS_NOTE = (  # under the list: what the two lower levels hold (the list's words fit a 375 px phone)
    "Từ ngày 01/7/2025 không còn cấp huyện: đơn vị trực thuộc tỉnh là các sở, ngành và các xã, phường; đơn vị cấp"
    " dưới là các đơn vị thuộc những đơn vị đó."
)


def _months(count: int, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The first and last day of each of the `count` months ending with `last`'s month, oldest first."""
    out = []
    year, month = last.year, last.month
    for _ in range(count):
        start = dt.date(year, month, 1)
        end = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
        out.append((start, end))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(out))


# A month's figures over 100,000 documents take seconds to count (bench/web_bench.py); a manager's page shows them
# at most this old. Keyed by who asks (role, agency), so an entry is only ever served to the scope that computed it.
CACHE_SECONDS = 60.0
_cache: dict[tuple[object, ...], tuple[float, list[DigitisationStats]]] = {}
_cache_lock = threading.Lock()


def _cached(key: tuple[object, ...], compute: Callable[[], list[DigitisationStats]]) -> list[DigitisationStats]:
    """`compute()`, counted at most once a minute for the same key (which names the asker's scope)."""
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    figures = compute()
    with _cache_lock:
        for old in [k for k, (at, _) in _cache.items() if now - at >= CACHE_SECONDS]:
            del _cache[old]
        _cache[key] = (now, figures)
    return figures


def _compute(svc: Services, actor: Actor, agency: str | None, months: int, last: dt.date) -> list[DigitisationStats]:
    figures = []
    for start, end in _months(months, last):
        stats = digitisation(actor, svc, agency, start.isoformat(), end.isoformat(), "json")
        assert isinstance(stats, DigitisationStats)
        figures.append(stats)
    return figures


def _figures(request: Request, actor: Actor, agency: str | None, months: int, last: dt.date) -> list[DigitisationStats]:
    """The indicators per month, counted at most once a minute for the same asker and unit."""
    key = ("months", actor.role.value, actor.agency_code, agency, months, last, now_vn().date())
    return _cached(key, lambda: _compute(services_of(request), actor, agency, months, last))


def _rollup(request: Request, actor: Actor, unit: str | None, level: str, month: dt.date) -> list[DigitisationStats]:
    """The month's indicators per unit at `level` under the chosen unit (counted at most once a minute, as above)."""
    start, end = _months(1, month)[0]

    def compute() -> list[DigitisationStats]:
        figures = rollup(actor, services_of(request), level, unit, start.isoformat(), end.isoformat(), "json")  # type: ignore[arg-type]
        assert isinstance(figures, list)
        return sorted(figures, key=lambda stats: _report_order(stats.agency_code))

    return _cached(("rollup", actor.role.value, actor.agency_code, unit, level, start, now_vn().date()), compute)


def _report_order(code: str | None) -> tuple[object, ...]:
    """As a report lists units: the province, then the units under it, then theirs; each level by name in Vietnamese
    order, a unit of no known name (its code alone) after the named ones."""
    name = issuing_settings().agency_name(code) if code else ""
    return level_of(code or ""), name == code, vi_sort_key(name or ""), code or ""


def _unit(actor: Actor, agency: str | None) -> str | None:
    if actor.role is Role.HANDLER:
        return actor.agency_code
    try:
        return validate_agency_code(agency.strip()) if agency and agency.strip() else None
    except InvalidIdentifier:
        return None


MONTH_TYPED = re.compile(r"(\d{4})-(\d{1,2})|(\d{1,2})\s*[/.-]\s*(\d{4})")


def _month(value: str | None, today: dt.date) -> dt.date:
    """The first day of the month `YYYY-MM` (what the month list sends, and the CSV links) or `MM/YYYY` (as the page
    writes a month, typed into an address); this month when empty, unreadable or later than this month (nothing is
    received in the future)."""
    found = MONTH_TYPED.fullmatch((value or "").strip())
    if found is None:
        return today.replace(day=1)
    year, month = (found[1], found[2]) if found[1] else (found[4], found[3])
    try:
        chosen = dt.date(int(year), int(month), 1)
    except ValueError:
        return today.replace(day=1)
    return min(chosen, today.replace(day=1))


MONTHS_OFFERED = 36  # three years of reports in the month list; an older month stays reachable by address


def month_choices(chosen: dt.date, this_month: dt.date) -> list[dt.date]:
    """The months the report's month list offers, newest first: this month and the 35 before it, and the chosen
    month if it is older. A list of our own, shown as the page writes a month (11/2026) in either language: an
    `<input type=month>` is drawn in the browser's language ("November 2026" on a Vietnamese page)."""
    offered = [start for start, _ in reversed(_months(MONTHS_OFFERED, this_month))]
    return offered if chosen in offered else [*offered, chosen]


@dataclass(frozen=True)
class Report:
    """The unit shown (an agency code, or None for all), the month chosen (its first day) and the indicators of the
    `months` months up to it, one month a row, oldest first."""

    unit: str | None
    months: int
    month: dt.date
    figures: list[DigitisationStats]


async def _report(
    request: Request,
    actor: Manager,
    agency: Annotated[str | None, Query(max_length=35)] = None,
    months: Annotated[int, Query(ge=1, le=24)] = 6,
    thang: Annotated[str | None, Query(max_length=40, description="the report's month, YYYY-MM")] = None,
) -> Report:
    """What the page and its CSV both show, computed in one place (the API's `stats.digitisation` per month)."""
    unit, month = _unit(actor, agency), _month(thang, now_vn().date())
    return Report(unit, months, month, await run_in_threadpool(_figures, request, actor, unit, months, month))


Indicators = Annotated[Report, Depends(_report)]
LevelQuery = Annotated[Literal["province", "district", "commune"], Query()]


@router.get("/thong-ke")
async def indicators(request: Request, actor: Manager, report: Indicators, level: LevelQuery = "district") -> Response:
    units = await run_in_threadpool(_rollup, request, actor, report.unit, level, report.month)
    context = {"figures": report.figures, "unit": report.unit, "months": report.months, "chart": _chart(report.figures)}
    today = now_vn()
    return page(
        request,
        "stats.html",
        {
            **context,
            "indicators": INDICATORS,
            "units": units,
            "level": level,
            "levels": LEVEL_LABELS,
            "levels_note": LEVELS_NOTE,
        }
        | {"month": report.month, "month_choices": month_choices(report.month, today.date().replace(day=1))}
        | {"printed_at": today}
        | {"agencies": known_agencies()},  # the manager picks a unit by name, not by a code from memory
    )


@router.get("/thong-ke.csv")
async def indicators_csv(
    request: Request,
    actor: Manager,
    report: Indicators,
    level: LevelQuery = "district",
    theo: Annotated[Literal["thang", "don-vi"], Query(description="one row a month, or a unit")] = "thang",
) -> Response:
    """The months of the unit (`theo=thang`), or each unit at `level` in the chosen month (`theo=don-vi`): the two
    tables of the page, for Excel on a Vietnamese Windows (the API keeps ISO)."""
    month = report.month.strftime("%Y-%m")
    if theo == "don-vi":
        figures = await run_in_threadpool(_rollup, request, actor, report.unit, level, report.month)
        name = f"chi-tieu-766-theo-don-vi-{month}.csv"
    else:
        figures, name = report.figures, f"chi-tieu-766-{month}.csv"
    return Response(
        people_csv_text(figures),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


COLOURS = ("#0b4f9c", "#1b5e20", "#8a4b00")


def _chart(figures: list[DigitisationStats]) -> dict[str, object]:
    """Bars for each month and indicator, as coordinates for the template's inline SVG (0-100 %)."""
    bars = []
    width, group = 40 + 90 * len(figures), 90
    for i, stats in enumerate(figures):
        for j, (name, _label, _d) in enumerate(INDICATORS):
            value = getattr(stats, name)
            height = round(min(value.rate, 1.0) * 160)
            bar = {"x": 50 + i * group + j * 24, "y": 180 - height, "h": height, "colour": COLOURS[j]}
            bars.append(bar | {"rate": value.rate, "empty": not value.denominator})
    labels = [
        {"x": 50 + i * group + 30, "text": s.date_from.strftime("%m/%Y") if s.date_from else ""}
        for i, s in enumerate(figures)
    ]
    return {"width": width, "bars": bars, "labels": labels, "colours": COLOURS}
