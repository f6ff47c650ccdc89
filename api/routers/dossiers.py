"""Dossiers for case handlers: a dossier's documents with component names, kinds, page counts, signature
verdicts and which were reused, its state, department, clock and history; the moves of its life (supplement
request, refusal, apology with signed notices); and dossiers opened at the counter without scanning, reusing the
citizen's vault papers with the consent code the citizen read out. Only the dossier's agency (its stations and
handlers), its owner and admins see it (the vault's rule, `vault.access.dossier_visible`); anyone else gets a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.auth import Purposeful, require_roles
from api.dossier_views import (
    DossierEventOut,
    DossierStatus,
    OpenedOut,
    dossier_status,
    event_out,
    known_procedure,
    opened_out,
)
from api.problems import Problem
from api.schemas import DossierOut, dossier_documents_out
from api.services import Svc, services_of
from api.views import ISSUING_RESPONSES, model_json
from core.types import Actor, Role
from issuing.dossier_flow import MoveRequest, advance
from vault.lifecycle import Action
from vault.records import ConsentRecord

router = APIRouter(prefix="/api/v1/dossiers", tags=["dossiers"], responses=ISSUING_RESPONSES)
Handler = Annotated[Actor, Depends(require_roles(Role.HANDLER, Role.ADMIN))]
Counter = Annotated[Actor, Depends(require_roles(Role.STATION, Role.HANDLER))]
MOVE_ACTIONS = tuple(action for action in Action if action is not Action.RECEIVE)


class DossierLifeOut(DossierOut):
    life: DossierStatus
    events: list[DossierEventOut]


@router.get("/{code}", response_model=DossierLifeOut, summary="A dossier, its documents, its clock and its history")
def get_dossier(code: str, actor: Purposeful, request: Request) -> Response:
    svc = services_of(request)
    read = svc.vault.read_dossier(code, actor)  # one read; each document's read authorised and logged
    dossier = DossierLifeOut(
        **read.dossier.model_dump(),
        documents=dossier_documents_out(read.documents),
        life=dossier_status(svc, read.dossier, read.events, actor, completed=read.completed),
        events=[event_out(event) for event in read.events],
    )
    return model_json(dossier)


class MoveIn(BaseModel):
    """One move of the dossier's life. `department` for assign; `missing` (the papers or contents to supplement)
    for request_supplement; `reason` for refuse and apologise (and optionally the others); `new_date` for apologise."""

    model_config = ConfigDict(extra="forbid")

    action: Annotated[str, Field(json_schema_extra={"enum": [str(a) for a in MOVE_ACTIONS]})]
    department: Annotated[str | None, Field(max_length=255)] = None
    reason: Annotated[str | None, Field(max_length=2000)] = None
    missing: Annotated[list[Annotated[str, Field(max_length=500)]], Field(max_length=30)] = []
    new_date: dt.datetime | None = None


class MoveOut(BaseModel):
    event: DossierEventOut
    notice_document_id: str | None = Field(description="the signed notice stored in the owner's vault, if any")
    life: DossierStatus


@router.post(
    "/{code}/transitions",
    response_model=MoveOut,
    status_code=201,
    summary="Move the dossier: assign, request a supplement, receive it, apologise, result ready, return, refuse",
)
def move(code: str, body: MoveIn, actor: Handler, svc: Svc) -> MoveOut:
    if body.action not in {str(a) for a in MOVE_ACTIONS}:
        raise Problem(422, f"unknown action {body.action!r}; one of {', '.join(map(str, MOVE_ACTIONS))}")
    request = MoveRequest(Action(body.action), body.department, body.reason, tuple(body.missing), body.new_date)
    moved = advance(svc.vault, code, request, actor, svc.issuer)
    dossier, events = svc.vault.dossier_history(code, actor)
    return MoveOut(
        event=event_out(moved.event),
        notice_document_id=moved.notice_id,
        life=dossier_status(svc, dossier, events, actor),
    )


class Reuse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_id: Annotated[str, Field(min_length=1, max_length=32)]
    component_name: Annotated[str | None, Field(max_length=500)] = None


class ConsentIn(BaseModel):
    """The papers to reuse: by id, or by document type code (the newest usable paper of each type the citizen's
    vault holds: "already in the vault, don't rescan")."""

    model_config = ConfigDict(extra="forbid")

    owner_id: Annotated[str, Field(min_length=9, max_length=16)]
    procedure_code: Annotated[str, Field(min_length=1, max_length=64)]
    document_ids: Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=30)] = []
    type_codes: Annotated[list[Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,50}$")]], Field(max_length=30)] = []

    @model_validator(mode="after")
    def _one_way(self) -> ConsentIn:
        if bool(self.document_ids) == bool(self.type_codes):
            raise ValueError("name either document_ids or type_codes")
        return self


class ConsentGiven(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_id: Annotated[str, Field(min_length=1, max_length=32)]
    code: Annotated[str, Field(pattern=r"^\s*\d{6}\s*$")]


class CounterOpenIn(BaseModel):
    """A dossier opened at the counter without scanning: the citizen, the procedure and the vault papers reused
    (with the consent request and the code the citizen read from their own account; no `documents`: every paper
    the request named)."""

    model_config = ConfigDict(extra="forbid")

    owner_id: Annotated[str, Field(min_length=9, max_length=16)]
    owner_name: Annotated[str | None, Field(max_length=255)] = None
    procedure_code: Annotated[str, Field(min_length=1, max_length=64)]
    documents: Annotated[list[Reuse], Field(max_length=30)] = []
    consent: ConsentGiven | None = None


@router.post(
    "/consent-requests",
    response_model=ConsentRecord,
    status_code=201,
    summary="Ask the citizen's consent to reuse vault papers: a one-time code appears in the citizen's account",
)
def request_consent(body: ConsentIn, actor: Counter, svc: Svc) -> ConsentRecord:
    assert actor.agency_code is not None
    known_procedure(body.procedure_code)
    return svc.vault.request_consent(
        body.owner_id, actor.agency_code, body.procedure_code, body.document_ids, actor, body.type_codes
    )


@router.post("", response_model=OpenedOut, status_code=201, summary="Open a dossier at the counter without scanning")
def open_at_counter(body: CounterOpenIn, actor: Counter, svc: Svc) -> OpenedOut:
    assert actor.agency_code is not None
    known_procedure(body.procedure_code)
    consent = (body.consent.request_id, body.consent.code) if body.consent else None
    dossier, linked = svc.vault.open_with_documents(
        actor.agency_code,
        body.procedure_code,
        body.owner_id,
        [(doc.document_id, doc.component_name) for doc in body.documents],
        actor,
        consent=consent,
        owner_name=body.owner_name,
    )
    return opened_out(svc, dossier, linked, actor)
