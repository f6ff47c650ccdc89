"""HTTP for the signing stage: one aiohttp session with time-outs and retries, shared by TSA and OCSP/CRL.

Every request has a total time-out; connection failures, time-outs and 5xx answers are retried with backoff.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp

from core.logging import get_logger

log = get_logger(__name__)

RETRYABLE = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, asyncio.TimeoutError)


@dataclass(frozen=True)
class NetworkPolicy:
    """Time-out per request (s), extra attempts after a failure, first backoff delay (doubled each time)."""

    timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.5


def retry_middleware(policy: NetworkPolicy) -> aiohttp.ClientMiddlewareType:
    """An aiohttp client middleware retrying connection errors, time-outs and 5xx answers."""

    async def middleware(request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType) -> Any:
        delay = policy.backoff
        for attempt in range(policy.retries + 1):
            last = attempt == policy.retries
            try:
                response = await asyncio.wait_for(handler(request), timeout=policy.timeout)
            except RETRYABLE as exc:
                if last:
                    raise
                log.warning("http_retry", url=str(request.url), attempt=attempt + 1, error=type(exc).__name__)
            else:
                if response.status < 500 or last:
                    return response
                log.warning("http_retry", url=str(request.url), attempt=attempt + 1, status=response.status)
                response.release()
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    return middleware


def new_session(policy: NetworkPolicy) -> aiohttp.ClientSession:
    """A client session (create it inside the event loop that uses it) with time-out and retries."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=policy.timeout * (policy.retries + 1) + 1),
        middlewares=(retry_middleware(policy),),
    )


def timestamper(url: str, session: aiohttp.ClientSession, policy: NetworkPolicy) -> Any:
    """A pyHanko RFC 3161 client on the shared session."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=policy.timeout * (policy.retries + 1) + 1, session=session)


def fetcher_backend(session: aiohttp.ClientSession, policy: NetworkPolicy) -> Any:
    """A pyhanko-certvalidator fetcher backend (OCSP, CRL, certificates) on the shared session."""
    from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

    return AIOHttpFetcherBackend(session=session, per_request_timeout=policy.timeout * (policy.retries + 1) + 1)
