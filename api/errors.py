"""Vault and signing errors mapped to RFC 9457 problems: one HTTP status per error kind."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.problems import problem_response
from core.logging import get_logger
from vault import errors as vault_errors

log = get_logger("sohoa.api")

STATUS: tuple[tuple[type[vault_errors.VaultError], int], ...] = (
    (vault_errors.NotFound, 404),
    (vault_errors.Forbidden, 403),
    (vault_errors.InvalidInput, 422),
    (vault_errors.ReuseRefused, 409),
    (vault_errors.Conflict, 409),
    (vault_errors.ObjectLocked, 409),
    (vault_errors.StoreUnavailable, 503),
    (vault_errors.ObjectMissing, 500),
    (vault_errors.IntegrityError, 500),
)


def status_of(exc: vault_errors.VaultError) -> int:
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return status
    return 500


def install_vault_handlers(app: FastAPI) -> None:
    @app.exception_handler(vault_errors.VaultError)
    async def _vault(request: Request, exc: vault_errors.VaultError) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:
            log.error("vault failure", kind=type(exc).__name__, path=request.url.path)
        detail = str(exc) if status < 500 else f"{type(exc).__name__}: the stored document cannot be served now"
        headers = {"Retry-After": "30"} if status == 503 else None
        errors = [{"field": exc.field, "message": detail}] if exc.field and status < 500 else None
        return problem_response(request, status, detail, type_=exc.problem_type, headers=headers, errors=errors)
