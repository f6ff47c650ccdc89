"""The portal outbox for admins: its backlog, the dead letters, and their replay (docs/portal.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.auth import require_roles
from api.problems import PROBLEM_RESPONSES, Problem
from api.services import Svc
from core.types import Actor, Role
from issuing import portal

router = APIRouter(prefix="/api/v1/admin/portal-sync", tags=["portal sync"], responses=PROBLEM_RESPONSES)
Admin = Annotated[Actor, Depends(require_roles(Role.ADMIN))]


class OutboxStatus(BaseModel):
    configured: bool
    pending: int
    delivered: int
    dead: int
    oldest_pending_seconds: int
    dead_letters: list[portal.DeadLetter]  # the outbox's own record, as the API shows it


MessageId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: Annotated[list[MessageId] | None, Field(min_length=1, max_length=1000)] = None
    all: StrictBool = False  # JSON true/false only: 0 or "yes" is a 422, as the OpenAPI says


class Replayed(BaseModel):
    replayed: int


@router.get("", response_model=OutboxStatus)
def outbox_status(actor: Admin, services: Svc) -> OutboxStatus:
    """How many messages wait, were delivered, are dead; the dead letters with their last error."""
    with services.sessions() as session:
        counts = portal.backlog(session)
        letters = portal.dead_letters(session)
    return OutboxStatus(
        configured=bool(portal.portal_settings().sync_url),
        pending=counts["pending"],
        delivered=counts["delivered"],
        dead=counts["dead"],
        oldest_pending_seconds=counts["oldest_pending_seconds"],
        dead_letters=letters,
    )


@router.post("/replay", response_model=Replayed)
def replay_dead_letters(body: ReplayIn, actor: Admin, services: Svc) -> Replayed:
    """Put dead letters back in line (the ids given, or all with `"all": true`); the delivery task is sent."""
    if (body.ids is None) != body.all:
        raise Problem(422, 'give either "ids" or "all": true')
    with services.sessions.begin() as session:
        count = portal.replay(session, None if body.all else body.ids)
    return Replayed(replayed=count)
