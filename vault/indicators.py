"""The digitisation indicators of Decision 766/QĐ-TTg (digitisation, electronic results, reuse; 80% scoring), each
with its definition and why the dossiers left out do not count, per agency or rolled up by the agency code's levels.

Each takes an open session; the `Vault` door (`vault.upkeep`) authorises the caller first.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.timezone import VN_TZ
from vault.models import Document, Dossier, DossierDocument

FULL_MARKS_RATE = 0.8  # full marks at 80% or more, otherwise score = rate x max / 80%
DEFAULT_MAX_SCORE = 10.0
NO_RESULT_DUE = frozenset({"refused", "withdrawn"})  # dossier states that end without a result
# The code's levels 1-3 by their API keys; since 1 July 2025 level 2 (`district`) holds the units directly under the
# province (departments, communes, wards), level 3 (`commune`) the units under those: docs/api.md, "Levels".
Level = Literal["province", "district", "commune"]
LEVELS: dict[str, int] = {"province": 1, "district": 2, "commune": 3}

DEFINITIONS = {
    "digitisation": (
        "Tỷ lệ số hóa",
        "Số hồ sơ có thành phần hồ sơ được số hóa (quét thành công, không có tài liệu lỗi) và có kết quả giải quyết"
        " điện tử ÷ số hồ sơ tiếp nhận trong kỳ, trừ hồ sơ bị từ chối hoặc công dân đã rút.",
    ),
    "electronic_results": (
        "Tỷ lệ trả kết quả điện tử",
        "Số hồ sơ có kết quả giải quyết điện tử ÷ số hồ sơ tiếp nhận trong kỳ, trừ hồ sơ bị từ chối hoặc công dân"
        " đã rút (không có kết quả để trả).",
    ),
    "reuse": (
        "Tỷ lệ tái sử dụng",
        "Số hồ sơ có ít nhất một thành phần lấy lại từ kho dữ liệu điện tử ÷ số hồ sơ tiếp nhận trong kỳ.",
    ),
}
REASONS = {
    "batch_failed": "lô quét có tài liệu bị lỗi, thành phần chưa vào kho",
    "no_component": "chưa có thành phần hồ sơ được số hóa",
    "no_result": "chưa có kết quả giải quyết điện tử (chỉ tiêu số hóa đòi hỏi cả kết quả điện tử)",
    "no_electronic_result": "chưa có kết quả giải quyết điện tử",
    "no_reuse": "không có thành phần nào lấy lại từ kho",
    "no_result_due": "bị từ chối hoặc đã rút, không tính vào mẫu số",
}


class NotCounted(BaseModel):
    """Dossiers of the denominator (or, for `no_result_due`, of those received) left out, and why."""

    reason: str
    label: str
    dossiers: int


class Indicator(BaseModel):
    label: str
    definition: str
    numerator: int
    denominator: int
    rate: float  # 0..1
    score: float
    not_counted: list[NotCounted]  # a dossier may miss for more than one reason: each is counted


class DigitisationStats(BaseModel):
    """Indicators of the dossiers received by an agency (all agencies when None; a unit of a roll-up and all
    units under it when `level` is set) between two dates (Vietnam time)."""

    agency_code: str | None
    level: str | None = None
    date_from: dt.date | None
    date_to: dt.date | None
    dossiers_received: int
    by_state: dict[str, int]
    max_score: float
    digitisation: Indicator
    electronic_results: Indicator
    reuse: Indicator


@dataclass(frozen=True)
class DossierFacts:
    """What the indicators need to know about one dossier."""

    code: str
    agency_code: str
    status: str
    component: bool
    result: bool
    reused: bool
    batch_failed: bool


def _indicator(name: str, numerator: int, denominator: int, max_score: float, missing: Counter[str]) -> Indicator:
    rate = numerator / denominator if denominator else 0.0
    score = max_score if rate >= FULL_MARKS_RATE else rate * max_score / FULL_MARKS_RATE
    label, definition = DEFINITIONS[name]
    return Indicator(
        label=label,
        definition=definition,
        numerator=numerator,
        denominator=denominator,
        rate=round(rate, 4),
        score=round(score, 2),
        not_counted=[NotCounted(reason=r, label=REASONS[r], dossiers=n) for r, n in missing.items() if n],
    )


def dossier_facts(
    session: Session,
    agency_code: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    failed_codes: frozenset[str] = frozenset(),
    *,
    province: str | None = None,
) -> list[DossierFacts]:
    """One row per dossier received in the period, of the agency (or of every agency whose code ends with the
    level-1 part `province`, e.g. `H30`)."""
    component = func.max(case((Document.kind.not_in(("result", "notice")), 1), else_=0))
    result = func.max(case(((Document.kind == "result") & DossierDocument.reused.is_(False), 1), else_=0))
    reused = func.max(case((DossierDocument.reused.is_(True) & (Document.kind != "notice"), 1), else_=0))
    query = (
        select(Dossier.code, Dossier.agency_code, Dossier.status, component, result, reused)
        .select_from(Dossier)
        .outerjoin(DossierDocument, DossierDocument.dossier_id == Dossier.id)
        .outerjoin(Document, Document.id == DossierDocument.document_id)
        .group_by(Dossier.id, Dossier.code, Dossier.agency_code, Dossier.status)
    )
    if agency_code:
        query = query.where(Dossier.agency_code == agency_code)
    if province:
        query = query.where(Dossier.agency_code.endswith(f".{province}", autoescape=True))
    if date_from:
        query = query.where(Dossier.received_at >= dt.datetime.combine(date_from, dt.time(), VN_TZ))
    if date_to:
        query = query.where(Dossier.received_at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), VN_TZ))
    return [
        DossierFacts(code, agency, status, bool(c), bool(r), bool(u), code in failed_codes)
        for code, agency, status, c, r, u in session.execute(query)
    ]


def summarise(
    facts: Iterable[DossierFacts],
    agency_code: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    *,
    level: str | None = None,
    max_score: float = DEFAULT_MAX_SCORE,
) -> DigitisationStats:
    """The three indicators over the given dossiers (docs/vault.md, "Indicators")."""
    rows = list(facts)
    due = [f for f in rows if f.status not in NO_RESULT_DUE]
    not_due = Counter({"no_result_due": len(rows) - len(due)})
    unused = sum(not f.reused for f in rows)
    digitised = [f for f in due if f.component and f.result and not f.batch_failed]
    short = Counter[str]()
    for f in due:
        short.update(
            reason
            for reason, missing in (
                ("batch_failed", f.batch_failed),
                ("no_component", not f.component),
                ("no_result", not f.result),
            )
            if missing
        )
    return DigitisationStats(
        agency_code=agency_code,
        level=level,
        date_from=date_from,
        date_to=date_to,
        dossiers_received=len(rows),
        by_state=dict(sorted(Counter(f.status for f in rows).items())),
        max_score=max_score,
        digitisation=_indicator("digitisation", len(digitised), len(due), max_score, short + not_due),
        electronic_results=_indicator(
            "electronic_results",
            sum(f.result for f in due),
            len(due),
            max_score,
            Counter({"no_electronic_result": sum(not f.result for f in due)}) + not_due,
        ),
        reuse=_indicator("reuse", len(rows) - unused, len(rows), max_score, Counter(no_reuse=unused)),
    )


def digitisation_stats(
    session: Session,
    agency_code: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    failed_codes: frozenset[str] = frozenset(),
) -> DigitisationStats:
    """The indicators of one agency's dossiers (all agencies' when None)."""
    return summarise(
        dossier_facts(session, agency_code, date_from, date_to, failed_codes), agency_code, date_from, date_to
    )


def unit_at(agency_code: str, level: str) -> str:
    """The code of the unit at `level` that `agency_code` belongs to (QCVN 102:2016 `V.Z.Y.M`, read from level 4
    down to level 1): `000.05.12.H30` is under `000.00.12.H30` (level 2, `district`: a unit directly under the
    province) and the province `000.00.00.H30`. A code of another shape is its own unit."""
    parts = agency_code.split(".")
    if len(parts) != 4:
        return agency_code
    depth = LEVELS[level]
    kept = parts[4 - depth :]
    zeros = ["000", "00", "00"][: 4 - depth]
    return ".".join(zeros + kept)


def level_of(agency_code: str) -> int:
    """1 for a province-level code (`000.00.00.H30`), 2 for `000.00.12.H30`, 3 for `000.05.12.H30`, 4 otherwise."""
    parts = agency_code.split(".")
    if len(parts) != 4:
        return 4
    for depth, part in ((1, parts[2]), (2, parts[1]), (3, parts[0])):
        if set(part) == {"0"}:
            return depth
    return 4


def rollup(
    session: Session,
    level: str,
    under: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    failed_codes: frozenset[str] = frozenset(),
) -> list[DigitisationStats]:
    """The indicators of every unit at `level` (under the unit `under` when given), each over its own dossiers and
    those of the units below it; units without a dossier in the period are not listed."""
    parts = under.split(".") if under else []
    exact, province = (None, parts[-1]) if len(parts) == 4 else (under, None)
    groups: dict[str, list[DossierFacts]] = {}
    for fact in dossier_facts(session, exact, date_from, date_to, failed_codes, province=province):
        if under and unit_at(fact.agency_code, _level_name(level_of(under))) != under and fact.agency_code != under:
            continue
        groups.setdefault(unit_at(fact.agency_code, level), []).append(fact)
    return [summarise(rows, unit, date_from, date_to, level=level) for unit, rows in sorted(groups.items())]


def _level_name(depth: int) -> str:
    return {1: "province", 2: "district"}.get(depth, "commune")
