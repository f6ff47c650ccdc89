"""`sohoa worker` (a Celery worker of the pipeline), `sohoa beat` (its nightly scheduler), `sohoa migrate` (the
catalogue's migrations as one explicit step) and the station commands of the ingest stage."""

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

    _preflight()
    settings = ingest_settings()
    celery_app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            f"--queues={queues}",
            f"--loglevel={loglevel}",
            f"--hostname={settings.worker_name}",
            "--without-gossip",
            "--without-mingle",
            *(["--beat"] if beat else []),
        ]
    )


def beat(
    pidfile: Annotated[str, typer.Option(help="Where beat writes its process id (its health check reads it)")] = "",
    loglevel: Annotated[str, typer.Option(help="Celery log level")] = "INFO",
) -> None:
    """Run the scheduler alone (nightly long-term validation); exactly one per site."""
    from ingest.celery_app import celery_app

    _preflight()
    celery_app.start(["beat", f"--loglevel={loglevel}", *([f"--pidfile={pidfile}"] if pidfile else [])])


def migrate() -> None:
    """Bring the catalogue (the vault's and the pipeline's tables) to this release's schema; once per upgrade."""
    from ingest.db import migrate as run_migrate
    from vault.settings import vault_settings

    try:
        run_migrate(vault_settings().resolved_database_url())
    except Exception as exc:  # one clear line for the operator, whatever the driver raised
        typer.echo(f"error: migration failed: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo("catalogue is up to date")


def _preflight() -> None:
    """Stop with one clear line when the operator's keys are missing or the catalogue is behind."""
    from core.settings import SettingsError
    from ingest.runtime import preflight
    from vault.schema import SchemaOutOfDate

    try:
        preflight()
    except (SettingsError, SchemaOutOfDate) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


longterm_app = typer.Typer(help="Long-term validation: B-T → B-LTA upgrades and archive timestamp renewals.")


@longterm_app.command("run")
def longterm_run(limit: Annotated[int, typer.Option(min=1, help="Documents to process at most")] = 500) -> None:
    """Run the long-term validation job once, now (the worker started with --beat runs it nightly)."""
    import json

    from ingest import runtime
    from ingest.longterm import run_longterm
    from signing.settings import signing_settings

    report = run_longterm(runtime.catalogue(), runtime.vault(), signing_settings(), limit=limit)
    typer.echo(json.dumps(report.__dict__, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command()(worker)
    app.command()(beat)
    app.command()(migrate)
    app.add_typer(longterm_app, name="longterm")
    try:
        paperwork = importlib.import_module("ingest.cli_paperwork")
    except ModuleNotFoundError as exc:
        if exc.name != "ingest.cli_paperwork":
            raise
    else:
        paperwork.register(app)
