"""`sohoa token` mints development JWTs; `sohoa upload` sends a scanned batch from a station.

`sohoa serve` (the API on the configured world) is in `runtime.cli`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.types import Role


def token(
    role: Annotated[Role, typer.Option(help="station, handler, citizen, portal or admin")],
    sub: Annotated[str, typer.Option(help="Subject: station id, officer id, citizen id, portal id")],
    agency: Annotated[str | None, typer.Option(help="Agency code (stations and handlers)")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner id (citizens)")] = None,
    hours: Annotated[float, typer.Option(help="Lifetime in hours")] = 8.0,
    name: Annotated[str | None, typer.Option(help="Display name (`name` claim): an officer's certificate CN")] = None,
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
            name=name,
        )
    except TokenError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(minted)


def _print_outcome(state: dict[str, object]) -> int:
    """Print each document's id, signature verdict and rescan requests; the exit code for the batch."""
    from rich.console import Console
    from rich.table import Table

    table = Table("#", "name", "status", "signature", "rescan", title="documents")
    table.add_column("document id", overflow="fold", no_wrap=True, min_width=32)
    documents = state.get("documents") or []
    assert isinstance(documents, list)
    for doc in documents:
        rescan = "; ".join(f"p.{item['page']}: {item['reason']}" for item in doc["rescan"])
        status = doc["status"] if not doc.get("error") else f"{doc['status']}: {doc['error']}"
        table.add_row(
            str(doc["index"] + 1), doc["name"], status, doc["signature"] or "-", rescan or "-", doc["id"] or "-"
        )
    # Never cut an id: a pipe or a narrow terminal still gets the whole table (wider than 80 columns if need be).
    Console(width=max(Console().width, 160)).print(table)
    typer.echo(f"batch {state['batch_id']}: {state['status']} (dossier {state['dossier_code']})")
    return {"done": 0, "needs_rescan": 3}.get(str(state["status"]), 1)


def upload(
    paths: Annotated[list[Path], typer.Argument(help="Page files in order (or one zip with manifest.json)")],
    owner: Annotated[str | None, typer.Option(help="Owner's personal ID or tax code")] = None,
    dossier: Annotated[str | None, typer.Option(help="Dossier code (default: a new one)")] = None,
    split: Annotated[str, typer.Option(help="qr, blank or manifest")] = "qr",
    manifest: Annotated[Path | None, typer.Option(help="A manifest JSON file (overrides the options)")] = None,
    agency: Annotated[str | None, typer.Option(envvar="SOHOA_STATION_AGENCY", help="Agency code")] = None,
    procedure: Annotated[str | None, typer.Option(envvar="SOHOA_STATION_PROCEDURE", help="Procedure code")] = None,
    station: Annotated[str, typer.Option(envvar="SOHOA_STATION_ID", help="Station id")] = "station",
    server: Annotated[str, typer.Option(envvar="SOHOA_SERVER", help="sohoa server URL")] = "http://127.0.0.1:8000",
    token: Annotated[str | None, typer.Option(envvar="SOHOA_TOKEN", help="Station bearer token")] = None,
    wait: Annotated[bool, typer.Option(help="Follow the batch until it is done")] = True,
) -> None:
    """Upload a scanned batch, follow it, print each document; exit 3 when a page needs a rescan."""
    import json
    import logging

    from rich.progress import Progress

    from api.client import ApiError, Event, StationClient, Unreachable

    logging.getLogger("httpx").setLevel(logging.WARNING)  # no "HTTP Request:" line per call through the bar
    logging.getLogger("httpcore").setLevel(logging.WARNING)

    if not token:
        typer.echo(
            "error: a station token is needed (--token or SOHOA_TOKEN; `sohoa token --role station`)",
            err=True,
        )
        raise typer.Exit(2)
    for path in paths:
        if not path.is_file():
            typer.echo(f"error: {path}: no such file", err=True)
            raise typer.Exit(2)
    body: dict[str, object] | None
    if manifest is not None:
        try:
            body = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            typer.echo(f"error: {manifest}: not a readable JSON manifest ({exc})", err=True)
            raise typer.Exit(2) from exc
    elif len(paths) == 1 and paths[0].suffix.lower() == ".zip":
        body = None
    else:
        if not (owner and agency and procedure):
            typer.echo("error: --owner, --agency and --procedure are needed without --manifest", err=True)
            raise typer.Exit(2)
        body = {
            "station_id": station,
            "agency_code": agency,
            "procedure_code": procedure,
            "dossier_code": dossier,
            "owner_id": owner,
            "split": split,
        }
    client = StationClient(server, token)
    try:
        accepted = client.upload(paths, body)
        typer.echo(f"batch {accepted['batch_id']} accepted for dossier {accepted['dossier_code']}")
        if not wait:
            return
        start = client.batch(accepted["batch_id"])
        pages = {int(d["index"]): int(d["pages"]) for d in start["documents"]}
        done = {index: 0 for index in pages}
        with Progress(transient=True) as progress:
            bar = progress.add_task("pages", total=sum(pages.values()) or None)

            def update(event: Event) -> None:
                index = int(event.data.get("index", -1))
                if event.kind == "page" and index in done:
                    done[index] = max(done[index], int(event.data["done"]))
                elif event.kind == "document" and event.data.get("status") in ("done", "failed") and index in done:
                    done[index] = pages[index]
                step = event.data.get("step") or event.data.get("status") or ""
                progress.update(bar, completed=sum(done.values()), description=f"pages ({step})")

            final = client.follow(accepted["batch_id"], update)
    except Unreachable as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except (ApiError, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        client.close()
    raise typer.Exit(_print_outcome(final))


def register(app: typer.Typer) -> None:
    app.command()(token)
    app.command()(upload)
