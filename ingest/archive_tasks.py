"""Celery tasks of the archive, run by the beat: the nightly long-term validation run, and the access log's signed
checkpoint.
"""

from __future__ import annotations

from celery import shared_task

from core.logging import get_logger
from ingest.context import context
from issuing.checkpoints import ChainBroken, take_checkpoint
from issuing.longterm import run_longterm
from signing.settings import signing_settings
from signing.trust import TrustSettings, trust_anchors

log = get_logger("sohoa.pipeline")


@shared_task(name="sohoa.longterm", acks_late=True)
def longterm() -> dict[str, int]:
    """The daily long-term validation run (beat schedule in `runtime.celery_app`)."""
    ctx = context()
    report = run_longterm(ctx.sessions, ctx.vault(), signing_settings())
    counts = {"enrolled": report.enrolled, "upgraded": len(report.upgraded), "renewed": len(report.renewed)}
    log.info("long-term run", postponed=len(report.postponed), **counts)
    return counts


@shared_task(name="sohoa.audit_checkpoint", acks_late=True)
def audit_checkpoint() -> int | None:
    """Sign and store the access log's head (beat schedule in `runtime.celery_app`); the row it anchors, or None
    when nothing was logged since the last checkpoint. A broken chain is logged as an alert, never anchored."""
    ctx = context()
    try:
        taken = take_checkpoint(ctx.vault(), ctx.issuer.agency_signer(), trust_anchors(TrustSettings()))
    except ChainBroken:
        log.error("audit.chain_broken", alert=True)
        raise
    if taken is None:
        return None
    log.info("audit checkpoint stored", seq=taken.checkpoint.seq, timestamped=not taken.warnings)
    return taken.checkpoint.seq
