"""Long-term validation of what the vault keeps: documents signed at B-T (or B-LT) are upgraded to B-LTA once
revocation data can be had, and B-LTA documents get a new archive timestamp before the last one's TSA certificate
expires. Each change is stored as a new version of the document (the earlier one stays under retention).

The job keeps its own state per document (level reached, next check), so each run touches only what is due.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.logging import get_logger
from core.types import Actor, DocumentKind, Role, SignatureLevel, Verdict
from issuing.models import IssuingBase
from signing.errors import SigningError
from signing.longterm import renew_archive_timestamp, upgrade_to_lta
from signing.settings import SigningSettings
from vault.models import Document
from vault.service import Vault

log = get_logger("sohoa.longterm")
SYSTEM = Actor("sohoa-longterm", Role.ADMIN, purpose="lưu trữ dài hạn chữ ký số")
RETRY_LATER = dt.timedelta(hours=1)  # revocation data or the TSA not available yet
RECHECK = dt.timedelta(days=30)  # the next look at a document done with (or skipped) for now


class LongTermState(IssuingBase):
    __tablename__ = "ingest_longterm"

    document_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(8))
    next_check: Mapped[dt.datetime] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)


@dataclass
class LongTermReport:
    enrolled: int = 0
    upgraded: list[str] = field(default_factory=list)
    renewed: list[str] = field(default_factory=list)
    postponed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # document id → why it is not upgraded


def enrol(session: Session, settings: SigningSettings, now: dt.datetime) -> int:
    """Start tracking documents not tracked yet, at the level their kind is signed at."""
    tracked = select(LongTermState.document_id)
    rows = session.execute(
        select(Document.id, Document.kind, Document.current_version).where(Document.id.not_in(tracked))
    ).all()
    for doc_id, kind, version in rows:
        level = settings.level_for(DocumentKind(kind))
        due = now if level is not SignatureLevel.B_LTA else now + dt.timedelta(days=30)
        session.add(LongTermState(document_id=doc_id, version=version, level=level.value, next_check=due))
    return len(rows)


def _read(vault: Vault, doc_id: str) -> bytes:
    with vault.open_content(doc_id, SYSTEM) as content:
        data: bytes = content.read()
    return data


def _process(vault: Vault, state: LongTermState, settings: SigningSettings, now: dt.datetime) -> str | None:
    """Upgrade or renew one document; the change made ("upgraded", "renewed") or None. Updates `state`."""
    pdf = _read(vault, state.document_id)
    change = None
    if state.level in (SignatureLevel.B_T.value, SignatureLevel.B_LT.value):
        record = vault.new_version(state.document_id, upgrade_to_lta(pdf, settings=settings), SYSTEM)
        state.level, state.version, change = SignatureLevel.B_LTA.value, record.current_version, "upgraded"
    elif state.level == SignatureLevel.B_LTA.value:
        renewed = renew_archive_timestamp(pdf, settings=settings, now=now)
        if renewed is not None:
            state.version, change = vault.new_version(state.document_id, renewed, SYSTEM).current_version, "renewed"
    state.next_check, state.last_error = now + RECHECK, None
    return change


def skip_reason(verdict: str | None) -> str | None:
    """Why a document is not upgraded: its own signature (a signed PDF stored as received) did not validate.

    Such a signature cannot gain validation data (revocation of a CA we do not reach, a changed document), so
    retrying hourly would never end; it is looked at again after `RECHECK`, in case its verdict changed."""
    if verdict is None or verdict == Verdict.TOTAL_PASSED.value:
        return None
    return f"signature verdict {verdict}: not upgraded"


def _claim(sessions: sessionmaker[Session], doc_id: str, moment: dt.datetime) -> LongTermState | None:
    """Take a due document for this run (its next check moved past the run), or None if another run has it."""
    with sessions.begin() as session:
        claimed = session.execute(
            update(LongTermState)
            .where(LongTermState.document_id == doc_id, LongTermState.next_check <= moment)
            .values(next_check=moment + RETRY_LATER)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        state = session.get(LongTermState, doc_id)
        assert state is not None
        session.expunge(state)
        return state


def run_longterm(
    sessions: sessionmaker[Session],
    vault: Vault,
    settings: SigningSettings,
    *,
    limit: int = 500,
    now: dt.datetime | None = None,
) -> LongTermReport:
    """Enrol new documents, then upgrade or renew up to `limit` due ones; failures are retried an hour later.

    No transaction is held while a document is signed and stored (the vault opens its own)."""
    moment = now or dt.datetime.now(dt.UTC)
    report = LongTermReport()
    with sessions.begin() as session:
        report.enrolled = enrol(session, settings, moment)
    with sessions() as session:
        due = session.execute(
            select(LongTermState.document_id, Document.signature_verdict)
            .join(Document, Document.id == LongTermState.document_id)
            .where(LongTermState.next_check <= moment, LongTermState.level != SignatureLevel.B_B.value)
            .limit(limit)
        ).all()
    for doc_id, verdict in due:
        state = _claim(sessions, doc_id, moment)
        if state is None:
            continue
        reason = skip_reason(verdict)
        try:
            if reason is not None:
                state.next_check, state.last_error, change = moment + RECHECK, reason, None
                report.skipped[doc_id] = reason
                log.info("long-term step skipped", document=doc_id, verdict=verdict)
            else:
                change = _process(vault, state, settings, moment)
        except SigningError as exc:
            state.next_check, state.last_error, change = moment + RETRY_LATER, str(exc)[:500], None
            report.postponed.append(doc_id)
            log.info("long-term step postponed", document=doc_id, reason=type(exc).__name__)
        with sessions.begin() as session:
            session.merge(state)
        if change == "upgraded":
            report.upgraded.append(doc_id)
        elif change == "renewed":
            report.renewed.append(doc_id)
    return report
