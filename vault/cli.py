"""Commands of the vault: `sohoa vault fsck|legal-hold|migrate` (`sohoa audit` is in `runtime.audit_cli`).

Heavy imports stay inside the commands; errors exit non-zero with one clear line, no traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Protocol

import typer

vault_app = typer.Typer(help="The personal data vault: consistency checks, legal holds, migrations.")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@vault_app.command("fsck")
def fsck(
    ctx: typer.Context,
    repair: Annotated[bool, typer.Option("--repair", help="Complete or roll back crashed writes")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    quick: Annotated[
        bool, typer.Option("--quick", help="Only check that objects exist (no re-hashing of every object)")
    ] = False,
    grace: Annotated[
        float | None, typer.Option(help="Seconds before an unfinished write counts as crashed (default 600)")
    ] = None,
) -> None:
    """Check that every catalogued object exists and verifies, and that no batch staging was abandoned; repair
    crashed writes and sweep abandoned staging with --repair."""
    from core.settings import SettingsError
    from vault.errors import VaultError
    from vault.schema import SchemaOutOfDate

    open_vault, staging = ctx.obj
    try:
        report = open_vault().fsck(repair=repair, grace_seconds=grace, verify_hashes=not quick)
        found = staging(grace, repair)
    except (VaultError, SettingsError, SchemaOutOfDate) as exc:
        _fail(str(exc))
        return
    report.swept_staging = found.swept
    report.abandoned_staging = [name for name in found.abandoned if name not in found.swept]
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        typer.echo(f"checked {report.checked_versions} object versions")
        for label, items in (
            ("completed writes", report.completed_writes),
            ("rolled back writes", report.rolled_back_writes),
            ("unfinished writes", report.pending_writes),
            ("missing objects (document ids)", report.missing_objects),
            ("hash mismatches (document ids)", report.hash_mismatches),
            ("orphan objects", report.orphan_objects),
            ("deleted orphans", report.deleted_orphans),
            ("abandoned staging (batch ids)", report.abandoned_staging),
            ("swept staging (batch ids)", report.swept_staging),
        ):
            if items:
                typer.echo(f"{label}: {len(items)}: {', '.join(items)}")
        typer.echo("clean" if report.clean else "needs attention")
    if report.missing_objects or report.hash_mismatches:
        raise typer.Exit(1)


@vault_app.command("legal-hold")
def legal_hold(
    ctx: typer.Context,
    doc_id: Annotated[str, typer.Argument(help="Document id")],
    set_hold: Annotated[bool, typer.Option("--set/--clear", help="Set or lift the legal hold")] = True,
    subject: Annotated[str, typer.Option(help="Administrator recorded in the access log")] = "cli-admin",
) -> None:
    """Set or lift the legal hold on every version of a document (recorded in the access log)."""
    from core.settings import SettingsError
    from core.types import Actor, Role
    from vault.errors import VaultError
    from vault.schema import SchemaOutOfDate

    try:
        ctx.obj[0]().set_legal_hold(doc_id, set_hold, Actor(subject=subject, role=Role.ADMIN))
    except (VaultError, SettingsError, SchemaOutOfDate) as exc:
        _fail(str(exc))
    typer.echo(f"legal hold {'set' if set_hold else 'lifted'} on {doc_id}")


@vault_app.command("migrate")
def migrate() -> None:
    """Bring the catalogue to the newest schema."""
    from vault.db import migrate as run_migrate
    from vault.settings import vault_settings

    try:
        run_migrate(vault_settings().resolved_database_url())
    except Exception as exc:
        _fail(f"migration failed: {type(exc).__name__}: {exc}")
    typer.echo("catalogue is up to date")


class StagingFound(Protocol):
    """What the staging check found: abandoned staging (names) and, with --repair, what it removed."""

    @property
    def abandoned(self) -> list[str]: ...

    @property
    def swept(self) -> list[str]: ...


# (grace seconds or None for the configured age, repair) -> what was found; staging belongs to `ingest`
StagingCheck = Callable[[float | None, bool], StagingFound]


def register(app: typer.Typer, open_vault: Callable[[], Any], staging: StagingCheck) -> None:
    """`open_vault` builds the vault a command acts on, `staging` finds (and with --repair sweeps) abandoned
    batch staging for `fsck`; the composition root (`runtime.cli`) hands both."""

    @vault_app.callback()
    def _hand_over(ctx: typer.Context) -> None:
        ctx.obj = (open_vault, staging)

    app.add_typer(vault_app, name="vault")
