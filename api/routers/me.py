"""Citizens' own vault: list my documents, reuse one in my new application, grant and revoke access, and see
who read my documents. The owner is always the token's `owner` claim, never a parameter.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.auth import require_roles
from api.dossier_views import DossierStatus, OpenedOut, dossier_status, known_procedure, opened_out
from api.problems import PROBLEM_RESPONSES
from api.schemas import DocumentOut, DossierDocumentOut, document_out
from api.services import Svc
from core.types import Actor, DocumentKind, DocumentStatus, Role
from issuing.dossier_flow import MoveRequest, advance
from vault.access import PORTAL
from vault.lifecycle import Action
from vault.records import ConsentRecord, DocumentFilters, GrantRecord, Page
from vault.reports import AccessEntry

router = APIRouter(prefix="/api/v1/me", tags=["citizens"], responses=PROBLEM_RESPONSES)

Citizen = Annotated[Actor, Depends(require_roles(Role.CITIZEN))]


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    offset: int
    limit: int
    next_offset: int | None


@router.get("/documents", response_model=DocumentPage, summary="My vault, newest first")
def my_documents(
    actor: Citizen,
    svc: Svc,
    type_code: Annotated[str | None, Query(max_length=64)] = None,
    kind: DocumentKind | None = None,
    status: DocumentStatus | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DocumentPage:
    assert actor.owner_id is not None
    filters = DocumentFilters(status=status, kind=kind, type_code=type_code)
    records = svc.vault.list_owner_documents(actor.owner_id, actor, filters, Page(offset=offset, limit=limit))
    return DocumentPage(
        items=[document_out(r) for r in records],
        offset=offset,
        limit=limit,
        next_offset=offset + limit if len(records) == limit else None,
    )


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_id: Annotated[str, Field(min_length=1, max_length=32)]
    component_name: Annotated[str | None, Field(max_length=500)] = None


@router.post(
    "/dossiers/{code}/attachments",
    response_model=DossierDocumentOut,
    status_code=201,
    summary="Reuse a document of my vault in my new application (linked, never copied)",
)
def attach(code: str, body: Attachment, actor: Citizen, svc: Svc) -> DossierDocumentOut:
    record = svc.vault.get_document(body.document_id, actor, log_read=False)
    linked = svc.vault.attach(code, body.document_id, body.component_name or record.name, actor)
    return DossierDocumentOut(
        component_name=linked.component_name,
        reused=linked.reused,
        attached_at=linked.attached_at,
        document=document_out(linked.document),
    )


class MyDossier(DossierStatus):
    """One of my dossiers: its state, the department handling it and its clock."""


@router.get("/dossiers", response_model=list[MyDossier], summary="My dossiers, newest first, with state and department")
def my_dossiers(actor: Citizen, svc: Svc) -> list[MyDossier]:
    assert actor.owner_id is not None
    out = []
    for dossier in svc.vault.owner_dossiers(actor.owner_id, actor):
        _record, events = svc.vault.dossier_history(dossier.code, actor)
        out.append(MyDossier(**dossier_status(svc, dossier, events, actor).model_dump()))
    return out


class OnlineOpenIn(BaseModel):
    """A dossier submitted online: the receiving agency, the procedure, and the papers of my vault to reuse."""

    model_config = ConfigDict(extra="forbid")

    agency_code: Annotated[str, Field(min_length=1, max_length=35)]
    procedure_code: Annotated[str, Field(min_length=1, max_length=64)]
    documents: Annotated[list[Attachment], Field(min_length=1, max_length=30)]


@router.post("/dossiers", response_model=OpenedOut, status_code=201, summary="Submit a dossier online from my vault")
def open_online(body: OnlineOpenIn, actor: Citizen, svc: Svc) -> OpenedOut:
    assert actor.owner_id is not None
    known_procedure(body.procedure_code)
    dossier, linked = svc.vault.open_with_documents(
        body.agency_code,
        body.procedure_code,
        actor.owner_id,
        [(doc.document_id, doc.component_name) for doc in body.documents],
        actor,
    )
    return opened_out(svc, dossier, linked, actor)


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str | None, Field(max_length=2000)] = None


@router.post("/dossiers/{code}/withdraw", response_model=MyDossier, summary="Withdraw my dossier")
def withdraw(code: str, body: WithdrawIn, actor: Citizen, svc: Svc) -> MyDossier:
    advance(svc.vault, code, MoveRequest(Action.WITHDRAW, reason=body.reason), actor, svc.issuer)
    dossier, events = svc.vault.dossier_history(code, actor)
    return MyDossier(**dossier_status(svc, dossier, events, actor).model_dump())


@router.get(
    "/consent-requests",
    response_model=list[ConsentRecord],
    summary="Counters asking to reuse my papers, with the one-time code I read out to agree",
)
def my_consent_requests(actor: Citizen, svc: Svc) -> list[ConsentRecord]:
    assert actor.owner_id is not None
    return svc.vault.consent_requests(actor.owner_id, actor)


class GrantIn(BaseModel):
    """Explicit consent (Decree 13/2023): one grantee, one purpose, one document or one document type, until."""

    model_config = ConfigDict(extra="forbid")

    grantee_kind: Annotated[
        Literal["agency", "portal"],
        Field(description="agency: that agency's stations and handlers; portal: the national public service portal"),
    ]
    grantee: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=35,
            description='the agency code (grantee_kind agency, required); for the portal omit it or send "portal"',
        ),
    ] = None
    document_id: Annotated[str | None, Field(max_length=32, description="one paper (or type_code, not both)")] = None
    type_code: Annotated[
        str | None, Field(max_length=64, description="every paper of this type, now and later (or document_id)")
    ] = None
    purpose: Annotated[
        str,
        Field(min_length=3, max_length=500, description="the grantee must state exactly this purpose (X-Purpose)"),
    ]
    expires_at: Annotated[dt.datetime, Field(description="until when, with a time zone (e.g. +07:00)")]

    @model_validator(mode="after")
    def _one_scope(self) -> GrantIn:
        if self.grantee_kind == "agency" and not self.grantee:
            raise ValueError("name the agency code in grantee")
        if bool(self.document_id) == bool(self.type_code):
            raise ValueError("name either document_id or type_code")
        if self.expires_at.tzinfo is None:
            raise ValueError("expires_at needs a time zone (e.g. +07:00)")
        return self


class GrantOut(BaseModel):
    id: int
    grantee_kind: Literal["agency", "portal"]
    grantee: str
    document_id: str | None
    type_code: str | None
    purpose: str
    expires_at: dt.datetime
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    active: bool


def grant_out(record: GrantRecord) -> GrantOut:
    return GrantOut(
        id=record.id,
        grantee_kind="portal" if record.grantee == PORTAL else "agency",
        grantee=record.grantee,
        document_id=record.document_id,
        type_code=record.type_code,
        purpose=record.purpose,
        expires_at=record.valid_until,
        created_at=record.created_at,
        revoked_at=record.revoked_at,
        active=record.active,
    )


@router.get("/grants", response_model=list[GrantOut], summary="The access I have granted")
def my_grants(actor: Citizen, svc: Svc) -> list[GrantOut]:
    assert actor.owner_id is not None
    return [grant_out(g) for g in svc.vault.list_grants(actor.owner_id, actor)]


@router.post("/grants", response_model=GrantOut, status_code=201, summary="Grant an agency or the portal access")
def create_grant(body: GrantIn, actor: Citizen, svc: Svc) -> GrantOut:
    assert actor.owner_id is not None
    grantee = PORTAL if body.grantee_kind == "portal" or body.grantee is None else body.grantee
    record = svc.vault.create_grant(
        actor.owner_id,
        grantee,
        body.purpose,
        body.expires_at,
        actor,
        document_id=body.document_id,
        type_code=body.type_code,
    )
    return grant_out(record)


@router.delete("/grants/{grant_id}", status_code=204, summary="Withdraw a grant from now on")
def revoke_grant(grant_id: Annotated[int, Path(ge=1, le=2**62)], actor: Citizen, svc: Svc) -> Response:
    svc.vault.revoke_grant(grant_id, actor)
    return Response(status_code=204)


@router.get("/access-log", response_model=list[AccessEntry], summary="Who read or wrote my documents")
def my_access_log(
    actor: Citizen,
    svc: Svc,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[AccessEntry]:
    assert actor.owner_id is not None
    return svc.vault.owner_access_log(actor.owner_id, actor, limit=limit, offset=offset)


@router.get(
    "/access-log/checkpoint",
    summary="The newest signed checkpoint of the access log, to keep",
    response_class=Response,
    responses={200: {"content": {"application/pkcs7-mime": {}}}},
)
def access_log_checkpoint(actor: Citizen, svc: Svc) -> Response:
    """The access log's head signed by the agency and timestamped: kept by the citizen, it later proves whether
    the log was rewritten (`sohoa audit verify --checkpoint FILE`). It holds no personal data."""
    found = svc.vault.latest_audit_checkpoint()
    name = found.key.rsplit("/", 1)[-1]
    return Response(
        found.data,
        media_type="application/pkcs7-mime",
        headers={"Content-Disposition": f'attachment; filename="sohoa-{name}"'},
    )
