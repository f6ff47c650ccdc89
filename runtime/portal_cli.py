"""`sohoa portal`: the outbox to the national portal: its backlog, dead letters, their replay, and one delivery
run in this process (docs/portal.md)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

portal_app = typer.Typer(help="Sync with the national public service portal: the outbox, dead letters, replay.")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@portal_app.command("status")
def status() -> None:
    """Messages waiting, sent and dead; the age of the oldest one waiting (JSON)."""
    from issuing import portal
    from runtime.catalogue import catalogue

    with catalogue()() as session:
        counts = portal.backlog(session)
    typer.echo(json.dumps({"configured": bool(portal.portal_settings().sync_url), **counts}))


@portal_app.command("dead")
def dead() -> None:
    """The dead letters: id, subject, flow, attempts, last error (one JSON line each)."""
    from issuing import portal
    from runtime.catalogue import catalogue

    with catalogue()() as session:
        letters = portal.dead_letters(session)
    for letter in letters:
        typer.echo(json.dumps({**vars(letter), "created_at": letter.created_at.isoformat()}, ensure_ascii=False))


@portal_app.command("replay")
def replay(
    ids: Annotated[list[str] | None, typer.Argument(help="Message ids to send again")] = None,
    all_dead: Annotated[bool, typer.Option("--all", help="Send every dead letter again")] = False,
) -> None:
    """Put dead letters back in the outbox (by id, or --all); the delivery task is started."""
    from issuing import portal
    from runtime.catalogue import catalogue

    if bool(ids) == all_dead:
        _fail("give message ids or --all, not both")
    if ids and any(len(i) != 32 or not all(c in "0123456789abcdef" for c in i) for i in ids):
        _fail("a message id is 32 hexadecimal digits")
    with catalogue().begin() as session:
        count = portal.replay(session, None if all_dead else ids)
    typer.echo(f"replayed {count}")


@portal_app.command("sync")
def sync() -> None:
    """Send the messages that are due now, in this process (no worker needed)."""
    from issuing import portal
    from runtime.catalogue import catalogue

    if not portal.portal_settings().sync_url:
        _fail("SOHOA_PORTAL_SYNC_URL is not set")
    pumped = portal.pump(catalogue())
    typer.echo(json.dumps({"delivered": pumped.delivered, "failed": pumped.failed, "dead": pumped.dead}))


def register(app: typer.Typer) -> None:
    app.add_typer(portal_app, name="portal")
