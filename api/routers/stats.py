"""Digitisation indicators per agency and period (Decision 766/QĐ-TTg), as JSON or CSV (Vietnamese headers), each
with its definition and why dossiers were left out; rolled up by the agency code's levels; the monthly reports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from api.auth import require_roles
from api.problems import PROBLEM_RESPONSES, Problem
from api.services import Svc
from core.identifiers import InvalidIdentifier, validate_agency_code
from core.types import Actor, Role
from issuing.stats_csv import csv_text
from issuing.stats_report import portal_payload
from vault.indicators import DigitisationStats

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"], responses=PROBLEM_RESPONSES)


DATE = r"^\d{4}-\d{2}-\d{2}$"


def _date(value: str | None, name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise Problem(422, f"`{name}` is not a calendar date") from exc


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
    start, end = _period(from_, to)
    stats = svc.vault.digitisation_stats(actor, _agency(agency), start, end, svc.failed_dossiers(start))
    if format_ == "csv":
        return _csv_response([stats])
    return stats


def _period(from_: str | None, to: str | None) -> tuple[dt.date | None, dt.date | None]:
    start, end = _date(from_, "from"), _date(to, "to")
    if start and end and start > end:
        raise Problem(422, "`from` is after `to`")
    return start, end


def _agency(value: str | None) -> str | None:
    try:
        return validate_agency_code(value) if value else None
    except InvalidIdentifier as exc:
        raise Problem(422, str(exc)) from exc


def _csv_response(figures: list[DigitisationStats]) -> Response:
    return Response(
        csv_text(figures),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="chi-tieu-766.csv"'},
    )


@router.get(
    "/rollup",
    response_model=list[DigitisationStats],
    responses={200: {"content": {"text/csv": {}}}},
    summary='The indicators per unit of one level of the agency code (QCVN 102:2016): docs/api.md, "Levels"',
)
def rollup(
    actor: Annotated[Actor, Depends(require_roles(Role.ADMIN, Role.HANDLER, Role.PORTAL))],
    svc: Svc,
    level: Annotated[
        Literal["province", "district", "commune"],
        Query(
            description="the code's level 1, 2 or 3: the province; the units directly under it (departments,"
            " and since 1 July 2025 communes and wards: the key keeps its old name); the units under those"
        ),
    ] = "province",
    under: Annotated[str | None, Query(max_length=35, description="only the units under this agency code")] = None,
    from_: Annotated[str | None, Query(alias="from", pattern=DATE, description="YYYY-MM-DD, inclusive")] = None,
    to: Annotated[str | None, Query(pattern=DATE, description="YYYY-MM-DD, inclusive")] = None,
    format_: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Response | list[DigitisationStats]:
    start, end = _period(from_, to)
    figures = svc.vault.indicator_rollup(actor, level, _agency(under), start, end, svc.failed_dossiers(start))
    return _csv_response(figures) if format_ == "csv" else figures


MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


@router.get("/reports", summary="The months whose signed indicator report is stored")
def report_months(
    actor: Annotated[Actor, Depends(require_roles(Role.ADMIN, Role.HANDLER, Role.PORTAL))], svc: Svc
) -> list[str]:
    return svc.vault.stats_report_months(actor)


@router.get("/reports/{month}", summary="A month's published indicators and its files (name, SHA-256, version)")
def report(
    actor: Annotated[Actor, Depends(require_roles(Role.ADMIN, Role.HANDLER, Role.PORTAL))],
    svc: Svc,
    month: Annotated[str, Path(pattern=MONTH)],
) -> dict[str, Any]:
    payload = portal_payload(svc.vault, actor, month)
    if payload is None:
        raise Problem(404, f"no report published for {month} yet")
    return payload


@router.get(
    "/reports/{month}/{name}",
    responses={200: {"content": {"application/pdf": {}, "application/pkcs7-mime": {}, "application/json": {}}}},
    summary="One file of a month's report: the sealed PDF, the signed CSV (.csv.p7m) or the figures (JSON)",
)
def report_file(
    actor: Annotated[Actor, Depends(require_roles(Role.ADMIN, Role.HANDLER, Role.PORTAL))],
    svc: Svc,
    month: Annotated[str, Path(pattern=MONTH)],
    name: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9.-]{0,80}$")],
) -> Response:
    found = [f for f in svc.vault.stats_report(actor, month) if f.name == name]
    if not found:
        raise Problem(404, f"no file {name} in the report of {month}")
    media = {"pdf": "application/pdf", "p7m": "application/pkcs7-mime", "json": "application/json"}
    return Response(
        found[0].data,
        media_type=media.get(name.rsplit(".", 1)[-1], "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{name}"', "ETag": f'"{found[0].version_id}"'},
    )
