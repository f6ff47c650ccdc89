"""A procedure's papers as the API shows them (shared by the procedures and counter routers): the list from
`issuing.procedure_papers`, a malformed operator file answered as a 503 problem naming it."""

from __future__ import annotations

import logging

from pydantic import BaseModel

from api.problems import Problem
from issuing.calendar import UnknownProcedure, default_procedures
from issuing.procedure_papers import PaperListError, ProcedurePaper, procedure_papers

log = logging.getLogger(__name__)


class PaperOut(BaseModel):
    """One paper of the procedure: its document type code, its Vietnamese name, whether every applicant gives it."""

    type_code: str
    name: str
    required: bool


def papers_of(code: str) -> tuple[ProcedurePaper, ...] | None:
    """The procedure's papers, None when no list names it."""
    try:
        return procedure_papers(code)
    except PaperListError as exc:
        log.error("procedure papers: %s", exc)
        raise Problem(503, "the list of procedure papers is misconfigured (see the server log)") from exc


def procedure_name(code: str) -> str | None:
    try:
        return default_procedures().get(code).name or None
    except UnknownProcedure:
        return None
