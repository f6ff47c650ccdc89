"""Sign-in and sign-out: the province's single sign-on (OpenID Connect authorization code with PKCE, authlib)
and, on the embedded default only, a development sign-in where one picks a role, agency, name and owner.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.problems import Problem
from api.settings import ApiSettings
from api.tokens import TokenError, TokenVerifier
from core import identifiers as ids
from core.types import Actor, Role
from web.render import page
from web.session import CsrfChecked, check_csrf, sign_in, sign_out
from web.settings import WebSettings

router = APIRouter()

DEV_ROLES = (Role.STATION, Role.HANDLER, Role.CITIZEN, Role.ADMIN)


def _api(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.api_settings
    return settings


def _web(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.web_settings
    return settings


def _discovery(request: Request) -> str | None:
    return _web(request).oidc_discovery_url or _api(request).oidc_discovery_url


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no `//host` or scheme): an open redirect would help phishing."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _oauth(request: Request) -> Any:
    from authlib.integrations.starlette_client import OAuth

    client = getattr(request.app.state, "oidc_client", None)
    if client is None:
        web = _web(request)
        oauth = OAuth()
        client = oauth.register(
            "sso",
            server_metadata_url=_discovery(request),
            client_id=web.oidc_client_id,
            client_secret=web.oidc_client_secret,
            client_kwargs={"scope": web.oidc_scope, "code_challenge_method": "S256"},
        )
        request.app.state.oidc_client = client
    return client


@router.get("/dang-nhap")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    return page(
        request,
        "signin.html",
        {
            "development": _api(request).development_keys,
            "sso": bool(_discovery(request) and _web(request).oidc_client_id),
            "roles": [(role.value, label) for role, label in _role_labels()],
            "next": _safe_next(next),
        },
    )


def _role_labels() -> list[tuple[Role, str]]:
    from web.render import ROLE_LABELS

    return [(role, ROLE_LABELS[role]) for role in DEV_ROLES]


@router.post("/dang-nhap/phat-trien")
def development_sign_in(
    request: Request,
    csrf: Annotated[str, Form()],
    role: Annotated[str, Form()],
    name: Annotated[str, Form(min_length=1, max_length=120)],
    agency: Annotated[str, Form(max_length=35)] = "",
    owner: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=300)] = "/",
) -> Response:
    """The embedded default's sign-in; refused (404) wherever production token keys are configured."""
    if not _api(request).development_keys:
        raise Problem(404, "no development sign-in here")
    check_csrf(request, csrf)  # after the 404: elsewhere the address does not exist at all
    try:
        chosen = Role(role)
        if chosen not in DEV_ROLES:
            raise ValueError(role)
        agency_code = ids.validate_agency_code(agency.strip()) if agency.strip() else None
        owner_id = owner.strip() or None
        if owner_id:
            ids.owner_kind(owner_id)
    except (ValueError, ids.InvalidIdentifier) as exc:
        raise Problem(422, f"không hợp lệ: {exc}") from exc
    if chosen in (Role.STATION, Role.HANDLER) and not agency_code:
        raise Problem(422, "cán bộ cần mã cơ quan")
    if chosen is Role.CITIZEN and not owner_id:
        raise Problem(422, "công dân cần số định danh")
    actor = Actor(
        subject=name.strip(),
        role=chosen,
        agency_code=agency_code if chosen is not Role.CITIZEN else None,
        owner_id=owner_id if chosen is Role.CITIZEN else None,
        name=name.strip(),
    )
    sign_in(request, actor, name.strip(), _web(request).session_hours * 3600)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/dang-nhap/sso")
async def single_sign_on(request: Request, next: str | None = None) -> Response:
    if not (_discovery(request) and _web(request).oidc_client_id):
        raise Problem(404, "no single sign-on configured")
    request.session["next"] = _safe_next(next)
    response: Response = await _oauth(request).authorize_redirect(request, str(request.url_for("oidc_callback")))
    return response


@router.get("/dang-nhap/oidc", name="oidc_callback")
async def oidc_callback(
    request: Request,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=1024)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=1000)] = None,
    iss: Annotated[str | None, Query(max_length=500)] = None,
    session_state: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The single sign-on's answer (the parameters of RFC 6749 §4.1.2 and RFC 9207, read by authlib from the
    request): the access token is verified exactly as the API verifies bearer tokens."""
    from authlib.integrations.starlette_client import OAuthError

    if error:
        raise Problem(401, f"đăng nhập không thành công: {error} {error_description or ''}".strip())
    try:
        token = await _oauth(request).authorize_access_token(request)
        verifier: TokenVerifier = request.app.state.token_verifier
        actor = verifier.verify(token["access_token"])
    except (OAuthError, TokenError, KeyError) as exc:
        raise Problem(401, f"đăng nhập không thành công: {exc}") from exc
    info = token.get("userinfo") or {}
    name = str(info.get("name") or info.get("preferred_username") or actor.subject)
    target = _safe_next(request.session.pop("next", None))
    sign_in(request, actor, name, _web(request).session_hours * 3600)
    return RedirectResponse(target, status_code=303)


@router.post("/dang-xuat")
def sign_out_now(request: Request, _: CsrfChecked) -> Response:
    sign_out(request)
    return RedirectResponse("/", status_code=303)
