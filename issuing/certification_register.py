"""Each agency's yearly certification register [sổ chứng thực]: its tables, taking the next number (one atomic
upsert, unique under concurrency on SQLite and PostgreSQL) and recording the certified copy on its line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.timezone import to_vn
from issuing.models import IssuingBase
from vault.models import utcnow


class CertificationSequence(IssuingBase):
    """The last number taken in an agency's register for one year."""

    __tablename__ = "ingest_certification_sequences"

    agency_code: Mapped[str] = mapped_column(String(35), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class Certification(IssuingBase):
    """One line of the register: the number, who certified what for which dossier, and the stored copy.

    `document_id` stays empty when signing or storing failed after the number was taken (a void line).
    """

    __tablename__ = "ingest_certifications"
    __table_args__ = (UniqueConstraint("agency_code", "year", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(64))
    dossier_code: Mapped[str] = mapped_column(String(50), index=True)
    certified_by: Mapped[str] = mapped_column(String(255))
    certified_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    document_id: Mapped[str | None] = mapped_column(String(32), index=True)


@dataclass(frozen=True)
class RegisterLine:
    """A number taken in the register: its line id, year, number and the label printed on the copy."""

    id: int
    agency_code: str
    year: int
    number: int
    label: str
    certified_at: dt.datetime  # Vietnam time


def _next_number(session: Session, agency_code: str, year: int) -> int:
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(CertificationSequence).values(agency_code=agency_code, year=year, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["agency_code", "year"], set_={"last_value": CertificationSequence.last_value + 1}
    ).returning(CertificationSequence.last_value)
    return int(session.execute(stmt).scalar_one())


def take_number(
    session: Session,
    *,
    agency_code: str,
    dossier_code: str,
    certified_by: str,
    when: dt.datetime,
    label_format: str,
) -> RegisterLine:
    """Take the next number of the agency's register for the year of `when` (Vietnam time) and write its line
    (inside the caller's transaction; commit it before signing so the number is never handed out twice)."""
    moment = to_vn(when)
    number = _next_number(session, agency_code, moment.year)
    label = label_format.format(number=number, year=moment.year, agency=agency_code)
    line = Certification(
        agency_code=agency_code,
        year=moment.year,
        number=number,
        label=label,
        dossier_code=dossier_code,
        certified_by=certified_by,
        certified_at=moment,
    )
    session.add(line)
    session.flush()
    return RegisterLine(
        id=line.id, agency_code=agency_code, year=moment.year, number=number, label=label, certified_at=moment
    )


def record_copy(session: Session, line_id: int, document_id: str) -> None:
    """Write the stored certified copy's id on its register line."""
    line = session.get(Certification, line_id)
    if line is None:
        raise LookupError(f"no register line {line_id}")
    line.document_id = document_id
