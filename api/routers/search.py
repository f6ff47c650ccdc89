"""Full-text search over OCR text and metadata, within what the caller may read, insensitive to Vietnamese
diacritics and case ("quyet dinh" finds "Quyết định"), ranked, with the matching snippet.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import current_actor, require_purpose
from api.problems import PROBLEM_RESPONSES
from api.services import Services, services
from core.types import Actor
from vault.search import SearchHit, catch_up, search

router = APIRouter(prefix="/api/v1", tags=["search"], responses=PROBLEM_RESPONSES)


@router.get("/search", response_model=list[SearchHit], summary="Search the documents I may read")
def search_documents(
    actor: Annotated[Actor, Depends(current_actor)],
    svc: Annotated[Services, Depends(services)],
    q: Annotated[str, Query(min_length=1, max_length=300)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[SearchHit]:
    require_purpose(actor)
    with svc.sessions.begin() as session:
        catch_up(session)
    with svc.sessions.begin() as session:
        return search(session, q, actor, limit)
