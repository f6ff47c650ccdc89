"""Dossiers for case handlers: a dossier's documents with component names, kinds, page counts, signature
verdicts and which were reused. Only the dossier's agency (its stations and handlers), its owner and admins see
it (the vault's rule, `vault.access.dossier_visible`); anyone else gets a 404.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Purposeful
from api.problems import PROBLEM_RESPONSES
from api.schemas import DossierDocumentOut, DossierOut, document_out
from api.services import Svc

router = APIRouter(prefix="/api/v1/dossiers", tags=["dossiers"], responses=PROBLEM_RESPONSES)


@router.get("/{code}", response_model=DossierOut, summary="A dossier and its documents")
def get_dossier(code: str, actor: Purposeful, svc: Svc) -> DossierOut:
    dossier, linked = svc.vault.dossier_and_documents(code, actor)  # each document's read authorised and logged
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
