"""Dossiers for case handlers: a dossier's documents with component names, kinds, page counts, signature
verdicts and which were reused. Only the dossier's agency (its stations and handlers), its owner and admins see
it; anyone else gets a 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.auth import current_actor, require_purpose
from api.problems import PROBLEM_RESPONSES, Problem
from api.schemas import DossierDocumentOut, DossierOut, document_out
from api.services import Services, services
from core.types import Actor, Role
from vault.errors import NotFound
from vault.records import DossierRecord

router = APIRouter(prefix="/api/v1/dossiers", tags=["dossiers"], responses=PROBLEM_RESPONSES)


def visible_dossier(svc: Services, code: str, actor: Actor) -> DossierRecord:
    """The dossier if this caller may see it; a 404 otherwise (no existence oracle)."""
    try:
        dossier: DossierRecord = svc.vault.get_dossier(code)
    except NotFound:
        raise Problem(404, "no such dossier") from None
    return check_visible(dossier, actor)


def check_visible(dossier: DossierRecord, actor: Actor) -> DossierRecord:
    """The dossier when its agency's staff, its owner or an admin asks; a 404 for anyone else."""
    allowed = (
        actor.role is Role.ADMIN
        or (actor.role in (Role.HANDLER, Role.STATION) and actor.agency_code == dossier.agency_code)
        or (actor.role is Role.CITIZEN and actor.owner_id == dossier.owner_id)
    )
    if not allowed:
        raise Problem(404, "no such dossier")
    return dossier


@router.get("/{code}", response_model=DossierOut, summary="A dossier and its documents")
def get_dossier(
    code: str, actor: Annotated[Actor, Depends(current_actor)], svc: Annotated[Services, Depends(services)]
) -> DossierOut:
    require_purpose(actor)
    try:
        found, linked = svc.vault.dossier_and_documents(code)
    except NotFound:
        raise Problem(404, "no such dossier") from None
    dossier = check_visible(found, actor)
    svc.vault.record_reads([link.document.id for link in linked], actor)  # each authorised and logged
    documents = [
        DossierDocumentOut(
            component_name=link.component_name,
            reused=link.reused,
            attached_at=link.attached_at,
            document=document_out(link.document),
        )
        for link in linked
    ]
    return DossierOut(**dossier.model_dump(), documents=documents)
