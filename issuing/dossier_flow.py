"""A dossier's moves as the agency makes them: the deadline on the working calendar (stopped while papers are
awaited, counted again from the start when they arrive, moved by an apology), the notice signed and stored for the
moves that need one, the move recorded (`Vault.transition`), and the agency's webhooks told.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from pyhanko.pdf_utils.reader import PdfFileReader

from core.timezone import now_vn, to_vn
from core.types import Actor, DocumentKind, DocumentStatus
from issuing.agency import Issuer, sign_notice
from issuing.calendar import (
    Appointment,
    CalendarError,
    ProcedureTable,
    UnknownProcedure,
    WorkingCalendar,
    default_calendar,
    default_procedures,
)
from issuing.notices import PURPOSES, TITLES, TYPE_CODES, Notice, NoticeKind, render_notice
from issuing.paper import Heading, when_vi
from issuing.settings import issuing_settings
from vault.errors import InvalidInput, VaultError
from vault.lifecycle import OPEN, Action, State, Step
from vault.records import DossierEventRecord, DossierRecord, NewDocument
from vault.service import Vault

EVENT_OF: dict[Action, str] = {
    Action.RECEIVE: "dossier.received",
    Action.ASSIGN: "dossier.assigned",
    Action.REQUEST_SUPPLEMENT: "dossier.supplement_requested",
    Action.RECEIVE_SUPPLEMENT: "dossier.supplement_received",
    Action.APOLOGISE: "dossier.apologised",
    Action.RESULT_READY: "dossier.result_ready",
    Action.RETURN: "dossier.returned",
    Action.REFUSE: "dossier.refused",
    Action.WITHDRAW: "dossier.withdrawn",
}
NOTICE_OF: dict[Action, NoticeKind] = {
    Action.REQUEST_SUPPLEMENT: "supplement",
    Action.REFUSE: "refusal",
    Action.APOLOGISE: "apology",
}


@dataclass(frozen=True)
class MoveRequest:
    """What a handler asks: the move, the department (assign), the reason, the missing papers (supplement), the
    new date (apology)."""

    action: Action
    department: str | None = None
    reason: str | None = None
    missing: tuple[str, ...] = ()
    new_date: dt.datetime | None = None


@dataclass(frozen=True)
class Clock:
    """Where a dossier stands against its deadline: the deadline in force (None while stopped or unknown), the
    appointment (start of the session after it), whether the clock is stopped, whether it is late."""

    deadline: dt.datetime | None
    appointment_at: dt.datetime | None
    stopped: bool
    overdue: bool


@dataclass(frozen=True)
class Moved:
    event: DossierEventRecord
    notice_id: str | None


def _tables(
    calendar: WorkingCalendar | None, procedures: ProcedureTable | None
) -> tuple[WorkingCalendar, ProcedureTable]:
    return calendar or default_calendar(), procedures or default_procedures()


class Timed(Protocol):
    """What a dossier's clock reads of it: a `DossierRecord`, or the public `DossierState` (nothing personal)."""

    @property
    def procedure_code(self) -> str: ...
    @property
    def received_at(self) -> dt.datetime: ...
    @property
    def status(self) -> str: ...
    @property
    def due_at(self) -> dt.datetime | None: ...


def receipt_appointment(
    dossier: Timed, calendar: WorkingCalendar | None = None, procedures: ProcedureTable | None = None
) -> Appointment | None:
    """The deadline and appointment the receipt printed: the processing time from reception on the working
    calendar; None when the procedure or the year is not in the tables."""
    calendar, procedures = _tables(calendar, procedures)
    try:
        time = procedures.get(dossier.procedure_code).processing_time
        return calendar.appointment(dossier.received_at, time)
    except (UnknownProcedure, CalendarError):
        return None


def deadline_of(
    dossier: Timed, calendar: WorkingCalendar | None = None, procedures: ProcedureTable | None = None
) -> dt.datetime | None:
    """The deadline in force: the one an event set (supplement received, apology), else the processing time from
    reception on the working calendar; None when the procedure or the year is not in the tables."""
    if dossier.due_at is not None:
        return dossier.due_at
    printed = receipt_appointment(dossier, calendar, procedures)
    return printed.deadline if printed else None


def clock(
    dossier: Timed,
    events: Sequence[DossierEventRecord],
    *,
    now: dt.datetime | None = None,
    calendar: WorkingCalendar | None = None,
    procedures: ProcedureTable | None = None,
) -> Clock:
    """The dossier's clock: stopped while a supplement is awaited; late when open past the deadline, or when the
    result was ready after it."""
    calendar, procedures = _tables(calendar, procedures)
    if dossier.status == State.SUPPLEMENT_REQUESTED:
        return Clock(deadline=None, appointment_at=None, stopped=True, overdue=False)
    deadline = deadline_of(dossier, calendar, procedures)
    try:
        appointment = calendar.next_session_start(deadline) if deadline else None
    except CalendarError:  # a deadline beyond the calendar's years (stored before the check above): shown as it is
        appointment = deadline
    moment = now or dt.datetime.now(dt.UTC)
    ready = [event.at for event in events if event.action == Action.RESULT_READY]
    if deadline is None:
        overdue = False
    elif dossier.status in OPEN:
        overdue = moment > deadline
    elif dossier.status in (State.RESULT_READY, State.RETURNED):
        overdue = bool(ready) and ready[-1] > deadline
    else:
        overdue = False
    return Clock(deadline=deadline, appointment_at=appointment, stopped=False, overdue=overdue)


def _due(
    dossier: DossierRecord,
    request: MoveRequest,
    now: dt.datetime,
    calendar: WorkingCalendar,
    procedures: ProcedureTable,
) -> tuple[bool, dt.datetime | None]:
    """(set, deadline) after the move: counted again from the start when papers arrive; the apology's date."""
    if request.action is Action.RECEIVE_SUPPLEMENT:
        try:
            time = procedures.get(dossier.procedure_code).processing_time
            return True, calendar.add_working_time(now, time)
        except (UnknownProcedure, CalendarError):
            return False, None
    if request.action is Action.APOLOGISE:
        current = deadline_of(dossier, calendar, procedures)
        if request.new_date is None or request.new_date.tzinfo is None:
            raise InvalidInput("an apology gives the new date with its time zone", field="new_date")
        if request.new_date <= now or (current is not None and request.new_date <= current):
            raise InvalidInput("the new date must be later than now and than the deadline missed", field="new_date")
        try:  # a year the calendar has no holidays for would break every later reading of this dossier's clock
            calendar.next_session_start(request.new_date)
        except CalendarError as exc:
            raise InvalidInput(f"the new date is outside the working calendar: {exc}", field="new_date") from exc
        return True, request.new_date
    return False, None


def _note(request: MoveRequest) -> str | None:
    parts = []
    if request.missing:
        parts.append("Cần bổ sung: " + "; ".join(request.missing))
    if request.reason:
        parts.append(f"Lý do: {request.reason}")
    if request.new_date is not None and request.action is Action.APOLOGISE:
        parts.append(f"Hẹn lại: {when_vi(request.new_date)}")
    return ". ".join(parts) or None


def _checked(request: MoveRequest) -> MoveRequest:
    reason = (request.reason or "").strip() or None
    missing = tuple(item.strip() for item in request.missing if item.strip())
    if request.action is Action.REQUEST_SUPPLEMENT and not missing:
        raise InvalidInput("list the papers or contents to supplement", field="missing")
    if request.action in (Action.REFUSE, Action.APOLOGISE) and not reason:
        raise InvalidInput("give the reason", field="reason")
    if request.action is Action.ASSIGN and not (request.department or "").strip():
        raise InvalidInput("name the department that handles the dossier", field="department")
    return MoveRequest(request.action, (request.department or "").strip() or None, reason, missing, request.new_date)


def _issue_notice(
    vault: Vault,
    dossier: DossierRecord,
    kind: NoticeKind,
    request: MoveRequest,
    actor: Actor,
    issuer: Issuer,
    procedures: ProcedureTable,
    deadline: dt.datetime | None,
) -> str:
    """Render, sign (the agency's identity) and store the notice in the owner's vault; its document id."""
    settings = issuing_settings()
    agency = settings.agency_name(dossier.agency_code)
    try:
        procedure_name = procedures.get(dossier.procedure_code).name
    except UnknownProcedure:
        procedure_name = ""
    owner = vault.ensure_owner(dossier.owner_id)
    issued = now_vn()
    notice = Notice(
        kind=kind,
        heading=Heading(agency),
        dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        procedure_name=procedure_name,
        owner_name=owner.display_name or "",
        owner_id=dossier.owner_id,
        received_at=dossier.received_at,
        reason=request.reason or "Hồ sơ chưa đầy đủ, chưa hợp lệ theo quy định.",
        items=request.missing,
        deadline=deadline,
        new_date=request.new_date,
        officer_name=actor.name or "",
        issued_at=issued,
    )
    outcome = sign_notice(render_notice(notice), agency, issuer.agency_signer(), at=issued)
    signed = outcome.pdf
    new = NewDocument(
        owner_id=dossier.owner_id,
        name=TITLES[kind],
        kind=DocumentKind.NOTICE,
        type_code=TYPE_CODES[kind],
        issuing_agency_code=dossier.agency_code,
        issue_date=to_vn(issued).date(),
        source_dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        page_count=int(PdfFileReader(io.BytesIO(signed)).root["/Pages"]["/Count"]),
    )
    writer = replace(actor, purpose=PURPOSES[kind])  # why it is written, not why the handler read the dossier
    return vault.store_document(new, signed, writer, signature_level=outcome.level).id


def advance(
    vault: Vault,
    code: str,
    request: MoveRequest,
    actor: Actor,
    issuer: Issuer,
    *,
    calendar: WorkingCalendar | None = None,
    procedures: ProcedureTable | None = None,
) -> Moved:
    """Make one move: checked first (who, from which state: nothing is signed or stored for a refused move), the
    deadline set, the notice issued when the move needs one, the event recorded, the webhooks told."""
    request = _checked(request)
    dossier = vault.check_transition(code, request.action, actor)
    calendar, procedures = _tables(calendar, procedures)
    now = dt.datetime.now(dt.UTC)
    set_due, due = _due(dossier, request, now, calendar, procedures)
    kind = NOTICE_OF.get(request.action)
    notice_id = None
    if kind is not None:
        missed = deadline_of(dossier, calendar, procedures)
        notice_id = _issue_notice(vault, dossier, kind, request, actor, issuer, procedures, missed)
    step = Step(request.department, _note(request), due, set_due, notice_id)
    try:
        event = vault.transition(code, request.action, actor, step)
    except VaultError:  # moved by someone else meanwhile (a double click): the notice issued for nothing is void
        if notice_id is not None:
            vault.set_status(notice_id, DocumentStatus.CANCELLED, "Bước xử lý không được ghi nhận", actor)
        raise
    issuer.notify(EVENT_OF[request.action], dossier.agency_code, event_payload(event))
    return Moved(event=event, notice_id=notice_id)


def event_payload(event: DossierEventRecord) -> dict[str, Any]:
    """The webhook payload of a move: codes, states, department, times and the notice; no personal data."""
    return {
        "dossier_code": event.dossier_code,
        "action": event.action,
        "from_state": event.from_state,
        "state": event.to_state,
        "department": event.department,
        "at": event.at.isoformat(),
        "deadline": event.due_at.isoformat() if event.due_at else None,
        "notice_document_id": event.notice_document_id,
    }


def announce_opening(vault: Vault, issuer: Issuer, code: str, actor: Actor) -> None:
    """Tell the agency's webhooks a dossier was opened (`dossier.received`, its first event): every opening does,
    whether a station's scan batch, the counter without scanning or a citizen online."""
    dossier, events = vault.dossier_history(code, actor)
    issuer.notify(EVENT_OF[Action.RECEIVE], dossier.agency_code, event_payload(events[0]))
