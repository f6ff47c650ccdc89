"""`sohoa audit verify [--checkpoint FILE]` and `sohoa audit checkpoint`: the access log's hash chain checked
against its signed checkpoints, and a checkpoint taken now with the agency's signing identity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from asn1crypto import x509

    from issuing.checkpoints import Checked
    from vault.service import Vault

audit_app = typer.Typer(help="The hash-chained access log of the vault and its signed checkpoints.")

TrustOption = Annotated[
    list[Path] | None,
    typer.Option("--trust", help="Extra trusted CA certificate (PEM/DER) for the checkpoint's signer; repeatable"),
]


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _open() -> Vault:
    from core.settings import SettingsError
    from runtime.catalogue import open_vault
    from vault.errors import VaultError
    from vault.schema import SchemaOutOfDate

    try:
        return open_vault()
    except (VaultError, SettingsError, SchemaOutOfDate) as exc:
        _fail(str(exc))
        raise AssertionError("unreachable") from exc


def _anchors(extra: list[Path] | None) -> list[x509.Certificate]:
    from signing.errors import SigningError
    from signing.trust import TrustSettings, trust_anchors

    try:
        return trust_anchors(TrustSettings(anchors=tuple(extra or ())))
    except SigningError as exc:
        _fail(str(exc))
        raise AssertionError("unreachable") from exc


@audit_app.command("verify")
def verify(
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="A checkpoint file (a citizen's copy) to check the log against")
    ] = None,
    trust: TrustOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was checked as JSON")] = False,
) -> None:
    """Walk the access log's hash chain and check it against every stored checkpoint (or the one given); exit 1
    on a broken chain, a rewrite or cut a checkpoint reveals, or a checkpoint whose signature is refused."""
    from issuing.checkpoints import check_checkpoint, check_stored, summary
    from vault.errors import VaultError

    blob = None
    if checkpoint is not None:
        try:
            blob = checkpoint.read_bytes()
        except OSError as exc:
            _fail(f"cannot read {checkpoint.name}: {exc.strerror or type(exc).__name__}")
    vault = _open()
    anchors = _anchors(trust)
    try:
        bad = vault.verify_audit_chain()
        if blob is not None and checkpoint is not None:
            checked = [check_checkpoint(blob, checkpoint.name, vault, anchors)]
        else:
            checked = check_stored(vault, anchors)
    except VaultError as exc:
        _fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps({"broken_rows": bad, "checkpoints": [summary(c) for c in checked]}, indent=2))
    _report(bad, checked, quiet=as_json)


def _report(bad: list[int], checked: list[Checked], *, quiet: bool) -> None:
    failed = False
    if bad:
        where = "rows removed from the end" if bad[0] == 0 else f"row {bad[0]}"
        rows = ", ".join(map(str, bad[:20]))
        typer.echo(f"Chuỗi băm nhật ký truy cập bị phá vỡ / access log chain BROKEN at {where}; rows: {rows}", err=True)
        failed = True
    for check in checked:
        if not check.holds:
            typer.echo(check.refused or check.mismatch, err=True)
            failed = True
    if failed:
        raise typer.Exit(1)
    if quiet:
        return
    typer.echo("Nhật ký truy cập nguyên vẹn / access log chain intact")
    held = [c for c in checked if c.checkpoint is not None and c.verdict is not None]
    if not held:
        typer.echo("chưa có điểm neo / no checkpoint yet (sohoa audit checkpoint)")
        return
    last = max(held, key=lambda c: c.checkpoint.seq if c.checkpoint else -1)
    assert last.checkpoint is not None and last.verdict is not None
    stamp = "timestamped" if last.verdict.timestamp_trusted else "NOT timestamped"
    typer.echo(
        f"{len(held)} điểm neo khớp / {len(held)} checkpoint(s) hold; latest: row {last.checkpoint.seq},"
        f" signed by {last.verdict.signer}, {stamp}"
    )


@audit_app.command("checkpoint")
def checkpoint_now(trust: TrustOption = None) -> None:
    """Sign the access log's head with the agency's identity (timestamped by the TSA when configured) and store
    it under retention; the worker's scheduler does this periodically (SOHOA_VAULT_AUDIT_CHECKPOINT_MINUTES)."""
    from issuing.checkpoints import ChainBroken, take_checkpoint
    from runtime.signers import agency_signer
    from signing.errors import SigningError
    from vault.errors import VaultError

    vault = _open()
    anchors = _anchors(trust)
    try:
        signer = agency_signer()
        try:
            taken = take_checkpoint(vault, signer, anchors)
        finally:
            signer.close()  # its HTTP session and token session, before this process ends
    except ChainBroken as exc:
        _fail(str(exc), code=1)
        return
    except (SigningError, VaultError) as exc:
        _fail(str(exc))
        return
    if taken is None:
        typer.echo("không có gì mới từ điểm neo trước / nothing new since the last checkpoint")
        return
    for warning in taken.warnings:
        typer.echo(
            f"cảnh báo: điểm neo không có dấu thời gian / warning: checkpoint not timestamped: {warning}", err=True
        )
    typer.echo(f"đã lưu điểm neo / checkpoint of row {taken.checkpoint.seq} stored as {taken.key}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
