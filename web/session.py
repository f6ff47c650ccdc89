"""The signed session cookie (Starlette's SessionMiddleware, itsdangerous): who is signed in, the CSRF token,
and the purposes a handler stated per dossier; and the dependencies that page routes use to require a role.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Form, Request

from api.services import Services
from core.types import Actor, Role

SESSION_COOKIE = "sohoa_session"


class SignInRequired(Exception):
    """The page needs a signed-in person (the handler redirects to the sign-in page)."""


class WrongRole(Exception):
    """Signed in, but this page is for another role."""


class CsrfRefused(Exception):
    """A form came without this session's CSRF token."""


def _session(request: Request) -> dict[str, Any]:
    if "session" not in request.scope:
        return {}
    session: dict[str, Any] = request.session
    return session


def sign_in(request: Request, actor: Actor, name: str, lifetime_seconds: float) -> None:
    """Remember the person: a new session (a new CSRF token too), so a fixed session cannot be taken over."""
    session = _session(request)
    lang = session.get("lang")
    session.clear()
    session["actor"] = {
        "sub": actor.subject,
        "role": actor.role.value,
        "agency": actor.agency_code,
        "owner": actor.owner_id,
        "name": name,
        "exp": time.time() + lifetime_seconds,
    }
    if lang:
        session["lang"] = lang
    session["csrf"] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    _session(request).clear()


def session_actor(request: Request) -> Actor | None:
    """The signed-in person as the API's Actor, or None (no session, or it expired)."""
    data = _session(request).get("actor")
    if not isinstance(data, dict) or float(data.get("exp", 0)) < time.time():
        return None
    return Actor(
        subject=str(data["sub"]),
        role=Role(data["role"]),
        agency_code=data["agency"],
        owner_id=data["owner"],
        name=str(data["name"]) if data.get("name") else None,
    )


def display_name(request: Request) -> str | None:
    data = _session(request).get("actor")
    return str(data.get("name") or data.get("sub")) if isinstance(data, dict) else None


def csrf_token(request: Request) -> str:
    session = _session(request)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def check_csrf(request: Request, sent: str | None) -> None:
    expected = _session(request).get("csrf")
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CsrfRefused()


def _checked_form(request: Request, csrf: Annotated[str, Form()]) -> None:
    check_csrf(request, csrf)


# A form's session check, declared once: a POST route takes `_: CsrfChecked` and never sees a forged form.
CsrfChecked = Annotated[None, Depends(_checked_form)]


def services_of(request: Request) -> Services:
    """The API's services, which the pages hand to the API's route functions."""
    svc: Services = request.app.state.services
    return svc


def stated_purpose(request: Request, dossier_code: str) -> str | None:
    purposes = _session(request).get("purposes") or {}
    value = purposes.get(dossier_code)
    return str(value) if value else None


def state_purpose(request: Request, dossier_code: str, purpose: str) -> None:
    session = _session(request)
    purposes = dict(session.get("purposes") or {})
    purposes[dossier_code] = purpose
    if len(purposes) > 20:  # keep the cookie small: the most recent dossiers only
        purposes = dict(list(purposes.items())[-20:])
    session["purposes"] = purposes


def require(*roles: Role) -> Callable[[Request], Awaitable[Actor]]:
    """A dependency: the signed-in person if they have one of `roles` (admins pass too)."""

    async def _check(request: Request) -> Actor:
        actor = session_actor(request)
        if actor is None:
            raise SignInRequired()
        if roles and actor.role not in roles and actor.role is not Role.ADMIN:
            raise WrongRole()
        return actor

    return _check
