"""`sohoa serve` runs the API (and on the embedded default its worker too).

`sohoa token` mints development JWTs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from core.types import Role


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (SOHOA_API_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (SOHOA_API_PORT)")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data folder (SOHOA_DATA_DIR)")] = None,
    worker: Annotated[
        bool | None, typer.Option(help="Also start a pipeline worker (default: embedded only)")
    ] = None,
) -> None:
    """Run the HTTP API; on the embedded default a pipeline worker runs beside it."""
    import os

    import uvicorn

    if data_dir is not None:
        os.environ["SOHOA_DATA_DIR"] = str(data_dir)
    from api.app import create_app
    from api.settings import api_settings
    from ingest.settings import ingest_settings

    settings = api_settings()
    start_worker = worker if worker is not None else settings.embedded_worker
    if start_worker is None:
        start_worker = ingest_settings().embedded_broker
    worker_process = None
    if start_worker:
        worker_process = subprocess.Popen([sys.executable, "-m", "cli", "worker"])
    try:
        uvicorn.run(create_app(), host=host or settings.host, port=port or settings.port, log_level="info")
    finally:
        if worker_process is not None:
            worker_process.terminate()
            worker_process.wait(timeout=30)


def token(
    role: Annotated[Role, typer.Option(help="station, handler, citizen, portal or admin")],
    sub: Annotated[str, typer.Option(help="Subject: station id, officer id, citizen id, portal id")],
    agency: Annotated[str | None, typer.Option(help="Agency code (stations and handlers)")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner id (citizens)")] = None,
    hours: Annotated[float, typer.Option(help="Lifetime in hours")] = 8.0,
) -> None:
    """Print a development bearer token that the embedded default accepts."""
    import datetime as dt

    from api.settings import api_settings
    from api.tokens import TokenError, mint_development_token
    from core.settings import core_settings

    try:
        minted = mint_development_token(
            api_settings(),
            core_settings(),
            role=role,
            subject=sub,
            agency_code=agency,
            owner_id=owner,
            lifetime=dt.timedelta(hours=hours),
        )
    except TokenError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(minted)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(token)
