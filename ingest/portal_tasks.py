"""The Celery task that delivers the portal outbox (`issuing.portal.pump`): sent after each commit that wrote
messages, at worker start, and again by itself when a retry falls due, so no message waits for a new event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from core.logging import get_logger
from ingest.context import context
from issuing import portal

log = get_logger("sohoa.portal")


def seconds_until(when: dt.datetime | None, now: dt.datetime) -> float | None:
    """How long to wait before the next pump (at least half a second), or None when nothing waits."""
    if when is None:
        return None
    return max((when - now).total_seconds(), 0.5)


@shared_task(name="sohoa.portal_sync", acks_late=True, ignore_result=True)
def portal_sync(reschedule: bool = True) -> dict[str, int]:
    """Send what is due; when retries wait and this run met a failure, send itself again for the earliest one
    (one chain per failing run, so commits during an outage do not multiply the waiting tasks)."""
    pumped = portal.pump(context().sessions)
    wait = seconds_until(pumped.next_due, dt.datetime.now(dt.UTC))
    if reschedule and wait is not None and pumped.failed:
        portal_sync.apply_async(countdown=wait)
    counts = {"delivered": pumped.delivered, "failed": pumped.failed, "dead": pumped.dead}
    if any(counts.values()):
        log.info("portal sync", **counts)
    return counts


def kick() -> None:
    """Ask a worker to pump now (after a commit that wrote messages); a broker fault is logged, never raised:
    the messages are in the outbox and the next pump sends them."""
    try:
        portal_sync.delay()
    except Exception as exc:
        log.warning("portal sync not sent", error=type(exc).__name__)


@worker_ready.connect
def _pump_at_start(**_: Any) -> None:
    """Messages left by a stopped worker (a lease that ran out, a retry due meanwhile) are sent at start."""
    if portal.portal_settings().sync_url:
        kick()
