"""The API application on the configured world: its services (catalogue, vault, broker, issuer) built here and
handed to `api.app.create_app`, with the web pages added. `build_app` is the factory `sohoa serve` gives uvicorn.
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.metrics import add_live_collector
from api.services import Services
from api.settings import api_settings
from api.tokens import development_authentication
from core.logging import configure_logging
from core.settings import CoreSettings, core_settings
from ingest.settings import ingest_settings
from ingest.sweep import sweep_spool
from issuing.portal_metrics import OutboxCollector
from ocr.settings import ocr_settings
from runtime.catalogue import catalogue
from runtime.catalogue import vault as configured_vault
from runtime.celery_app import answering_workers, celery_app
from runtime.metrics import QueueDepth
from runtime.pipeline import enqueue_document, issuer, ping_broker, resume_signing
from runtime.staging import staging_area
from vault.service import Vault
from web.app import install as install_pages


def api_services(
    core: CoreSettings | None = None, sessions: sessionmaker[Session] | None = None, vault: Vault | None = None
) -> Services:
    """Services on the configured catalogue, vault and broker (the catalogue migrated on first use); tests hand
    their own catalogue and vault."""
    sessions = sessions or catalogue()
    return Services(
        core=core or core_settings(),
        ingest=ingest_settings(),
        ocr=ocr_settings(),
        sessions=sessions,
        vault=vault or configured_vault(),
        enqueue_document=enqueue_document,
        issuer=issuer(sessions),
        ping_broker=ping_broker,
        resume_signing=resume_signing,
        staging_area=staging_area(),
        queue_depths=QueueDepth(celery_app).read,
        worker_names=answering_workers,
    )


def build_app() -> FastAPI:
    """The API with the web pages (`web.app.install`) on the configured world; a configuration that would trust
    development keys outside the embedded default is refused (`api.tokens.InsecureConfiguration`) before any
    server is contacted."""
    development_authentication(api_settings())
    add_live_collector(QueueDepth(celery_app))
    services = api_services()
    install_outbox_metrics(services.sessions)
    if services.staging().kind == "object":  # this host's spool is its own: leftovers of killed intakes go
        sweep_spool(services.staging_root, services.ingest.staging_sweep_after_seconds)
    return install_pages(create_app(services=services))


def build_spawned_app() -> FastAPI:
    """`build_app` in an API process that uvicorn spawned (`SOHOA_API_WORKERS` > 1): logging set up first, as the
    `sohoa` command does in its own process, so that uvicorn's and sohoa's lines there are rendered alike."""
    core = core_settings()
    configure_logging(core.log_level, core.log_format)
    return build_app()


@lru_cache(maxsize=1)
def install_outbox_metrics(sessions: sessionmaker[Session]) -> None:
    """The portal outbox's backlog gauges on this process's `/metrics` (once per process)."""
    REGISTRY.register(OutboxCollector(sessions))
