"""`sohoa worker` (a Celery worker of the pipeline) and the station commands of the ingest stage."""

from __future__ import annotations

import importlib
from typing import Annotated

import typer


def worker(
    concurrency: Annotated[int | None, typer.Option(help="Worker processes (SOHOA_INGEST_WORKER_CONCURRENCY)")] = None,
    queues: Annotated[str, typer.Option(help="Comma-separated queues to consume")] = "celery",
    loglevel: Annotated[str, typer.Option(help="Celery log level")] = "INFO",
    beat: Annotated[
        bool, typer.Option(help="Also run the scheduler (nightly long-term validation); one per site")
    ] = False,
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
            *(["--beat"] if beat else []),
        ]
    )


longterm_app = typer.Typer(help="Long-term validation: B-T → B-LTA upgrades and archive timestamp renewals.")


@longterm_app.command("run")
def longterm_run(limit: Annotated[int, typer.Option(min=1, help="Documents to process at most")] = 500) -> None:
    """Run the long-term validation job once, now (the worker started with --beat runs it nightly)."""
    import json

    from issuing.longterm import run_longterm
    from runtime import catalogue as runtime
    from signing.settings import signing_settings

    report = run_longterm(runtime.catalogue(), runtime.vault(), signing_settings(), limit=limit)
    typer.echo(json.dumps(report.__dict__, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command()(worker)
    app.add_typer(longterm_app, name="longterm")
    try:
        paperwork = importlib.import_module("issuing.cli")
    except ModuleNotFoundError as exc:
        if exc.name != "issuing.cli":
            raise
    else:
        paperwork.register(app)
