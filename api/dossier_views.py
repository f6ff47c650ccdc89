"""A dossier's life as the routers and pages show it: Vietnamese labels of its states and moves, its clock
(deadline, appointment, stopped, late) and its events, shared by the handlers', the owner's and the public views.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from api.problems import Problem
from api.schemas import DossierDocumentOut, dossier_documents_out
from api.services import Services
from core.types import Actor
from issuing.calendar import UnknownProcedure, default_procedures
from issuing.dossier_flow import announce_opening, clock
from issuing.settings import issuing_settings
from vault.lifecycle import Action, allowed
from vault.records import DossierEventRecord, DossierRecord, LinkedDocument

DOSSIER_STATES: dict[str, tuple[str, str]] = {  # each state as people read it: (Vietnamese, English)
    "received": ("Đã tiếp nhận", "Received"),
    "processing": ("Đang giải quyết", "In progress"),
    "supplement_requested": ("Chờ bổ sung hồ sơ", "Waiting for more papers"),
    "result_ready": ("Đã có kết quả", "Result ready"),
    "returned": ("Đã trả kết quả", "Result handed over"),
    "refused": ("Từ chối giải quyết", "Refused"),
    "withdrawn": ("Đã rút hồ sơ", "Withdrawn"),
    "completed": ("Đã có kết quả", "Result ready"),
}
STATE_LABELS = {state: vi for state, (vi, _) in DOSSIER_STATES.items()}


def state_label(state: str, lang: str = "vi") -> str:
    """A dossier's state as people read it, in Vietnamese or English (the raw value only for an unknown state)."""
    labels = DOSSIER_STATES.get(state)
    return state if labels is None else labels[1 if lang == "en" else 0]


ACTION_LABELS = {
    "receive": "Tiếp nhận hồ sơ",
    "assign": "Chuyển phòng giải quyết",
    "request_supplement": "Yêu cầu bổ sung, hoàn thiện hồ sơ",
    "receive_supplement": "Nhận đủ hồ sơ bổ sung",
    "apologise": "Xin lỗi và hẹn lại ngày trả kết quả",
    "result_ready": "Có kết quả giải quyết",
    "return": "Trả kết quả cho công dân",
    "refuse": "Từ chối giải quyết",
    "withdraw": "Rút hồ sơ",
}
CHANNEL_LABELS = {"scan": "Quét tại quầy", "counter": "Tại quầy, dùng giấy tờ trong kho", "online": "Trực tuyến"}


class DossierEventOut(DossierEventRecord):
    action_vi: str
    to_state_vi: str


class DossierStatus(BaseModel):
    """A dossier's state, department and clock, for those who may see the dossier."""

    code: str
    agency_code: str
    agency_name: str
    procedure_code: str
    received_at: dt.datetime
    state: str
    state_vi: str
    department: str | None
    channel: str
    deadline: dt.datetime | None = Field(description="the deadline in force (working calendar); null while stopped")
    appointment_at: dt.datetime | None
    clock_stopped: bool = Field(description="true while a supplement is awaited (the clock starts over after it)")
    overdue: bool
    moves: list[str] = Field(description="the moves the caller may make now")


class OpenedOut(BaseModel):
    life: DossierStatus
    documents: list[DossierDocumentOut]


def public_state(status: str, completed: bool) -> str:
    """What the public sees: `completed` for an open dossier whose valid result is stored, else its state."""
    return "completed" if completed and status in ("received", "processing") else status


def event_out(event: DossierEventRecord) -> DossierEventOut:
    return DossierEventOut(
        **event.model_dump(),
        action_vi=ACTION_LABELS.get(event.action, event.action),
        to_state_vi=STATE_LABELS.get(event.to_state, event.to_state),
    )


def allowed_moves(dossier: DossierRecord, actor: Actor) -> list[str]:
    """The moves this actor may make from the dossier's state (the vault's rule, asked without writing)."""
    return [str(action) for action in Action if allowed(dossier, action, actor)]


def dossier_status(
    svc: Services,
    dossier: DossierRecord,
    events: list[DossierEventRecord],
    actor: Actor,
    completed: bool | None = None,
) -> DossierStatus:
    """The dossier's state, department and clock for a reader who may see it (`completed`: whether a valid result
    is stored, when the caller read it already)."""
    if completed is None:
        completed = svc.vault.dossier_state(dossier.code).completed
    state = public_state(dossier.status, completed)
    ticking = clock(dossier, events)
    return DossierStatus(
        code=dossier.code,
        agency_code=dossier.agency_code,
        agency_name=issuing_settings().agency_name(dossier.agency_code),
        procedure_code=dossier.procedure_code,
        received_at=dossier.received_at,
        state=state,
        state_vi=STATE_LABELS.get(state, state),
        department=dossier.department,
        channel=dossier.channel,
        deadline=ticking.deadline,
        appointment_at=ticking.appointment_at,
        clock_stopped=ticking.stopped,
        overdue=ticking.overdue,
        moves=allowed_moves(dossier, actor),
    )


def known_procedure(code: str) -> None:
    """A dossier opened without scanning needs the procedure's processing time (its deadline): 422 otherwise."""
    try:
        default_procedures().get(code)
    except UnknownProcedure:
        raise Problem(422, f"procedure {code} is not in the procedure table") from None


def opened_out(svc: Services, dossier: DossierRecord, linked: list[LinkedDocument], actor: Actor) -> OpenedOut:
    """A dossier just opened without scanning (at the counter or online): announced, then its state and papers."""
    announce_opening(svc.vault, svc.issuer, dossier.code, actor)
    _record, events = svc.vault.dossier_history(dossier.code, actor)
    return OpenedOut(life=dossier_status(svc, dossier, events, actor), documents=dossier_documents_out(linked))
