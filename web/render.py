"""Jinja2 rendering of the pages: the base layout's context (language, signed-in person, CSRF token, navigation)
and the headers every page carries (`Cache-Control: no-store`, the chosen language remembered in a cookie).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from api.dossier_views import state_label
from core.types import Role
from issuing.agencies import agency_label
from web.formats import percent, vn_date
from web.i18n import LANG_COOKIE, asked_language, language, translator
from web.session import csrf_token, display_name, session_actor

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


@pass_context
def dossier_state(context: Any, state: str) -> str:
    """The `dossier_state` filter: a dossier's state in the page's language, from `api.dossier_views.DOSSIER_STATES`."""
    return state_label(str(state), str(context.get("lang", "vi")))


TEMPLATES.env.filters |= {"vn_date": vn_date, "percent": percent, "dossier_state": dossier_state}

ROLE_LABELS = {
    Role.STATION: "Cán bộ một cửa",
    Role.HANDLER: "Cán bộ xử lý",
    Role.CITIZEN: "Công dân",
    Role.ADMIN: "Quản trị / lãnh đạo",
    Role.PORTAL: "Cổng dịch vụ công",
}
NAV = {
    Role.STATION: [("/quay", "Quầy tiếp nhận")],
    Role.HANDLER: [("/ho-so", "Hồ sơ"), ("/thong-ke", "Thống kê")],
    Role.CITIZEN: [("/kho", "Kho dữ liệu của tôi")],
    Role.ADMIN: [
        ("/quay", "Quầy tiếp nhận"),
        ("/ho-so", "Hồ sơ"),
        ("/thong-ke", "Thống kê"),
        ("/van-hanh", "Vận hành"),
    ],
    Role.PORTAL: [],
}


def lang_url(request: Request, lang: str) -> str:
    query = dict(request.query_params)
    query["lang"] = lang
    return f"{request.url.path}?{urlencode(query)}"


def page(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """Render a page in the request's language; never cached (personal pages must not be, and the rest are cheap)."""
    lang = language(request)
    actor = session_actor(request)
    ctx: dict[str, Any] = {
        "t": translator(lang),
        "lang": lang,
        "other_lang_url": lang_url(request, "en" if lang == "vi" else "vi"),
        "actor": actor,
        "user_name": display_name(request) if actor else None,
        "role_label": ROLE_LABELS.get(actor.role) if actor else None,
        "nav": NAV.get(actor.role, []) if actor else [],
        "csrf": csrf_token(request) if "session" in request.scope else "",
        "path": request.url.path,
        "agency_label": agency_label,
    }
    ctx.update(context or {})
    response = TEMPLATES.TemplateResponse(request, template, ctx, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if asked_language(request):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response
