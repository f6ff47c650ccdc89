"""The one Celery app of sohoa: broker from settings, late acknowledgement, no result backend.

Document and batch state live in the vault's catalogue, not in Celery results, so any broker will do.
"""

from __future__ import annotations

import datetime as dt

from celery import Celery
from celery.schedules import crontab

from core.settings import core_settings
from ingest.settings import IngestSettings, ingest_settings
from runtime.broker import broker_transport, broker_url
from vault.settings import vault_settings


def make_celery() -> Celery:
    """A Celery app on the configured broker; it becomes the tasks' app only through `install_app`."""
    settings = ingest_settings()
    url = broker_url(settings)
    app = Celery(
        "sohoa",
        broker=url,
        include=[
            "ingest.tasks",
            "ingest.sweep_tasks",
            "ingest.webhook_tasks",
            "ingest.archive_tasks",
            "ingest.portal_tasks",
            "ingest.report_tasks",
        ],
        set_as_current=False,
    )
    # Redis redelivers an unacknowledged task after the visibility timeout; it must exceed the longest task.
    # Workers scan for messages whose worker went away (a host cut off) about every 100 s (kombu's default), or
    # every `redelivery_scan_seconds` when set.
    options: dict[str, int] = {"visibility_timeout": settings.visibility_timeout_seconds}
    if settings.redelivery_scan_seconds:
        options |= {"unacked_restore_interval": settings.redelivery_scan_seconds, "unacked_restore_throttle": 1}
    transport_options = options if url.startswith(("redis", "rediss")) else {}
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport=broker_transport(settings),
        broker_transport_options=transport_options,
        worker_hijack_root_logger=False,
        timezone="Asia/Ho_Chi_Minh",
        # B-T → B-LTA upgrades and archive timestamp renewals, at night (a worker started with --beat runs it).
        # Abandoned staging folders (the API killed during intake) are swept hourly as well as at worker start.
        beat_schedule={
            "long-term-validation": {"task": "sohoa.longterm", "schedule": crontab(hour=1, minute=30)},
            "staging-sweep": {"task": "sohoa.sweep_staging", "schedule": crontab(minute=17)},
            # A paper scanned again whose choice was not made in time fails: looked for every quarter of the wait.
            "choice-expiry": {"task": "sohoa.expire_choices", "schedule": choice_expiry_period(settings)},
            # Documents whose worker died (on another host: its lease's heartbeat stopped) are sent again.
            "abandoned-documents": {"task": "sohoa.resume_abandoned", "schedule": float(settings.lease_seconds)},
            # The access log's head signed by the agency and stored under retention (docs/security.md).
            "audit-checkpoint": {
                "task": "sohoa.audit_checkpoint",
                "schedule": dt.timedelta(minutes=vault_settings().audit_checkpoint_minutes),
            },
            # Last month's Decision 766 indicators, sealed and stored for the portal (docs/vault.md, "Indicators").
            "stats-report": {"task": "sohoa.stats_report", "schedule": crontab(day_of_month=1, hour=2, minute=15)},
        },
        beat_schedule_filename=str(core_settings().path("broker", "celerybeat-schedule")),
    )
    return app


def choice_expiry_period(settings: IngestSettings) -> float:
    """Seconds between looks for choices past their wait: a quarter of it, between 1 s and 10 minutes."""
    return float(min(max(settings.choice_ttl_seconds / 4, 1.0), 600.0))


def install_app(app: Celery) -> Celery:
    """Make `app` the one the tasks of `ingest.tasks` (shared tasks) bind to, in every thread of the process: the
    API sends chains from request threads, where a thread's own current app would fall back to Celery's default."""
    app.set_default()
    app.set_current()
    return app


celery_app = install_app(make_celery())


def answering_workers(app: Celery = celery_app, timeout: float = 2.0) -> list[str]:
    """The workers that answer a ping within `timeout` seconds. A broker without broadcast (the embedded SQLite
    one) cannot ask them: raises `NotImplementedError` rather than report that none answered."""
    with app.connection_for_write() as connection:
        if "fanout" not in connection.transport.implements.exchange_type:
            raise NotImplementedError("this broker has no broadcast: workers cannot be pinged")
    return [name for answer in app.control.ping(timeout=timeout) for name in answer]
