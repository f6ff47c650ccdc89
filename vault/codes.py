"""Dossier codes `<agency code>-YYMMDD-XXXX` and result codes `<dossier code>-KQ<n>`, unique when concurrent.

The daily sequence is one atomic `INSERT .. ON CONFLICT DO UPDATE .. RETURNING` on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.identifiers import format_dossier_code
from core.timezone import VN_TZ
from vault.models import Document, DossierSequence


def next_sequence(session: Session, agency_code: str, day: dt.date) -> int:
    """Take the next number of the agency's daily sequence (inside the caller's transaction)."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    key = f"{day:%y%m%d}"
    stmt = dialect.insert(DossierSequence).values(agency_code=agency_code, day=key, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["agency_code", "day"], set_={"last_value": DossierSequence.last_value + 1}
    ).returning(DossierSequence.last_value)
    return int(session.execute(stmt).scalar_one())


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
