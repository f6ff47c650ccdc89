"""Webhook registration for the one-stop system: an agency's handler (or an admin) registers a URL for events;
the secret that signs the notifications is returned once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import require_roles
from api.problems import PROBLEM_RESPONSES, Problem
from api.services import Svc
from core.types import Actor, Role
from issuing import webhooks

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], responses=PROBLEM_RESPONSES)

Manager = Annotated[Actor, Depends(require_roles(Role.HANDLER, Role.ADMIN))]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, Field(min_length=10, max_length=2000, pattern=r"^https?://[^\s/?#]+[^\s]*$")]
    events: Annotated[list[webhooks.WebhookEvent], Field(min_length=1, max_length=20)]
    agency_code: Annotated[
        str | None,
        Field(max_length=35, pattern=r"^[A-Z0-9]{1,4}(\.[A-Z0-9]{1,4}){0,7}$", description="admins only"),
    ] = None


def _agency(actor: Actor, requested: str | None) -> str:
    if actor.role is Role.ADMIN:
        if not requested:
            raise Problem(422, "an admin names the agency_code the webhook is for")
        return requested
    assert actor.agency_code is not None
    if requested not in (None, actor.agency_code):
        raise Problem(403, "a handler registers webhooks for its own agency")
    return actor.agency_code


@router.post("", response_model=webhooks.WebhookCreated, status_code=201, summary="Register a webhook")
def register_webhook(body: WebhookIn, actor: Manager, svc: Svc) -> webhooks.WebhookCreated:
    agency = _agency(actor, body.agency_code)
    try:
        return svc.register_webhook(agency, body.url, list(body.events), actor)
    except ValueError as exc:  # the events are checked by the schema: what is left is the address
        raise Problem(422, str(exc), errors=[{"field": "body.url", "message": str(exc)}]) from exc


@router.get("", response_model=list[webhooks.WebhookOut], summary="The agency's active webhooks")
def list_webhooks(actor: Manager, svc: Svc) -> list[webhooks.WebhookOut]:
    return svc.list_webhooks(None if actor.role is Role.ADMIN else actor.agency_code)


@router.delete("/{webhook_id}", status_code=204, summary="Stop a webhook")
def delete_webhook(webhook_id: str, actor: Manager, svc: Svc) -> Response:
    if not svc.delete_webhook(webhook_id, None if actor.role is Role.ADMIN else actor.agency_code):
        raise Problem(404, "no such webhook")
    return Response(status_code=204)
