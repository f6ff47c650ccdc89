"""`/`: sign-in link or each role's home; `/docs`: Swagger UI from sohoa's own copy of swagger-ui-dist (offline)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from web.render import page

router = APIRouter()
VENDOR = "/static/vendor/swagger-ui"


@router.get("/")
def home(request: Request) -> Response:
    return page(request, "home.html")


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="sohoa — API",
        swagger_js_url=f"{VENDOR}/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui.css",
        swagger_favicon_url=f"{VENDOR}/favicon-32x32.png",
        oauth2_redirect_url=f"{VENDOR}/oauth2-redirect.html",
    )
