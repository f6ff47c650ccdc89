"""Dossier codes `<agency code>-YYMMDD-XXXX` and result codes `<dossier code>-KQ<n>`, unique when concurrent.

The daily sequence is one atomic `INSERT .. ON CONFLICT DO UPDATE .. RETURNING` on both SQLite and PostgreSQL; it
then skips the numbers stations already took with supplied codes (cover sheets), inside the same transaction: the
counter row stays locked until the transaction ends, so concurrent openings read each other's committed codes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.identifiers import DOSSIER_CODE_RE, format_dossier_code
from core.timezone import VN_TZ
from vault.models import Document, Dossier, DossierSequence


def next_sequence(session: Session, agency_code: str, day: dt.date) -> int:
    """Take the next number of the agency's daily sequence (inside the caller's transaction)."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    key = f"{day:%y%m%d}"
    stmt = dialect.insert(DossierSequence).values(agency_code=agency_code, day=key, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["agency_code", "day"], set_={"last_value": DossierSequence.last_value + 1}
    ).returning(DossierSequence.last_value)
    taken = int(session.execute(stmt).scalar_one())
    highest = _highest_supplied(session, agency_code, day)
    if highest >= taken:  # a supplied code took this number: skip past every number already in use that day
        taken = highest + 1
        session.execute(
            update(DossierSequence)
            .where(DossierSequence.agency_code == agency_code, DossierSequence.day == key)
            .values(last_value=taken)
        )
    return taken


def _highest_supplied(session: Session, agency_code: str, day: dt.date) -> int:
    """The highest sequence number of the agency's dossier codes of that day (0 when none)."""
    prefix = f"{agency_code}-{day:%y%m%d}-"
    code = session.execute(
        select(func.max(Dossier.code)).where(
            Dossier.agency_code == agency_code, Dossier.code.startswith(prefix, autoescape=True)
        )
    ).scalar_one()
    match = DOSSIER_CODE_RE.fullmatch(code) if code else None
    return int(match["seq"]) if match else 0


def receipt_day(received_at: dt.datetime) -> dt.date:
    """The receipt date in Vietnam time, as the counter's calendar reads it."""
    return received_at.astimezone(VN_TZ).date()


def new_dossier_code(session: Session, agency_code: str, received_at: dt.datetime) -> str:
    day = receipt_day(received_at)
    return format_dossier_code(agency_code, day, next_sequence(session, agency_code, day))


def next_result_code(session: Session, dossier_code: str) -> str:
    """`<dossier code>-KQ<n>`, n one more than the results already recorded for the dossier."""
    taken = session.execute(
        select(func.count()).select_from(Document).where(Document.result_code.like(f"{dossier_code}-KQ%"))
    ).scalar_one()
    return f"{dossier_code}-KQ{int(taken) + 1}"
