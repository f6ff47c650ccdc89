"""Before scanning: the counter asks which of a procedure's papers (document type codes; by default the procedure's
own list) the citizen's vault already holds with legal value, and scans only the others."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.auth import purpose_stated, require_roles
from api.problems import PROBLEM_RESPONSES, Problem
from api.procedure_views import papers_of
from api.services import Svc
from core.identifiers import InvalidIdentifier, validate_owner_id, validate_procedure_code
from core.types import Actor, Role
from vault.presence import MAX_TYPES, PaperOnFile

router = APIRouter(prefix="/api/v1/counter", tags=["counter"], responses=PROBLEM_RESPONSES)
HINT_VI = "đã có trong kho, không cần scan lại"
MISSING_VI = "chưa có trong kho, cần scan"
MISSING_REUSE_VI = "kho không có giấy tờ loại này để dùng lại"  # a type typed into a consent request
# the vault's newest paper of the type is no longer usable: the citizen may believe it is "in the vault"
UNUSABLE_VI = {
    "expired": "có trong kho nhưng đã hết hạn, cần giấy mới",
    "cancelled": "có trong kho nhưng đã bị hủy, cần giấy mới",
    "revoked": "có trong kho nhưng đã bị thu hồi, cần giấy mới",
    "superseded": "có trong kho nhưng đã được thay thế, cần giấy mới",
}


def hint_of(paper: PaperOnFile) -> str:
    """The counter's words for one type: on file, on file but no longer usable (why), or not on file."""
    if paper.on_file:
        return HINT_VI
    return UNUSABLE_VI.get(paper.unusable or "", MISSING_VI)


class PapersQuery(BaseModel):
    owner_id: str = Field(max_length=20, description="the citizen's personal ID or tax code (in the body, never a URL)")
    procedure_code: str | None = Field(default=None, max_length=64)
    type_codes: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list,
        max_length=MAX_TYPES,
        description="the types to look for; none: the procedure's papers (`GET /api/v1/procedures/{code}/papers`)",
    )


class PaperAnswer(PaperOnFile):
    hint: str  # Vietnamese, for the counter's screen
    paper_name: str | None = None  # the procedure's name of this paper, when the procedure lists it
    required: bool | None = None  # whether the procedure asks every applicant for it (None: not in its list)


class PapersAnswer(BaseModel):
    owner_id: str
    procedure_code: str | None
    procedure_papers: bool  # the types asked are the procedure's own list
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
        procedure = validate_procedure_code(query.procedure_code.strip()) if query.procedure_code else None
    except InvalidIdentifier as exc:
        raise Problem(422, str(exc)) from exc
    listed = {p.type_code: p for p in (papers_of(procedure) or ())} if procedure else {}
    if not query.type_codes and not listed:
        reason = f"procedure {procedure} has no list of papers" if procedure else "no procedure_code"
        raise Problem(422, f"type_codes are needed: {reason}")
    found = svc.vault.papers_on_file(owner_id, query.type_codes or list(listed), _purpose)
    papers = []
    for paper in found:
        own = listed.get(paper.type_code)
        papers.append(
            PaperAnswer(
                **paper.model_dump(),
                hint=hint_of(paper),
                paper_name=own.name if own else None,
                required=own.required if own else None,
            )
        )
    by_procedure = not query.type_codes
    return PapersAnswer(owner_id=owner_id, procedure_code=procedure, procedure_papers=by_procedure, papers=papers)
