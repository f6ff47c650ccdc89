"""Commands of a deployment: `sohoa migrate` (the catalogue's migrations as one explicit step, the one-shot
job that the API, workers and beat wait for), `sohoa beat` (the nightly scheduler, one per site) and
`sohoa backup create|restore` (catalogue, object versions, sealed keys).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from vault.backup import BackupReport

backup_app = typer.Typer(help="Backups that restore: the catalogue, every object version, the sealed keys.")
# Names of the keys inside a backup, and the files of the data folder that hold them on the embedded default.
KEYS = {"owner_partition_key": "vault-partition-key", "sse_c_key": "vault-sse-c-key"}
PassphraseFile = Annotated[Path, typer.Option(help="File holding the passphrase that seals the backup's keys")]


def preflight_or_exit(*, signing: bool = False) -> None:
    """Stop with one clear line when the operator's keys are missing or the catalogue is behind (and, for a
    process that signs, when its signatures need a time-stamping authority that is not set)."""
    from core.settings import SettingsError
    from runtime.catalogue import preflight
    from runtime.signers import check_signing
    from vault.schema import SchemaOutOfDate

    try:
        preflight()
        if signing:
            check_signing()
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


def _passphrase(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        typer.echo(f"error: {path}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc


@backup_app.command("create")
def backup_create(
    target: Annotated[Path, typer.Argument(help="Backup folder (an earlier backup there is reused: new objects only)")],
    passphrase_file: PassphraseFile,
    as_json: Annotated[
        bool | None,
        typer.Option("--json/--summary", help="The report as one JSON line (default when stdout is no terminal)"),
    ] = None,
) -> None:
    """Back up the catalogue, every object version (with its SHA-256) and the keys, sealed with the passphrase."""
    from vault.backup import create_backup
    from vault.db import make_engine
    from vault.settings import vault_settings
    from vault.store import make_store

    passphrase = _passphrase(passphrase_file)
    preflight_or_exit()
    settings = vault_settings()
    keys = {"owner_partition_key": settings.partition_key()}
    if settings.s3_endpoint and settings.s3_sse == "ssec":
        keys["sse_c_key"] = settings.sse_customer_key()
    engine = make_engine(settings.resolved_database_url())
    try:
        report = create_backup(engine, make_store(settings), target, keys, passphrase)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    wants_json = as_json if as_json is not None else not sys.stdout.isatty()
    typer.echo(json.dumps(asdict(report)) if wants_json else backup_summary(report, target))


def backup_summary(report: BackupReport, target: Path) -> str:
    """What a backup did, for a person at a terminal: where, how long, objects copied and already there, bytes."""
    kept = report.object_versions - report.objects_copied
    rows, tables = count(sum(report.tables.values()), "row"), count(len(report.tables), "table")
    return "\n".join(
        [
            f"Backup written to {target.resolve()} in {report.seconds:.1f} s",
            f"  object versions: {report.object_versions} ({report.objects_copied} copied, {kept} already there)",
            f"  bytes copied:    {report.bytes_copied:,} ({report.bytes_copied / 1e6:.1f} MB)",
            f"  catalogue:       {rows} in {tables}",
        ]
    )


def count(number: int, noun: str) -> str:
    """ "1 row", "0 rows", "2 rows": the summary's English nouns take an s unless there is exactly one."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


@backup_app.command("restore")
def backup_restore(
    source: Annotated[Path, typer.Argument(help="Backup folder written by `sohoa backup create`")],
    passphrase_file: PassphraseFile,
    keys_out: Annotated[
        Path | None, typer.Option(help="Also write the keys there as files (mode 0600) for the key settings")
    ] = None,
) -> None:
    """Restore onto an empty system (empty catalogue, empty bucket or folder) with the backup's keys."""
    from core.settings import SettingsError, core_settings, install_data_secret
    from ingest.db import migrate as run_migrate
    from vault.backup import BackupError, backup_keys, restore_backup
    from vault.backup_codec import SealError
    from vault.db import make_engine
    from vault.settings import vault_settings
    from vault.store import make_store

    try:
        keys = backup_keys(source, _passphrase(passphrase_file))
        if keys_out is not None:
            keys_out.mkdir(mode=0o700, parents=True, exist_ok=True)
            for name, value in keys.items():
                (keys_out / f"{name}.key").write_bytes(value)
                (keys_out / f"{name}.key").chmod(0o600)
        core, settings = core_settings(), vault_settings()
        if core.embedded_default:
            for name, value in keys.items():
                install_data_secret(core, KEYS[name], value)
        elif settings.partition_key() != keys["owner_partition_key"] or (
            "sse_c_key" in keys and settings.sse_customer_key() != keys["sse_c_key"]
        ):
            raise SettingsError(
                "the key files named by SOHOA_OWNER_KEY_FILE / SOHOA_VAULT_SSE_KEY_FILE are not the backup's: "
                "write the backup's with --keys-out DIR and name those files in the settings"
            )
        url = settings.resolved_database_url()
        run_migrate(url)
        engine = make_engine(url)
        try:
            counts = restore_backup(source, engine, make_store(settings))
        finally:
            engine.dispose()
    except (BackupError, SealError, SettingsError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps({"restored": counts}))


def register(app: typer.Typer) -> None:
    app.command()(migrate)
    app.command()(beat)
    app.add_typer(backup_app, name="backup")
