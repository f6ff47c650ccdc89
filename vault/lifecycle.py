"""The dossier's life, written once: its states, the legal moves, who may make each, and `transition`, the one
function that records a move (state, department, deadline and an event row) in the caller's session.

Each move writes its portal message (`vault.outbox`) in the same transaction; callers that write beside a move
call `transition(session, ...)` inside their own `sessions.begin()` block (docs/dossiers.md, docs/portal.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, Table, bindparam, select
from sqlalchemy.orm import Session

from core.types import Actor, Role
from vault import outbox
from vault.access import dossier_visible
from vault.errors import Conflict, Forbidden, InvalidInput, NotFound
from vault.models import Dossier, DossierEvent, utcnow
from vault.records import DossierEventRecord, DossierRecord


class State(StrEnum):
    RECEIVED = "received"  # tiếp nhận
    PROCESSING = "processing"  # đang giải quyết (by a department)
    SUPPLEMENT_REQUESTED = "supplement_requested"  # yêu cầu bổ sung, hoàn thiện: the clock stops
    RESULT_READY = "result_ready"  # đã có kết quả
    RETURNED = "returned"  # đã trả kết quả
    REFUSED = "refused"  # từ chối giải quyết
    WITHDRAWN = "withdrawn"  # công dân rút hồ sơ


class Action(StrEnum):
    RECEIVE = "receive"  # the dossier is opened (scan batch, counter, online)
    ASSIGN = "assign"  # handed to (or moved between) departments
    REQUEST_SUPPLEMENT = "request_supplement"
    RECEIVE_SUPPLEMENT = "receive_supplement"  # the papers are complete again: the clock starts over
    APOLOGISE = "apologise"  # late: an apology with a new date (the state stays)
    RESULT_READY = "result_ready"
    RETURN = "return"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"


OPEN = frozenset({State.RECEIVED, State.PROCESSING})
FINAL = frozenset({State.RETURNED, State.REFUSED, State.WITHDRAWN})


@dataclass(frozen=True)
class Move:
    """A legal move: the states it leaves from, the state it reaches (None: stays), and who else may make it."""

    sources: frozenset[State]
    target: State | None
    owner_may: bool = False


MOVES: dict[Action, Move] = {
    Action.ASSIGN: Move(OPEN, State.PROCESSING),
    Action.REQUEST_SUPPLEMENT: Move(OPEN, State.SUPPLEMENT_REQUESTED),
    Action.RECEIVE_SUPPLEMENT: Move(frozenset({State.SUPPLEMENT_REQUESTED}), State.PROCESSING),
    Action.APOLOGISE: Move(OPEN, None),
    Action.RESULT_READY: Move(OPEN, State.RESULT_READY),
    Action.RETURN: Move(frozenset({State.RESULT_READY}), State.RETURNED),
    Action.REFUSE: Move(OPEN | {State.SUPPLEMENT_REQUESTED}, State.REFUSED),
    Action.WITHDRAW: Move(OPEN | {State.SUPPLEMENT_REQUESTED}, State.WITHDRAWN, owner_may=True),
}


@dataclass(frozen=True)
class Step:
    """What the caller says of a move: the department, a note (reason, missing papers), the deadline in force
    after it when `set_due` (None while stopped), and the notice issued for it."""

    department: str | None = None
    note: str | None = None
    due_at: dt.datetime | None = None
    set_due: bool = False
    notice_document_id: str | None = None


def dossier_for_update(session: Session, code: str, actor: Actor) -> Dossier:
    """The dossier row, locked for the move, if the actor may see it; NotFound otherwise (no existence oracle)."""
    dossier = session.execute(
        select(Dossier).where(Dossier.code == code).with_for_update(of=Dossier)  # not the joined owner: PostgreSQL
    ).scalar_one_or_none()
    if dossier is None or not dossier_visible(actor, dossier.agency_code, dossier.owner.owner_id):
        raise NotFound(f"no dossier {code}")
    return dossier


def _may(move: Move, agency_code: str, owner_id: str, actor: Actor) -> bool:
    handler = actor.role is Role.ADMIN or (actor.role is Role.HANDLER and actor.agency_code == agency_code)
    owner = actor.role is Role.CITIZEN and actor.owner_id == owner_id
    return handler or (owner and move.owner_may)


def check_move(dossier: Dossier, action: Action, actor: Actor) -> Move:
    """The move if this actor may make it from the dossier's state: Forbidden for the wrong role (the owner only
    withdraws; stations never move a dossier), Conflict (409) for a move the state does not allow."""
    move = MOVES.get(action)
    if move is None:
        raise InvalidInput(f"{action} is not a move a person makes", field="action")
    if not _may(move, dossier.agency_code, dossier.owner.owner_id, actor):
        raise Forbidden(f"only the agency's handlers may {action} a dossier")
    if dossier.status not in move.sources:
        raise Conflict(f"a dossier in state {dossier.status} cannot {action}", field="action")
    return move


def allowed(dossier: DossierRecord, action: Action, actor: Actor) -> bool:
    """Whether this actor may make this move now (what a page offers), by the same rule as `check_move`."""
    move = MOVES.get(action)
    if move is None or dossier.status not in move.sources:
        return False
    return _may(move, dossier.agency_code, dossier.owner_id, actor)


def _event(
    session: Session, dossier: Dossier, action: Action, before: str | None, actor: Actor, step: Step
) -> DossierEvent:
    event = DossierEvent(
        dossier_id=dossier.id,
        at=utcnow(),
        action=str(action),
        from_state=before,
        to_state=dossier.status,
        actor_subject=actor.subject,
        actor_role=str(actor.role),
        department=dossier.department,
        note=step.note,
        due_at=dossier.due_at,
        notice_document_id=step.notice_document_id,
    )
    session.add(event)
    session.flush()
    outbox.dossier_moved(session, dossier, event)
    return event


def transition(session: Session, code: str, action: Action, actor: Actor, step: Step) -> DossierEventRecord:
    """Record one move of a dossier in the caller's transaction: check who and from which state, set the new state,
    department and deadline, append the event, and return its record (flushed, with its id)."""
    dossier = dossier_for_update(session, code, actor)
    move = check_move(dossier, action, actor)
    if action is Action.ASSIGN and not (step.department and step.department.strip()):
        raise InvalidInput("name the department that handles the dossier", field="department")
    before = dossier.status
    if move.target is not None:
        dossier.status = str(move.target)
    if step.department:
        dossier.department = step.department.strip()
    if step.set_due:
        dossier.due_at = step.due_at
    return event_record(_event(session, dossier, action, before, actor, step), dossier.code)


def result_note(result_code: str | None) -> str:
    """The note of the move a stored electronic result makes (it names the result, so the move is found again)."""
    return f"Đã lưu kết quả điện tử {result_code}"


def result_stored(session: Session, dossier: Dossier, result_code: str | None, actor: Actor) -> DossierEvent | None:
    """A stored electronic result means the dossier has its result (Decree 61/2018 art. 20, "đã có kết quả"): the
    first one moves an open dossier (received, processing) to `result_ready` in the transaction that stores it,
    with its event and portal message. Any other state (a further result, a returned or stopped dossier) stays.
    The caller holds the dossier's row lock, so two results stored at once make one move."""
    if dossier.status not in OPEN:
        return None
    before = dossier.status
    dossier.status = str(State.RESULT_READY)
    return _event(session, dossier, Action.RESULT_READY, before, actor, Step(note=result_note(result_code)))


def record_receipt(session: Session, dossier: Dossier, actor: Actor | None, note: str | None = None) -> DossierEvent:
    """The first event of a dossier, written with its row: received, by whom (the system when no actor)."""
    who = actor or Actor("sohoa", Role.ADMIN)
    return _event(session, dossier, Action.RECEIVE, None, who, Step(note=note))


def event_record(event: DossierEvent | Row[Any], code: str) -> DossierEventRecord:
    return DossierEventRecord(
        id=event.id,
        dossier_code=code,
        at=event.at,
        action=event.action,
        from_state=event.from_state,
        to_state=event.to_state,
        actor_subject=event.actor_subject,
        actor_role=event.actor_role,
        department=event.department,
        note=event.note,
        due_at=event.due_at,
        notice_document_id=event.notice_document_id,
    )


_EVENTS: Table = DossierEvent.__table__  # type: ignore[assignment]
_EVENTS_OF = select(_EVENTS).where(_EVENTS.c.dossier_id == bindparam("dossier_id")).order_by(_EVENTS.c.id)


def events_of(session: Session | Connection, dossier: Dossier | Row[Any]) -> list[DossierEventRecord]:
    """A dossier's events, oldest first (Core rows: a dossier read shows them every time)."""
    rows = session.execute(_EVENTS_OF, {"dossier_id": dossier.id})
    return [event_record(row, dossier.code) for row in rows]
