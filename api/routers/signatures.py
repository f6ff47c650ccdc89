"""Signature requests for officers who sign on their own machine (split signing): list their own pending
requests, fetch one, answer it with the token's signature value, reject it with a reason, or ask again after a
rejection or expiry. Only the officer (the token's `sub`) who digitised the document sees or answers it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, get_type_hints

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, create_model
from sqlalchemy.orm import Session

from api.auth import require_roles
from api.problems import PROBLEM_RESPONSES, Problem
from api.services import Svc
from core.types import Actor, Role
from ingest import signature_requests
from ingest.models import SignatureRequest
from signing.split import signature_value_problem

router = APIRouter(prefix="/api/v1/signature-requests", tags=["signature requests"], responses=PROBLEM_RESPONSES)

Officer = Annotated[Actor, Depends(require_roles(Role.STATION))]


# The answer is the request's view field for field (`ingest.signature_requests.RequestView` names them once), with the
# bytes to sign in base64 and two fields described for the agent's authors.
_DESCRIBED = {
    "document_sha256": (str, Field(description="SHA-256 of the document's signed byte ranges (hex)")),
    "to_be_signed": (str, Field(description="DER signed attributes (base64): sign with SHA-256 and the token's key")),
}
SignatureRequestOut = create_model(
    "SignatureRequestOut",
    **{
        name: _DESCRIBED.get(name, (kind, ...)) for name, kind in get_type_hints(signature_requests.RequestView).items()
    },  # type: ignore[call-overload]
)


class SignatureIn(BaseModel):
    signature: str = Field(min_length=4, max_length=4096, description="The token's signature value (base64)")


class RejectionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, pattern=r"\S", description="Why the officer refuses")


def _out(view: signature_requests.RequestView) -> Any:
    data = {**view.__dict__, "to_be_signed": base64.b64encode(view.to_be_signed).decode()}
    return SignatureRequestOut(**data)


def _answer(svc: Svc, request_id: str, actor: Actor, answer: signature_requests.Answer) -> SignatureRequestOut:
    try:
        view = svc.answer_signature_request(request_id, actor, answer)
    except signature_requests.RequestRefused as exc:
        raise Problem(exc.status, str(exc)) from exc
    if view is None:
        raise Problem(404, "no such signature request")
    return _out(view)


@router.get("", response_model=list[SignatureRequestOut], summary="The officer's own pending signature requests")
def list_requests(actor: Officer, svc: Svc) -> list[SignatureRequestOut]:
    return [_out(view) for view in svc.pending_signature_requests(actor)]


@router.get("/{request_id}", response_model=SignatureRequestOut, summary="One of the officer's signature requests")
def get_request(request_id: str, actor: Officer, svc: Svc) -> SignatureRequestOut:
    view = svc.signature_request(request_id, actor)
    if view is None:
        raise Problem(404, "no such signature request")
    return _out(view)


@router.post(
    "/{request_id}/signature",
    status_code=202,
    response_model=SignatureRequestOut,
    summary="Answer with the token's signature value: checked, embedded, the level completed, then stored",
)
def submit_signature(request_id: str, body: SignatureIn, actor: Officer, svc: Svc) -> SignatureRequestOut:
    try:
        value = base64.b64decode(body.signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Problem(422, "signature: not base64", errors=[{"field": "signature", "message": "not base64"}]) from exc

    def submit(session: Session, row: SignatureRequest) -> None:
        signature_requests.submit(session, row, value, signature_value_problem)

    return _answer(svc, request_id, actor, submit)


@router.post("/{request_id}/rejection", response_model=SignatureRequestOut, summary="Refuse to sign, with a reason")
def reject_request(request_id: str, body: RejectionIn, actor: Officer, svc: Svc) -> SignatureRequestOut:
    def reject(session: Session, row: SignatureRequest) -> None:
        signature_requests.reject(session, row, body.reason.strip())

    return _answer(svc, request_id, actor, reject)


@router.post(
    "/{request_id}/renewal",
    status_code=202,
    response_model=SignatureRequestOut,
    summary="Ask again after a rejection or expiry: the document is prepared anew",
)
def renew_request(request_id: str, actor: Officer, svc: Svc) -> SignatureRequestOut:
    return _answer(svc, request_id, actor, signature_requests.renew)
