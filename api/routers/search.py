"""Full-text search over OCR text and metadata, within what the caller may read, insensitive to Vietnamese
diacritics and case ("quyet dinh" finds "Quyết định"), ranked, with the matching snippet.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import Purposeful
from api.problems import PROBLEM_RESPONSES
from api.services import Svc
from vault.search import SearchHit

router = APIRouter(prefix="/api/v1", tags=["search"], responses=PROBLEM_RESPONSES)


@router.get("/search", response_model=list[SearchHit], summary="Search the documents I may read")
def search_documents(
    actor: Purposeful,
    svc: Svc,
    q: Annotated[str, Query(min_length=1, max_length=300)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[SearchHit]:
    return svc.vault.search(q, actor, limit)
