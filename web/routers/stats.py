"""`/thong-ke`, the manager's page: Decision 766 indicators per unit and month (a table and an inline SVG chart),
each rate with its definition, and the same figures as CSV (`/thong-ke.csv`).
"""

from __future__ import annotations

import datetime as dt
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
from issuing.stats_csv import people_csv_text
from vault.indicators import DEFINITIONS, DigitisationStats
from web.render import page
from web.session import require, services_of

router = APIRouter()
Manager = Annotated[Actor, Depends(require(Role.HANDLER))]
INDICATORS = tuple((name, label, definition) for name, (label, definition) in DEFINITIONS.items())
LEVEL_LABELS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}


def _months(count: int, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    out = []
    year, month = today.year, today.month
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


def _compute(svc: Services, actor: Actor, agency: str | None, months: int) -> list[DigitisationStats]:
    figures = []
    for start, end in _months(months, now_vn().date()):
        stats = digitisation(actor, svc, agency, start.isoformat(), end.isoformat(), "json")
        assert isinstance(stats, DigitisationStats)
        figures.append(stats)
    return figures


def _figures(request: Request, actor: Actor, agency: str | None, months: int) -> list[DigitisationStats]:
    """The indicators per month, counted at most once a minute for the same asker and unit."""
    key = ("months", actor.role.value, actor.agency_code, agency, months, now_vn().date())
    return _cached(key, lambda: _compute(services_of(request), actor, agency, months))


def _rollup(request: Request, actor: Actor, unit: str | None, level: str) -> list[DigitisationStats]:
    """This month's indicators per unit at `level` under the chosen unit (counted at most once a minute, as above)."""
    start, end = _months(1, now_vn().date())[0]

    def compute() -> list[DigitisationStats]:
        figures = rollup(actor, services_of(request), level, unit, start.isoformat(), end.isoformat(), "json")  # type: ignore[arg-type]
        assert isinstance(figures, list)
        return figures

    return _cached(("rollup", actor.role.value, actor.agency_code, unit, level, start), compute)


def _unit(actor: Actor, agency: str | None) -> str | None:
    if actor.role is Role.HANDLER:
        return actor.agency_code
    try:
        return validate_agency_code(agency.strip()) if agency and agency.strip() else None
    except InvalidIdentifier:
        return None


@dataclass(frozen=True)
class Report:
    """The unit shown (an agency code, or None for all) and its indicators, one month a row, oldest first."""

    unit: str | None
    months: int
    figures: list[DigitisationStats]


async def _report(
    request: Request,
    actor: Manager,
    agency: Annotated[str | None, Query(max_length=35)] = None,
    months: Annotated[int, Query(ge=1, le=24)] = 6,
) -> Report:
    """What the page and its CSV both show, computed in one place (the API's `stats.digitisation` per month)."""
    unit = _unit(actor, agency)
    return Report(unit, months, await run_in_threadpool(_figures, request, actor, unit, months))


Indicators = Annotated[Report, Depends(_report)]


@router.get("/thong-ke")
async def indicators(
    request: Request,
    actor: Manager,
    report: Indicators,
    level: Annotated[Literal["province", "district", "commune"], Query()] = "district",
) -> Response:
    units = await run_in_threadpool(_rollup, request, actor, report.unit, level)
    context = {"figures": report.figures, "unit": report.unit, "months": report.months, "chart": _chart(report.figures)}
    return page(
        request,
        "stats.html",
        {**context, "indicators": INDICATORS, "units": units, "level": level, "levels": LEVEL_LABELS}
        | {"agencies": known_agencies()},  # the manager picks a unit by name, not by a code from memory
    )


@router.get("/thong-ke.csv")
def indicators_csv(report: Indicators) -> Response:
    return Response(
        people_csv_text(report.figures),  # for Excel on a Vietnamese Windows; the API keeps ISO
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="chi-tieu-766.csv"', "Cache-Control": "no-store"},
    )


COLOURS = ("#0b4f9c", "#1b5e20", "#8a4b00")


def _chart(figures: list[DigitisationStats]) -> dict[str, object]:
    """Bars for each month and indicator, as coordinates for the template's inline SVG (0-100 %)."""
    bars = []
    width, group = 40 + 90 * len(figures), 90
    for i, stats in enumerate(figures):
        for j, (name, _label, _d) in enumerate(INDICATORS):
            rate = getattr(stats, name).rate
            height = round(rate * 160)
            bars.append(
                {"x": 50 + i * group + j * 24, "y": 180 - height, "h": height, "colour": COLOURS[j], "rate": rate}
            )
    labels = [
        {"x": 50 + i * group + 30, "text": s.date_from.strftime("%m/%Y") if s.date_from else ""}
        for i, s in enumerate(figures)
    ]
    return {"width": width, "bars": bars, "labels": labels, "colours": COLOURS}
