"""The FastAPI application factory: settings, token verifier, problem handlers, routers, readiness checks."""

from __future__ import annotations

from fastapi import FastAPI

from api.metrics import record_request
from api.problems import install_problem_handlers
from api.routers import health
from api.settings import ApiSettings, api_settings
from api.tokens import TokenVerifier
from core.settings import CoreSettings, core_settings


def create_app(api: ApiSettings | None = None, core: CoreSettings | None = None) -> FastAPI:
    api = api or api_settings()
    core = core or core_settings()
    app = FastAPI(
        title="sohoa",
        version="1",
        description=(
            "Số hóa hồ sơ: batch upload from scanning stations, verified documents for case handlers, "
            "citizens' personal data vault and the national public service portal."
        ),
    )
    app.state.api_settings = api
    app.state.core_settings = core
    app.state.token_verifier = TokenVerifier(api, core)
    app.state.readiness_checks = {}
    install_problem_handlers(app)
    app.middleware("http")(record_request)
    app.include_router(health.router)
    return app
