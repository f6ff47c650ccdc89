"""FastAPI dependencies for authentication and roles: `current_actor`, `require_roles(...)`.

They are `async` because they only compute: a synchronous dependency would cost a thread-pool hop per request.

A request's purpose (`X-Purpose` header or `purpose` query parameter) is attached to the Actor
for the access log. Without a bearer token, a browser's safe (GET/HEAD) request may be authenticated by the web
pages' signed session cookie: `app.state.session_actor(request)` (installed by the `web` package, if any) turns it
into the same Actor; state-changing API calls always need a bearer token, so a cookie cannot be used for CSRF.
"""

from __future__ import annotations

import dataclasses
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


async def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


SAFE_METHODS = frozenset({"GET", "HEAD"})


def _session_actor(request: Request) -> Actor | None:
    hook: Callable[[Request], Actor | None] | None = getattr(request.app.state, "session_actor", None)
    if hook is None or request.method not in SAFE_METHODS:
        return None
    return hook(request)


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    verifier: Annotated[TokenVerifier, Depends(_verifier)],
    x_purpose: Annotated[str | None, Header(max_length=500)] = None,
    purpose: Annotated[str | None, Query(max_length=500)] = None,
) -> Actor:
    """The authenticated caller, or a 401 problem with the reason."""
    if credentials is None:
        from_session = _session_actor(request)
        if from_session is not None:
            stated_here = (unquote(x_purpose) if x_purpose else purpose or "").strip() or None
            return dataclasses.replace(from_session, purpose=stated_here or from_session.purpose)
        raise Problem(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    try:
        if verifier.fetches_keys:  # a JWKS look-up may go over the network: off the event loop
            actor = await run_in_threadpool(verifier.verify, credentials.credentials)
        else:  # a local key: a fraction of a millisecond of CPU, cheaper than a thread hop
            actor = verifier.verify(credentials.credentials)
    except TokenError as exc:
        raise Problem(401, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc
    # Header values are ASCII: a Vietnamese purpose arrives percent-encoded (UTF-8) in X-Purpose.
    stated = (unquote(x_purpose) if x_purpose else purpose or "").strip() or None
    return dataclasses.replace(actor, purpose=stated)


def require_roles(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    """A dependency that lets only the given roles through (403 otherwise)."""

    async def _check(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if actor.role not in roles:
            allowed = ", ".join(role.value for role in roles)
            raise Problem(403, f"this operation needs one of the roles: {allowed}")
        return actor

    return _check


def require_purpose(actor: Actor) -> None:
    """Handlers and the portal must state why they read personal documents (Decree 13/2023)."""
    if actor.role in (Role.HANDLER, Role.PORTAL) and not actor.purpose:
        raise Problem(400, "state the purpose of this read in the X-Purpose header or the purpose parameter")
