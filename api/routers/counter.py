"""Before scanning: the counter asks which of a procedure's papers (document type codes) the citizen's vault
already holds with legal value, and scans only the others."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.auth import purpose_stated, require_roles
from api.problems import PROBLEM_RESPONSES, Problem
from api.services import Svc
from core.identifiers import InvalidIdentifier, validate_owner_id, validate_procedure_code
from core.types import Actor, Role
from vault.presence import MAX_TYPES, PaperOnFile

router = APIRouter(prefix="/api/v1/counter", tags=["counter"], responses=PROBLEM_RESPONSES)
HINT_VI = "đã có trong kho, không cần scan lại"


class PapersQuery(BaseModel):
    owner_id: str = Field(max_length=20, description="the citizen's personal ID or tax code (in the body, never a URL)")
    procedure_code: str | None = Field(default=None, max_length=64)
    type_codes: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=MAX_TYPES)


class PaperAnswer(PaperOnFile):
    hint: str  # Vietnamese, for the counter's screen


class PapersAnswer(BaseModel):
    owner_id: str
    procedure_code: str | None
    papers: list[PaperAnswer]


@router.post("/papers-on-file", response_model=PapersAnswer, summary="Which papers the citizen's vault already holds")
def papers_on_file(
    query: PapersQuery,
    actor: Annotated[Actor, Depends(require_roles(Role.STATION, Role.HANDLER, Role.ADMIN))],
    _purpose: Annotated[Actor, Depends(purpose_stated)],
    svc: Svc,
) -> PapersAnswer:
    try:
        owner_id = validate_owner_id(query.owner_id.strip())
        procedure = validate_procedure_code(query.procedure_code) if query.procedure_code else None
    except InvalidIdentifier as exc:
        raise Problem(422, str(exc)) from exc
    found = svc.vault.papers_on_file(owner_id, query.type_codes, _purpose)
    papers = [
        PaperAnswer(**p.model_dump(), hint=HINT_VI if p.on_file else "chưa có trong kho, cần scan") for p in found
    ]
    return PapersAnswer(owner_id=owner_id, procedure_code=procedure, papers=papers)
