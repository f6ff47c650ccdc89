"""`sohoa worker` (a Celery worker of the pipeline) and the station commands of the ingest stage."""

from __future__ import annotations

import importlib
from typing import Annotated

import typer


def worker(
    concurrency: Annotated[int | None, typer.Option(help="Worker processes (SOHOA_INGEST_WORKER_CONCURRENCY)")] = None,
    queues: Annotated[str, typer.Option(help="Comma-separated queues to consume")] = "celery",
    loglevel: Annotated[str, typer.Option(help="Celery log level")] = "INFO",
) -> None:
    """Start a pipeline worker on the configured broker (embedded SQLite broker by default)."""
    from ingest.celery_app import celery_app
    from ingest.settings import ingest_settings

    settings = ingest_settings()
    celery_app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            f"--queues={queues}",
            f"--loglevel={loglevel}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


def register(app: typer.Typer) -> None:
    app.command()(worker)
    try:
        paperwork = importlib.import_module("ingest.cli_paperwork")
    except ModuleNotFoundError as exc:
        if exc.name != "ingest.cli_paperwork":
            raise
    else:
        paperwork.register(app)
