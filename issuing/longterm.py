"""Long-term validation of what the vault keeps: documents signed at B-B (the TSA down at signing), B-T or B-LT are
upgraded to B-LTA once the TSA and revocation data can be had, and B-LTA documents get a new archive timestamp before
the last one's TSA certificate expires. Each change is a new version of the document (the earlier one stays).

The job keeps its own state per document (level reached, next check), so each run touches only what is due; the
level comes from the one stored with each version (`document_versions.signature_level`), not from the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Integer, Select, String, Text, and_, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.logging import get_logger
from core.types import Actor, DocumentKind, Role, SignatureLevel, Verdict
from issuing.models import IssuingBase
from signing.errors import SigningError, TimestampUnavailableError
from signing.longterm import check_tsa, lacks_timestamp, renew_archive_timestamp, upgrade_to_lta
from signing.settings import SigningSettings
from vault.models import Document, DocumentVersion
from vault.service import Vault

log = get_logger("sohoa.longterm")
SYSTEM = Actor("sohoa-longterm", Role.ADMIN, purpose="lưu trữ dài hạn chữ ký số")
RETRY_LATER = dt.timedelta(hours=1)  # revocation data or the TSA not available yet
RECHECK = dt.timedelta(days=30)  # the next look at a document done with (or skipped) for now
TSA_DOWN = "TSA không phản hồi"  # the start of a postponed step's reason when the time-stamping authority failed
ENROL_PER_RUN = 10_000  # documents enrolled per run (a file read, ≈ 6 ms CPU, only without a stored level)
UPGRADED = (SignatureLevel.B_B.value, SignatureLevel.B_T.value, SignatureLevel.B_LT.value)  # raised to B-LTA


class LongTermState(IssuingBase):
    __tablename__ = "ingest_longterm"

    document_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(8), index=True)  # the B-B count reads it (ingest migration 0011)
    next_check: Mapped[dt.datetime] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)


@dataclass
class LongTermReport:
    enrolled: int = 0  # documents tracked from now on, or followed to a version the job did not make
    upgraded: list[str] = field(default_factory=list)
    renewed: list[str] = field(default_factory=list)
    postponed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # document id → why it is not upgraded


def enrol(
    sessions: sessionmaker[Session], vault: Vault, settings: SigningSettings, now: dt.datetime, limit: int
) -> int:
    """Start tracking up to `limit` documents not tracked yet, and follow tracked documents to a version the job
    did not make (a correction signed while the TSA was down is due again); returns how many. The level is the one
    stored with the current version; a version stored without one (before levels were kept, or a received signed
    PDF whose validation found no PAdES level) has its file read once, outside any transaction (the vault opens
    its own)."""
    with sessions() as session:
        untracked = session.execute(
            _current_level().where(Document.id.not_in(select(LongTermState.document_id))).limit(limit)
        ).all()
        moved = session.execute(moved_on(max(limit - len(untracked), 0))).all()
    states = [_state(vault, settings, now, doc_id, kind, number, stored) for doc_id, kind, number, stored in untracked]
    with sessions.begin() as session:
        session.add_all(states)
    for doc_id, kind, number, stored in moved:
        state = _state(vault, settings, now, doc_id, kind, number, stored)
        with sessions.begin() as session:
            session.execute(
                update(LongTermState)
                .where(LongTermState.document_id == state.document_id, LongTermState.version < state.version)
                .values(version=state.version, level=state.level, next_check=state.next_check, last_error=None)
            )
    return len(states) + len(moved)


def moved_on(limit: int) -> Select[str, str, int, str | None]:
    """Tracked documents whose current version is newer than the one the job tracks, up to `limit`."""
    return (
        _current_level()
        .join(LongTermState, LongTermState.document_id == Document.id)
        # implied (a tracked version is at least 1), stated so the read starts from the few documents with a
        # second version (`ix_documents_current_version`) instead of joining every document to its state
        .where(Document.current_version > 1, Document.current_version > LongTermState.version)
        .limit(limit)
    )


def _current_level() -> Select[str, str, int, str | None]:
    """Each document's id, kind, current version number and the level stored with that version."""
    current = and_(DocumentVersion.document_id == Document.id, DocumentVersion.number == Document.current_version)
    return select(Document.id, Document.kind, Document.current_version, DocumentVersion.signature_level).outerjoin(
        DocumentVersion, current
    )


def _state(
    vault: Vault, settings: SigningSettings, now: dt.datetime, doc_id: str, kind: str, version: int, stored: str | None
) -> LongTermState:
    """The job's state for a document's current version: below B-LTA due now (upgraded once the TSA answers),
    B-LTA first looked at in 30 days."""
    level = SignatureLevel(stored) if stored is not None else _level_read(vault, settings, doc_id, kind)
    due = now if level is not SignatureLevel.B_LTA else now + RECHECK
    return LongTermState(document_id=doc_id, version=version, level=level.value, next_check=due)


def _level_read(vault: Vault, settings: SigningSettings, doc_id: str, kind: str) -> SignatureLevel:
    """A version stored without its level: B-B when its file has a signature without a timestamp, else the level
    its kind is signed at (the file read once, as before levels were kept)."""
    level = settings.level_for(DocumentKind(kind))
    if level is not SignatureLevel.B_B and _signed_at_bb(vault, doc_id):
        return SignatureLevel.B_B
    return level


def _signed_at_bb(vault: Vault, doc_id: str) -> bool:
    """Whether the stored file has a signature without a timestamp; a file pyHanko cannot read is left as its kind
    says (its step then fails and is retried, as before)."""
    try:
        return lacks_timestamp(_read(vault, doc_id))
    except SigningError:
        return False


def kinds_at_bb(settings: SigningSettings) -> list[str]:
    """The document kinds configured to be signed at B-B (`SOHOA_SIGNING_LEVELS`): never raised."""
    return [kind.value for kind in DocumentKind if settings.level_for(kind) is SignatureLevel.B_B]


def awaiting_upgrade(settings: SigningSettings) -> ColumnElement[bool]:
    """Documents at B-B that are to be raised: their kind asks for more than B-B (the TSA was down at signing)."""
    return and_(LongTermState.level == SignatureLevel.B_B.value, Document.kind.not_in(kinds_at_bb(settings)))


def _read(vault: Vault, doc_id: str) -> bytes:
    with vault.open_content(doc_id, SYSTEM) as content:
        data: bytes = content.read()
    return data


class TsaCheck:
    """Whether the TSA answers, asked once a run before the first file to upgrade is read: while it does not, the
    upgrades are postponed without reading their files (each read is logged in the citizen's access log)."""

    def __init__(self, settings: SigningSettings) -> None:
        self.settings = settings
        self.answer: str | None = None  # None: not asked yet; "": it answered; else why it did not

    def check(self) -> None:
        if self.answer is None:
            try:
                check_tsa(settings=self.settings)
                self.answer = ""
            except TimestampUnavailableError as exc:
                self.answer = str(exc)
        if self.answer:
            raise TimestampUnavailableError(self.answer)


def _process(
    vault: Vault, state: LongTermState, settings: SigningSettings, now: dt.datetime, tsa: TsaCheck
) -> str | None:
    """Upgrade or renew one document; the change made ("upgraded", "renewed") or None. Updates `state`."""
    if state.level in UPGRADED:
        tsa.check()
    pdf = _read(vault, state.document_id)
    change = None
    if state.level in UPGRADED:
        upgraded = upgrade_to_lta(pdf, settings=settings)
        record = vault.new_version(state.document_id, upgraded, SYSTEM, signature_level=SignatureLevel.B_LTA)
        state.level, state.version, change = SignatureLevel.B_LTA.value, record.current_version, "upgraded"
    elif state.level == SignatureLevel.B_LTA.value:
        renewed = renew_archive_timestamp(pdf, settings=settings, now=now)
        if renewed is not None:
            record = vault.new_version(state.document_id, renewed, SYSTEM, signature_level=SignatureLevel.B_LTA)
            state.version, change = record.current_version, "renewed"
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
    an hour later (the reason starting with `TSA_DOWN` when the time-stamping authority did not answer: asked once
    a run, before the first file to upgrade is read, so no file is read while it is down).

    No transaction is held while a document is signed and stored (the vault opens its own)."""
    moment = now or dt.datetime.now(dt.UTC)
    report, tsa = LongTermReport(), TsaCheck(settings)
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
                change = _process(vault, state, settings, moment, tsa)
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
