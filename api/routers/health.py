"""Operations endpoints: `/healthz` (process alive), `/readyz` (database, object store, broker), `/metrics`.

Readiness checks are plain callables the app factory registers; each returns None or raises with a reason.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from api.metrics import exposition

ReadinessCheck = Callable[[], None]

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Database, object store and broker answer")
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, ReadinessCheck] = request.app.state.readiness_checks
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await run_in_threadpool(check)
            results[name] = "ok"
        except Exception as exc:  # a readiness probe reports every failure, whatever its kind
            results[name] = f"failed: {type(exc).__name__}: {exc}"[:300]
    ready = all(value == "ok" for value in results.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": results}, 200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics() -> Response:
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
