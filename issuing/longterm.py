"""Long-term validation of what the vault keeps: documents signed at B-B (the TSA down at signing), B-T or B-LT are
upgraded to B-LTA once the TSA and revocation data can be had, and B-LTA documents get a new archive timestamp before
the last one's TSA certificate expires. Each change is a new version of the document (the earlier one stays).

The job keeps its own state per document (level reached, next check), so each run touches only what is due.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Integer, String, Text, and_, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.logging import get_logger
from core.types import Actor, DocumentKind, Role, SignatureLevel, Verdict
from issuing.models import IssuingBase
from signing.errors import SigningError, TimestampUnavailableError
from signing.longterm import lacks_timestamp, renew_archive_timestamp, upgrade_to_lta
from signing.settings import SigningSettings
from vault.models import Document
from vault.service import Vault

log = get_logger("sohoa.longterm")
SYSTEM = Actor("sohoa-longterm", Role.ADMIN, purpose="lưu trữ dài hạn chữ ký số")
RETRY_LATER = dt.timedelta(hours=1)  # revocation data or the TSA not available yet
RECHECK = dt.timedelta(days=30)  # the next look at a document done with (or skipped) for now
TSA_DOWN = "TSA không phản hồi"  # the start of a postponed step's reason when the time-stamping authority failed
ENROL_PER_RUN = 10_000  # files read to enrol per run (≈ 6 ms CPU each): above a busy site's daily intake
UPGRADED = (SignatureLevel.B_B.value, SignatureLevel.B_T.value, SignatureLevel.B_LT.value)  # raised to B-LTA


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


def enrol(
    sessions: sessionmaker[Session], vault: Vault, settings: SigningSettings, now: dt.datetime, limit: int
) -> int:
    """Start tracking up to `limit` documents not tracked yet, at the level they reached: B-B when a signature has
    no timestamp (due now: upgraded once the TSA answers), else the level their kind is signed at (B-LTA: first
    look in 30 days). Each file is read once, outside any transaction (the vault opens its own)."""
    tracked = select(LongTermState.document_id)
    with sessions() as session:
        rows = session.execute(
            select(Document.id, Document.kind, Document.current_version).where(Document.id.not_in(tracked)).limit(limit)
        ).all()
    states = []
    for doc_id, kind, version in rows:
        level = settings.level_for(DocumentKind(kind))
        if level is not SignatureLevel.B_B and _signed_at_bb(vault, doc_id):
            level, due = SignatureLevel.B_B, now
        else:
            due = now if level is not SignatureLevel.B_LTA else now + RECHECK
        states.append(LongTermState(document_id=doc_id, version=version, level=level.value, next_check=due))
    with sessions.begin() as session:
        session.add_all(states)
    return len(states)


def _signed_at_bb(vault: Vault, doc_id: str) -> bool:
    """Whether the stored file has a signature without a timestamp; a file pyHanko cannot read is left as its kind
    says (its step then fails and is retried, as before)."""
    try:
        return lacks_timestamp(_read(vault, doc_id))
    except SigningError:
        return False


def awaiting_upgrade(settings: SigningSettings) -> ColumnElement[bool]:
    """Documents at B-B that are to be raised: their kind asks for more than B-B (the TSA was down at signing)."""
    at_bb = [kind.value for kind in DocumentKind if settings.level_for(kind) is SignatureLevel.B_B]
    return and_(LongTermState.level == SignatureLevel.B_B.value, Document.kind.not_in(at_bb))


def _read(vault: Vault, doc_id: str) -> bytes:
    with vault.open_content(doc_id, SYSTEM) as content:
        data: bytes = content.read()
    return data


def _process(vault: Vault, state: LongTermState, settings: SigningSettings, now: dt.datetime) -> str | None:
    """Upgrade or renew one document; the change made ("upgraded", "renewed") or None. Updates `state`."""
    pdf = _read(vault, state.document_id)
    change = None
    if state.level in UPGRADED:
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
    enrol_limit: int = ENROL_PER_RUN,
) -> LongTermReport:
    """Enrol up to `enrol_limit` new documents, then upgrade or renew up to `limit` due ones; failures are retried
    an hour later (the reason starting with `TSA_DOWN` when the time-stamping authority did not answer).

    No transaction is held while a document is signed and stored (the vault opens its own)."""
    moment = now or dt.datetime.now(dt.UTC)
    report = LongTermReport()
    report.enrolled = enrol(sessions, vault, settings, moment, enrol_limit)
    with sessions() as session:
        due = session.execute(
            select(LongTermState.document_id, Document.signature_verdict)
            .join(Document, Document.id == LongTermState.document_id)
            .where(
                LongTermState.next_check <= moment,
                or_(LongTermState.level != SignatureLevel.B_B.value, awaiting_upgrade(settings)),
            )
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
            error = f"{TSA_DOWN}: {exc}" if isinstance(exc, TimestampUnavailableError) else str(exc)
            state.next_check, state.last_error, change = moment + RETRY_LATER, error[:500], None
            report.postponed.append(doc_id)
            log.info("long-term step postponed", document=doc_id, reason=type(exc).__name__)
        with sessions.begin() as session:
            session.merge(state)
        if change == "upgraded":
            report.upgraded.append(doc_id)
        elif change == "renewed":
            report.renewed.append(doc_id)
    return report
