"""Commands of a deployment: `sohoa migrate` (the catalogue's migrations as one explicit step, the one-shot
job that the API, workers and beat wait for) and `sohoa beat` (the nightly scheduler, one per site).
"""

from __future__ import annotations

from typing import Annotated

import typer


def preflight_or_exit() -> None:
    """Stop with one clear line when the operator's keys are missing or the catalogue is behind."""
    from core.settings import SettingsError
    from runtime.catalogue import preflight
    from vault.schema import SchemaOutOfDate

    try:
        preflight()
    except (SettingsError, SchemaOutOfDate) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def migrate() -> None:
    """Bring the catalogue (the vault's, the pipeline's and the issuing tables) to this release's schema."""
    from ingest.db import migrate as run_migrate
    from vault.settings import vault_settings

    try:
        run_migrate(vault_settings().resolved_database_url())
    except Exception as exc:  # one clear line for the operator, whatever the driver raised
        typer.echo(f"error: migration failed: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo("catalogue is up to date")


def beat(
    pidfile: Annotated[str, typer.Option(help="Where beat writes its process id (its health check reads it)")] = "",
    loglevel: Annotated[str, typer.Option(help="Celery log level")] = "INFO",
) -> None:
    """Run the scheduler alone (nightly long-term validation); exactly one per site."""
    from runtime.celery_app import celery_app

    preflight_or_exit()
    celery_app.start(["beat", f"--loglevel={loglevel}", *([f"--pidfile={pidfile}"] if pidfile else [])])


def register(app: typer.Typer) -> None:
    app.command()(migrate)
    app.command()(beat)
