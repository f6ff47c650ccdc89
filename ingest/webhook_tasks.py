"""The Celery task that delivers one webhook (`issuing.webhooks.deliver`), sent by the `Notifier` the pipeline and
the API are handed (`runtime.pipeline.notifier`); retried with back-off until accepted or given up.
"""

from __future__ import annotations

from celery import Task, shared_task

from ingest.context import context
from ingest.settings import ingest_settings
from issuing import webhooks


@shared_task(bind=True, name="sohoa.webhook", acks_late=True, max_retries=None)
def deliver_webhook(self: Task, delivery_id: str) -> None:
    """POST one webhook delivery; retried with back-off (2 s, 4 s, … up to 10 min) until accepted or given up."""
    settings = ingest_settings()
    with context().sessions.begin() as session:
        attempt = webhooks.deliver(
            session,
            delivery_id,
            timeout=settings.webhook_timeout_seconds,
            max_attempts=settings.webhook_max_attempts,
        )
    if not attempt.final:
        raise self.retry(countdown=min(2 ** (self.request.retries + 1), 600))
