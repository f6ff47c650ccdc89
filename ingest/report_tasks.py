"""The monthly Decision 766 report as a Celery task (beat schedule `stats-report` in `runtime.celery_app`): the
month's failed batches from the catalogue, then `issuing.stats_report.publish_month`.
"""

from __future__ import annotations

from celery import shared_task

from core.logging import get_logger
from core.timezone import now_vn
from ingest import batches
from ingest.context import context
from issuing.settings import issuing_settings
from issuing.stats_report import month_bounds, previous_month, publish_month

log = get_logger("sohoa.pipeline")


@shared_task(name="sohoa.stats_report", acks_late=True)
def stats_report(month: str | None = None) -> list[str]:
    """Publish the Decision 766 report of `month` (default: last month, Vietnam time) in the vault, sealed and
    signed; the files written ([] when the month was already published)."""
    ctx, month = context(), month or previous_month(now_vn().date())
    with ctx.sessions() as session:
        failed = batches.failed_dossier_codes(session, month_bounds(month)[0])
    name = issuing_settings().report_agency_name
    published = publish_month(ctx.vault(), ctx.issuer.agency_signer(), month, failed, name)
    log.info("stats report published", month=month, files=len(published.stored))
    return list(published.stored)
