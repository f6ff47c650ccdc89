"""The FastAPI application factory: settings, token verifier, services, problem handlers, routers and
readiness checks (database, object store, broker).
"""

from __future__ import annotations

import gc
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy import text

from api.errors import install_vault_handlers
from api.metrics import RequestMetrics
from api.problems import document_problems, install_problem_handlers, reject_unknown_query
from api.request_id import RequestId
from api.routers import (
    batches,
    certified,
    counter,
    documents,
    dossiers,
    health,
    me,
    operations,
    portal,
    portal_sync,
    procedures,
    public,
    receipts,
    results,
    search,
    signatures,
    stats,
    versions,
    webhooks,
)
from api.services import Services
from api.settings import ApiSettings, api_settings
from api.tokens import TokenVerifier
from core.settings import CoreSettings, core_settings


def _readiness_checks(svc: Services, api: ApiSettings) -> dict[str, health.ReadinessCheck]:
    def database() -> None:
        with svc.sessions() as session:
            session.execute(text("select 1"))

    def object_store() -> None:
        svc.vault.store.exists("readiness-probe")

    def disk() -> None:  # intake stages uploads in the staging folder (its own volume, or the data folder's)
        for label, folder in (("data folder", svc.core.data_dir), ("staging folder", svc.staging_root)):
            while not folder.exists() and folder != folder.parent:  # not made yet: the disk it will be made on
                folder = folder.parent
            free = shutil.disk_usage(folder).free
            if free < api.min_free_disk_bytes:
                raise OSError(f"{free} bytes free in the {label}, below {api.min_free_disk_bytes}")

    return {"database": database, "object_store": object_store, "broker": svc.ping_broker, "disk": disk}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # What start-up built lives as long as the process: keep it out of the collector's full passes, which
    # would otherwise walk it every time and stall requests for tens of milliseconds.
    gc.freeze()
    yield


def create_app(api: ApiSettings | None = None, core: CoreSettings | None = None, *, services: Services) -> FastAPI:
    """The API on the services it is handed (the composition root, `runtime.app`, builds them from settings)."""
    api = api or api_settings()
    core = core or core_settings()
    app = FastAPI(
        lifespan=_lifespan,
        dependencies=[Depends(reject_unknown_query)],
        title="sohoa",
        version="1",
        description=(
            "Số hóa hồ sơ: batch upload from scanning stations, verified documents for case handlers, "
            "citizens' personal data vault and the national public service portal."
        ),
    )
    verifier = TokenVerifier(api, core)  # first: a configuration that trusts no key source does not start
    svc = services
    app.state.api_settings = api
    app.state.core_settings = core
    app.state.token_verifier = verifier
    app.state.services = svc
    app.state.readiness_checks = _readiness_checks(svc, api)
    install_problem_handlers(app)
    document_problems(app)
    install_vault_handlers(app)
    app.add_middleware(RequestMetrics)
    app.add_middleware(RequestId)  # added last: outermost, so the metrics' and handlers' lines carry the id
    routers = (
        health,
        batches,
        dossiers,
        documents,
        me,
        operations,
        portal,
        portal_sync,
        stats,
        webhooks,
        results,
        receipts,
        certified,
        public,
        search,
        counter,
        procedures,
        signatures,
        versions,
    )
    for module in routers:
        app.include_router(module.router)
    return app
