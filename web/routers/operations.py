"""`/van-hanh`, the operator's page (admins only): what waits and why, from the same read as `sohoa ops status`
and the admin API (`api.operations.read_status`); batch ids, dossier and agency codes, counts, ages, reasons.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.operations import age_words, read_status, sources_of
from api.settings import api_settings
from core.types import Actor, Role
from ingest.state_words import STATE_WORDS, step_words
from web.render import page
from web.session import require, services_of

router = APIRouter()
Admin = Annotated[Actor, Depends(require(Role.ADMIN))]


@router.get("/van-hanh")
async def operations(request: Request, actor: Admin) -> Response:
    settings = api_settings()
    report = await run_in_threadpool(
        read_status,
        sources_of(services_of(request)),
        stuck_after_seconds=settings.ops_stuck_after_seconds,
        min_free_bytes=settings.min_free_disk_bytes,
    )
    context = {"report": report, "age": age_words, "states": STATE_WORDS, "step": step_words, "mib": 1024**2}
    return page(request, "operations.html", context)
