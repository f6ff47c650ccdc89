"""The pipeline wired to this process's world: the webhook notifier on the delivery task, the issuer, the context
the Celery tasks are handed (installed with `install()` when a worker starts), and sending a document's chain.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from ingest import context as pipeline_context
from ingest.tasks import enqueue_document, resume_signing
from ingest.webhook_tasks import deliver_webhook
from issuing.agency import Issuer
from issuing.webhooks import Notifier
from runtime.catalogue import catalogue, vault
from runtime.celery_app import celery_app  # the app the tasks bind to: made before anything is sent
from runtime.signers import agency_signer, officer_signer, officer_signer_for
from runtime.staging import staging_area

__all__ = ["enqueue_document", "install", "issuer", "notifier", "ping_broker", "resume_signing", "worker_context"]


def ping_broker() -> None:
    """Connect to the broker once (readiness); raises when it cannot be reached."""
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=3)


def notifier(sessions: sessionmaker[Session]) -> Notifier:
    """Webhook deliveries recorded in `sessions`, each sent by the `sohoa.webhook` task."""
    return Notifier(sessions, deliver_webhook.delay)


def issuer(sessions: sessionmaker[Session]) -> Issuer:
    return Issuer(agency_signer=agency_signer, notify=notifier(sessions))


def worker_context() -> pipeline_context.PipelineContext:
    """What the tasks need, on the configured catalogue, vault and signers."""
    sessions = catalogue()
    return pipeline_context.PipelineContext(
        sessions=sessions,
        vault=vault,
        staging=staging_area,
        officer_signer=officer_signer,
        issuer=issuer(sessions),
        officer_signer_for=officer_signer_for,
    )


def install() -> None:
    """Hand the tasks of this process (and of the worker processes it forks) their context, built on first use."""
    pipeline_context.configure(worker_context)
