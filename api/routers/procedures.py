"""A procedure's papers (document type code, Vietnamese name, required or not): what the counter checks in the
citizen's vault before scanning, and what a citizen gathers before applying."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel

from api.auth import current_actor
from api.problems import PROBLEM_RESPONSES, Problem
from api.procedure_views import PaperOut, papers_of, procedure_name
from core.identifiers import InvalidIdentifier, validate_procedure_code
from core.types import Actor

router = APIRouter(prefix="/api/v1/procedures", tags=["procedures"], responses=PROBLEM_RESPONSES)


class ProcedurePapers(BaseModel):
    procedure_code: str
    procedure_name: str | None  # from the procedure table, when it lists the procedure
    papers: list[PaperOut]


@router.get("/{code}/papers", response_model=ProcedurePapers, summary="The papers a procedure asks for")
def papers(
    code: Annotated[str, Path(max_length=64)],
    _actor: Annotated[Actor, Depends(current_actor)],
) -> ProcedurePapers:
    try:
        code = validate_procedure_code(code)
    except InvalidIdentifier as exc:
        raise Problem(422, str(exc)) from exc
    listed = papers_of(code)
    if listed is None:
        raise Problem(404, f"no list of papers for procedure {code}")
    return ProcedurePapers(
        procedure_code=code,
        procedure_name=procedure_name(code),
        papers=[PaperOut(type_code=p.type_code, name=p.name, required=p.required) for p in listed],
    )
