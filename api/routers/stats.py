"""Digitisation indicators per agency and period (Decision 766/QĐ-TTg), as JSON or CSV, for managers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.auth import require_roles
from api.problems import PROBLEM_RESPONSES, Problem
from api.services import Svc
from core.types import Actor, Role
from vault.reports import DigitisationStats

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"], responses=PROBLEM_RESPONSES)


DATE = r"^\d{4}-\d{2}-\d{2}$"


def _date(value: str | None, name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise Problem(422, f"`{name}` is not a calendar date") from exc


def _csv(stats: DigitisationStats) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["agency", "from", "to", "indicator", "numerator", "denominator", "rate", "score", "max_score"])
    for name in ("digitisation", "electronic_results", "reuse"):
        value = getattr(stats, name)
        writer.writerow(
            [
                stats.agency_code or "",
                stats.date_from or "",
                stats.date_to or "",
                name,
                value.numerator,
                value.denominator,
                value.rate,
                value.score,
                stats.max_score,
            ]
        )
    return buffer.getvalue()


@router.get(
    "/digitisation",
    response_model=DigitisationStats,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Dossiers received, digitisation, electronic-results and reuse rates with their 80% scoring",
)
def digitisation(
    actor: Annotated[Actor, Depends(require_roles(Role.ADMIN, Role.HANDLER, Role.PORTAL))],
    svc: Svc,
    agency: Annotated[str | None, Query(max_length=35)] = None,
    from_: Annotated[str | None, Query(alias="from", pattern=DATE, description="YYYY-MM-DD, inclusive")] = None,
    to: Annotated[str | None, Query(pattern=DATE, description="YYYY-MM-DD, inclusive")] = None,
    format_: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Response | DigitisationStats:
    start, end = _date(from_, "from"), _date(to, "to")
    if start and end and start > end:
        raise Problem(422, "`from` is after `to`")
    stats = svc.vault.digitisation_stats(actor, agency, start, end)
    if format_ == "csv":
        return Response(_csv(stats), media_type="text/csv; charset=utf-8")
    return stats
