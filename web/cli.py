"""`sohoa serve`: the API with its web pages (on the embedded default a pipeline worker runs beside it).

The command's options and the server loop live in `api.cli.run_server`; this layer names the app factory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli import run_server


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (SOHOA_API_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (SOHOA_API_PORT)")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data folder (SOHOA_DATA_DIR)")] = None,
    worker: Annotated[bool | None, typer.Option(help="Also start a pipeline worker (default: embedded only)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=64, help="API processes (SOHOA_API_WORKERS)")] = None,
) -> None:
    """Run the HTTP API and the web pages; on the embedded default a pipeline worker runs beside it."""
    run_server("web.app:create_app", host, port, data_dir, worker, workers)


def register(app: typer.Typer) -> None:
    app.command()(serve)
