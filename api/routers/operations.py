"""What waits and why, for admins: unfinished batches and their documents, outgoing messages, long-term
signatures due, staging leftovers, broker, object store and disk, and what is stuck (docs/deploy.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from api.auth import require_roles
from api.operations import OpsStatus, read_status, sources_of
from api.problems import PROBLEM_RESPONSES
from api.services import Svc
from api.settings import api_settings
from core.types import Actor, Role

router = APIRouter(prefix="/api/v1/admin/operations", tags=["operations"], responses=PROBLEM_RESPONSES)
Admin = Annotated[Actor, Depends(require_roles(Role.ADMIN))]


@router.get("", response_model=OpsStatus)
async def operations_status(actor: Admin, services: Svc) -> OpsStatus:
    """One read of what waits and why; `problems` lists what is stuck beyond SOHOA_API_OPS_STUCK_AFTER_SECONDS
    or unreachable (empty when all is well). No names, ID numbers or document contents."""
    settings = api_settings()
    return await run_in_threadpool(
        read_status,
        sources_of(services),
        stuck_after_seconds=settings.ops_stuck_after_seconds,
        min_free_bytes=settings.min_free_disk_bytes,
    )
