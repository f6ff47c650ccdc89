"""`sohoa sign` and `sohoa verify`: PAdES signing (PKCS#12 file, PKCS#11 token or development identity) and
validation with a verdict per signature; errors are one line with a distinct exit code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.files import write_atomically

if TYPE_CHECKING:
    from signing.identity import SigningIdentity
    from signing.report import ValidationReport

EXIT_NOT_PASSED = 1
EXIT_BAD_INPUT = 3
EXIT_CREDENTIALS = 4
EXIT_CERTIFICATE = 5
EXIT_TSA = 6
EXIT_OTHER = 7


class Level(StrEnum):
    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"


class StampChoice(StrEnum):
    OFFICER = "officer"
    AGENCY = "agency"


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _quiet_libraries() -> None:
    """pyHanko logs expected validation failures with tracebacks: keep them out of the CLI unless debugging."""
    import logging

    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _exit_code(exc: Exception) -> int:
    from signing import errors

    for kind, code in (
        (errors.PdfInputError, EXIT_BAD_INPUT),
        (errors.CredentialError, EXIT_CREDENTIALS),
        (errors.CertificateUnusableError, EXIT_CERTIFICATE),
        (errors.TimestampUnavailableError, EXIT_TSA),
    ):
        if isinstance(exc, kind):
            return code
    return EXIT_OTHER


def _secret(env_var: str, file: Path | None, prompt: str) -> str:
    """A password or PIN from a file, else the environment variable, else a hidden prompt."""
    if file is not None:
        try:
            return file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise _fail(f"cannot read {file}: {exc.strerror}", EXIT_CREDENTIALS) from exc
    value = os.environ.get(env_var)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise _fail(f"no secret given: set {env_var} or pass a file", EXIT_CREDENTIALS)
    return str(typer.prompt(prompt, hide_input=True))


def _identity(
    p12: Path | None,
    p12_password_file: Path | None,
    pkcs11_lib: Path | None,
    token: str | None,
    key: str | None,
    pin_file: Path | None,
    stamp: StampChoice | None,
    name: str | None = None,
) -> SigningIdentity:
    from core.settings import core_settings
    from signing.identity import development_identity, load_pkcs11, load_pkcs12

    if p12 is not None and pkcs11_lib is not None:
        raise _fail("use either --p12 or --pkcs11-lib, not both", 2)
    if p12 is not None:
        if not p12.is_file():
            raise _fail(f"{p12} not found", EXIT_CREDENTIALS)
        return load_pkcs12(p12, _secret("SOHOA_P12_PASSWORD", p12_password_file, "PKCS#12 password"))
    if pkcs11_lib is not None:
        if not token or not key:
            raise _fail("--pkcs11-lib needs --token LABEL and --key LABEL", 2)
        return load_pkcs11(pkcs11_lib, token, key, _secret("SOHOA_PKCS11_PIN", pin_file, "token PIN"))
    role = "agency" if stamp is StampChoice.AGENCY else "officer"
    typer.echo("warning: no key given: signing with the DEVELOPMENT identity (no legal value)", err=True)
    if role == "officer" and name:
        from signing.identity import officer_dev_identity

        return officer_dev_identity(core_settings().data_dir, f"cli:{name}", name)  # the officer's own
    return development_identity(core_settings().data_dir, role)


def sign_command(
    input_pdf: Annotated[Path, typer.Argument(help="PDF to sign", metavar="IN.pdf")],
    output: Annotated[Path, typer.Option("-o", "--output", help="where to write the signed PDF")],
    level: Annotated[Level | None, typer.Option(help="PAdES level (default: setting for components)")] = None,
    p12: Annotated[Path | None, typer.Option(help="PKCS#12 key store (.p12/.pfx)")] = None,
    p12_password_file: Annotated[Path | None, typer.Option(help="file holding the PKCS#12 password")] = None,
    pkcs11_lib: Annotated[Path | None, typer.Option(help="PKCS#11 module of the token or HSM")] = None,
    token: Annotated[str | None, typer.Option(help="token label")] = None,
    key: Annotated[str | None, typer.Option(help="key (and certificate) label on the token")] = None,
    pin_file: Annotated[Path | None, typer.Option(help="file holding the token PIN")] = None,
    stamp: Annotated[StampChoice | None, typer.Option(help="visible stamp on page 1")] = None,
    name: Annotated[str | None, typer.Option(help="name on the stamp (default: certificate name)")] = None,
    unit: Annotated[str | None, typer.Option(help="unit shown on the officer stamp")] = None,
    seal: Annotated[Path | None, typer.Option(help="seal PNG for --stamp agency (default: sample)")] = None,
    reason: Annotated[str | None, typer.Option(help="reason recorded in the signature")] = None,
    tsa: Annotated[str | None, typer.Option(help="RFC 3161 time-stamping authority URL")] = None,
    trust: Annotated[list[Path] | None, typer.Option(help="extra trust anchor (PEM/DER)")] = None,
) -> None:
    """Sign a PDF (incremental update: earlier signatures stay valid)."""
    from core.types import DocumentKind, SignatureLevel
    from signing.errors import SigningError
    from signing.sample_seal import SAMPLE_SEAL
    from signing.settings import signing_settings
    from signing.sign import DocumentSigner
    from signing.stamps import agency_stamp, officer_stamp
    from signing.trust import TrustSettings

    _quiet_libraries()
    try:
        data = input_pdf.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {input_pdf}: {exc.strerror}", EXIT_BAD_INPUT) from exc
    settings = signing_settings()
    chosen = SignatureLevel(level.value) if level else settings.level_for(DocumentKind.COMPONENT)
    try:
        identity = _identity(p12, p12_password_file, pkcs11_lib, token, key, pin_file, stamp, name)
        shown = name or identity.display_name
        spec = None
        if stamp is StampChoice.OFFICER:
            spec = officer_stamp(shown, dt.datetime.now(dt.UTC), unit=unit)
        elif stamp is StampChoice.AGENCY:
            spec = agency_stamp(shown, seal or SAMPLE_SEAL)
        with DocumentSigner(identity, settings, tsa_url=tsa, trust=TrustSettings(anchors=tuple(trust or ()))) as signer:
            outcome = signer.sign_with_outcome(data, level=chosen, stamp=spec, reason=reason)
    except SigningError as exc:
        raise _fail(str(exc), _exit_code(exc)) from exc
    for warning in outcome.warnings:
        typer.echo(f"warning: {warning}", err=True)
    _write_atomically(output, outcome.pdf)
    typer.echo(f"signed {output} at {outcome.level} as {identity.display_name} (field {outcome.field_name})")


def _write_atomically(target: Path, data: bytes) -> None:
    try:
        write_atomically(target, data)
    except OSError as exc:
        raise _fail(f"cannot write {target}: {exc.strerror}", EXIT_OTHER) from exc


def verify_command(
    file: Annotated[Path, typer.Argument(help="signed PDF", metavar="FILE")],
    as_json: Annotated[bool, typer.Option("--json", help="print the full report as JSON")] = False,
    trust: Annotated[list[Path] | None, typer.Option(help="trust anchor certificate (PEM/DER), repeatable")] = None,
    offline: Annotated[bool, typer.Option(help="use only data embedded in the file (no OCSP/CRL fetching)")] = False,
) -> None:
    """Validate every signature; exit code 0 only when every signature is TOTAL-PASSED."""
    from signing.errors import SigningError
    from signing.summary import report_json
    from signing.trust import TrustSettings
    from signing.validate import validate_pdf

    _quiet_libraries()
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {file}: {exc.strerror}", EXIT_BAD_INPUT) from exc
    try:
        report = validate_pdf(data, TrustSettings(anchors=tuple(trust or ()), allow_fetching=not offline))
    except SigningError as exc:
        raise _fail(str(exc), _exit_code(exc)) from exc
    if as_json:
        typer.echo(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    if not report.passed:
        raise typer.Exit(EXIT_NOT_PASSED)


def _print_report(report: ValidationReport) -> None:
    """The Vietnamese summary first (who, when, issuer, level, changes, next step), then the ETSI details."""
    from signing.summary import summarise

    for line in summarise(report).lines():
        typer.echo(line)
    typer.echo("")
    typer.echo("Chi tiết kỹ thuật (ETSI EN 319 102-1):")
    for sig in report.signatures:
        verdict = sig.verdict.value + (f" / {sig.sub_indication}" if sig.sub_indication else "")
        typer.echo(f"signature {sig.field_name}: {verdict}")
        typer.echo(f"  signer:     {sig.signer_subject}")
        typer.echo(f"  signed at:  {sig.signing_time.isoformat() if sig.signing_time else '-'} (claimed)")
        if sig.timestamp:
            typer.echo(f"  timestamp:  {sig.timestamp.time.isoformat() if sig.timestamp.time else '-'}")
            typer.echo(f"  TSA:        {sig.timestamp.tsa}")
        typer.echo(f"  intact:     {'yes' if sig.intact else 'NO'}; chain trusted: {'yes' if sig.trusted else 'no'}")
        typer.echo(f"  revocation: {sig.revocation}; level: {sig.pades_level or '-'}")
        typer.echo(f"  covers:     revision {sig.signed_revision + 1} of {sig.revisions} ({sig.coverage})")
        typer.echo(f"  after:      {sig.changes_after_signing}")
        if sig.message:
            typer.echo(f"  note:       {sig.message}")
    for ts in report.document_timestamps:
        when = ts.timestamp.time.isoformat() if ts.timestamp.time else "-"
        typer.echo(f"document timestamp {ts.field_name}: {ts.verdict.value} at {when} by {ts.timestamp.tsa}")
    file_verdict = report.verdict.value + (f" / {report.sub_indication}" if report.sub_indication else "")
    typer.echo(f"file: {file_verdict}")


def register(app: typer.Typer) -> None:
    """Add `sohoa sign` and `sohoa verify` to the main CLI."""
    app.command("sign")(sign_command)
    app.command("verify")(verify_command)
