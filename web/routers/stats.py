"""`/thong-ke`, the manager's page: Decision 766 indicators per unit and month (a table and an inline SVG chart),
each rate with its definition, and the same figures as CSV (`/thong-ke.csv`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.routers.stats import digitisation
from api.services import Services
from core.identifiers import InvalidIdentifier, validate_agency_code
from core.types import Actor, Role
from vault.reports import DigitisationStats
from web.render import page
from web.session import require, services_of

router = APIRouter()
Manager = Annotated[Actor, Depends(require(Role.HANDLER))]
INDICATORS = (
    (
        "digitisation",
        "Tỷ lệ số hóa",
        "Số hồ sơ có thành phần được số hóa và có kết quả điện tử / số hồ sơ tiếp nhận trong tháng.",
    ),
    (
        "electronic_results",
        "Tỷ lệ trả kết quả điện tử",
        "Số hồ sơ có kết quả giải quyết điện tử / số hồ sơ tiếp nhận trong tháng.",
    ),
    (
        "reuse",
        "Tỷ lệ tái sử dụng",
        "Số hồ sơ có ít nhất một thành phần lấy lại từ kho dữ liệu / số hồ sơ tiếp nhận trong tháng.",
    ),
)


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
_cache: dict[tuple[str, str | None, str | None, int, dt.date], tuple[float, list[DigitisationStats]]] = {}
_cache_lock = threading.Lock()


def _compute(svc: Services, actor: Actor, agency: str | None, months: int) -> list[DigitisationStats]:
    figures = []
    for start, end in _months(months, dt.date.today()):
        stats = digitisation(actor, svc, agency, start.isoformat(), end.isoformat(), "json")
        assert isinstance(stats, DigitisationStats)
        figures.append(stats)
    return figures


def _figures(request: Request, actor: Actor, agency: str | None, months: int) -> list[DigitisationStats]:
    """The indicators per month, counted at most once a minute for the same asker and unit."""
    key = (actor.role.value, actor.agency_code, agency, months, dt.date.today())
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    figures = _compute(services_of(request), actor, agency, months)
    with _cache_lock:
        for old in [k for k, (at, _) in _cache.items() if now - at >= CACHE_SECONDS]:
            del _cache[old]
        _cache[key] = (now, figures)
    return figures


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
def indicators(request: Request, report: Indicators) -> Response:
    context = {"figures": report.figures, "unit": report.unit, "months": report.months, "chart": _chart(report.figures)}
    return page(request, "stats.html", {**context, "indicators": INDICATORS})


@router.get("/thong-ke.csv")
def indicators_csv(report: Indicators) -> Response:
    unit, figures = report.unit, report.figures
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["don_vi", "thang", "ho_so_tiep_nhan", "chi_tieu", "tu_so", "mau_so", "ty_le", "diem", "diem_toi_da"]
    )
    for stats in figures:
        month = stats.date_from.strftime("%Y-%m") if stats.date_from else ""
        for name, _label, _definition in INDICATORS:
            value = getattr(stats, name)
            writer.writerow(
                [
                    *(unit or "tat-ca", month, stats.dossiers_received, name),
                    *(value.numerator, value.denominator, f"{value.rate:.4f}", value.score, stats.max_score),
                ]
            )
    return Response(
        "\ufeff" + buffer.getvalue(),
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
