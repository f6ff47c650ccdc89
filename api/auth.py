"""FastAPI dependencies for authentication, roles and purpose: `current_actor`, `require_roles(...)`, and
`Purposeful`, the one dependency of routes that read personal documents.

They are `async` because they only compute: a synchronous dependency would cost a thread-pool hop per request.

A request's purpose (`X-Purpose` header or `purpose` query parameter) is attached to the Actor for the access
log and the grant it must match: percent-encoded UTF-8 or raw UTF-8 in the header, NFC-normalised; a control
character (CR, LF, NUL...) or bytes that are not UTF-8 are refused with a 400 naming where they came from.
Without a bearer token, a browser's safe (GET/HEAD) request may be authenticated by the web
pages' signed session cookie: `app.state.session_actor(request)` (installed by the `web` package, if any) turns it
into the same Actor; state-changing API calls always need a bearer token, so a cookie cannot be used for CSRF.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import Problem
from api.tokens import TokenError, TokenVerifier
from core.types import Actor, Role

_bearer = HTTPBearer(auto_error=False, description="OAuth2 bearer JWT")


SAFE_METHODS = frozenset({"GET", "HEAD"})


def _session_actor(request: Request) -> Actor | None:
    hook: Callable[[Request], Actor | None] | None = getattr(request.app.state, "session_actor", None)
    if hook is None or request.method not in SAFE_METHODS:
        return None
    return hook(request)


_WHY = (
    "Why you read personal documents (Decree 13/2023): required of handlers and the portal on every route that"
    " reads them (a 400 without it); a grantee's purpose must equal its grant's, character for character."
)
PurposeHeader = Annotated[
    str | None,
    Header(min_length=1, max_length=500, description=_WHY + ' Percent-encoded UTF-8: quote("thẩm định hồ sơ").'),
]
PurposeQuery = Annotated[
    str | None, Query(min_length=1, max_length=500, description=_WHY + " The same as a query parameter.")
]


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_purpose: PurposeHeader = None,
    purpose: PurposeQuery = None,
) -> Actor:
    """The authenticated caller, or a 401 problem with the reason."""
    if credentials is None:
        from_session = _session_actor(request)
        if from_session is not None:
            stated_here = _stated_purpose(x_purpose, purpose)
            return dataclasses.replace(from_session, purpose=stated_here or from_session.purpose)
        raise Problem(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    verifier: TokenVerifier = request.app.state.token_verifier  # read here: a sub-dependency costs every request
    try:
        if verifier.fetches_keys:  # a JWKS look-up may go over the network: off the event loop
            actor = await run_in_threadpool(verifier.verify, credentials.credentials)
        else:  # a local key: a fraction of a millisecond of CPU, cheaper than a thread hop
            actor = verifier.verify(credentials.credentials)
    except TokenError as exc:
        raise Problem(401, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc
    return dataclasses.replace(actor, purpose=_stated_purpose(x_purpose, purpose))


def _stated_purpose(x_purpose: str | None, purpose: str | None) -> str | None:
    """The purpose the request states (the header first), checked and normalised; None when it states none."""
    stated = _header_purpose(x_purpose) if x_purpose else _checked(purpose or "", "the purpose parameter")
    return stated.strip() or None


def _header_purpose(raw: str) -> str:
    """X-Purpose as text: header bytes arrive as latin-1, so raw UTF-8 is decoded again; then percent-decoded."""
    where = "the X-Purpose header"
    if not raw.isascii():
        try:
            raw = raw.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            raise Problem(400, f"{where} is not UTF-8: send the purpose percent-encoded (UTF-8)") from None
    try:
        text = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise Problem(400, f"{where}: its percent-encoded bytes are not UTF-8") from None
    return _checked(text, where)


def _checked(text: str, where: str) -> str:
    """The purpose in NFC (as grants store it); a 400 when it holds a control character (CR, LF, NUL, ...)."""
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise Problem(400, f"{where} holds a control character (CR, LF, NUL, ...), which a purpose may not")
    return unicodedata.normalize("NFC", text)


def require_roles(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    """A dependency that lets only the given roles through (403 otherwise)."""

    async def _check(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if actor.role not in roles:
            allowed = ", ".join(role.value for role in roles)
            raise Problem(403, f"this operation needs one of the roles: {allowed}")
        return actor

    return _check


async def purpose_stated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_purpose: PurposeHeader = None,
    purpose: PurposeQuery = None,
) -> Actor:
    """Any authenticated caller; handlers and the portal must state why they read personal documents
    (Decree 13/2023), or get a 400. `current_actor` called, not depended on: one dependency level less on every
    read."""
    actor = await current_actor(request, credentials, x_purpose, purpose)
    if actor.role in (Role.HANDLER, Role.PORTAL) and not actor.purpose:
        raise Problem(
            400,
            "state the purpose of this read in the X-Purpose header (percent-encoded UTF-8) or the purpose parameter",
        )
    return actor


Purposeful = Annotated[Actor, Depends(purpose_stated)]
