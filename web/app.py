"""Adds the web pages to the API's FastAPI app (`runtime.app.build_app` calls `install`): the signed session
cookie, static files, the offline `/docs`, HTML error pages for page addresses, and the cookie hook through which
the API accepts a signed-in browser's GETs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from api.errors import status_of
from api.problems import Problem
from api.settings import api_settings
from core.settings import CoreSettings, core_settings, operator_secret
from vault import errors as vault_errors
from web.i18n import LanguageParameter
from web.render import page
from web.session import SESSION_COOKIE, CsrfRefused, SignInRequired, WrongRole, session_actor
from web.settings import WebSettings, web_settings

STATIC = Path(__file__).parent / "static"
_REPLACED = {"/docs", "/docs/oauth2-redirect", "/redoc"}
_MACHINE_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/static/")


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(_MACHINE_PREFIXES)


GRANT_LAPSED_VI = "Công dân đã thu hồi quyền xem giấy tờ này cho mục đích đã nêu, hoặc quyền đó đã hết hạn."


def _error_page(request: Request, status: int, message: str) -> Response:
    return page(request, "error.html", {"status": status, "message": message}, status=status)


def _install_handlers(app: FastAPI) -> None:
    api_handlers: dict[Any, Any] = dict(app.exception_handlers)

    def wrapped(kind: type[Exception]) -> Any:
        original = api_handlers[kind]

        async def handler(request: Request, exc: Exception) -> Response:
            if not is_page(request):
                response: Response = await original(request, exc)
                return response
            if isinstance(exc, vault_errors.VaultError):
                status = status_of(exc)
            else:
                status = int(getattr(exc, "status", None) or getattr(exc, "status_code", None) or 500)
            if status == 404:
                return _error_page(request, 404, "Trang không tồn tại hoặc bạn không có quyền xem.")
            if isinstance(exc, vault_errors.GrantLapsed):  # its detail is the API's English: a sentence of the page's
                return _error_page(request, 403, GRANT_LAPSED_VI)
            detail = getattr(exc, "detail", None) or (str(exc) if status < 500 else "Có lỗi")
            return _error_page(request, status, str(detail))

        return handler

    for kind in (Problem, StarletteHTTPException, vault_errors.VaultError):
        if kind in api_handlers:
            app.add_exception_handler(kind, wrapped(kind))

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        if not is_page(request):
            return Response(status_code=401)
        return RedirectResponse(f"/dang-nhap?next={request.url.path}", status_code=303)

    async def wrong_role(request: Request, exc: Exception) -> Response:
        return _error_page(request, 403, "Trang này dành cho vai trò khác.")

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return _error_page(request, 403, "Phiên làm việc đã hết hạn, vui lòng thử lại.")

    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(WrongRole, wrong_role)
    app.add_exception_handler(CsrfRefused, csrf_refused)


def session_key(settings: WebSettings, core: CoreSettings) -> str:
    """The key that signs session cookies: the operator's file outside the embedded default (`SettingsError`
    when it is missing), a random one kept in the data folder on the embedded default."""
    return (
        settings.session_secret
        or operator_secret(
            core,
            settings.session_key_file,
            setting="SOHOA_WEB_SESSION_KEY_FILE",
            name="web-session.key",
            what="the key that signs web sessions",
        ).hex()
    )


def install(app: FastAPI, settings: WebSettings | None = None) -> FastAPI:
    """Add the pages to an app built by `api.app.create_app` (the API never imports `web`)."""
    from web.routers import auth, citizen, counter, dossier, home, operations, public_status, results, stats

    settings = settings or web_settings()
    api = getattr(app.state, "api_settings", None) or api_settings()
    core = getattr(app.state, "core_settings", None) or core_settings()
    secret = session_key(settings, core)
    secure = settings.cookie_secure if settings.cookie_secure is not None else not api.development_keys
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=int(settings.session_hours * 3600),
        same_site="lax",
        https_only=secure,
    )
    app.add_middleware(LanguageParameter)
    app.state.web_settings = settings
    app.state.session_actor = session_actor
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in _REPLACED]
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, home, public_status, counter, dossier, results, citizen, stats, operations):
        app.include_router(module.router, include_in_schema=False)
    _install_handlers(app)
    return app
