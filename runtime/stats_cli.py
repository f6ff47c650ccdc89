"""`sohoa stats report --month YYYY-MM`: the month's Decision 766 indicators computed, sealed and signed by the
agency and stored in the vault for the portal (the worker's beat does it on the 1st for the month before).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

stats_app = typer.Typer(help="Decision 766 indicators: the signed monthly report.")


def _fail(message: str) -> None:
    typer.echo(f"lỗi / error: {message}", err=True)
    raise typer.Exit(2)


@stats_app.command("report")
def report(
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM (default: last month, Vietnam time)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures and files as JSON")] = False,
) -> None:
    """Publish the month's report in the vault (PDF with the agency's seal, CMS-signed CSV, JSON); a month
    already published is left as it is and reported."""
    from core.settings import SettingsError
    from core.timezone import now_vn
    from ingest.batches import failed_dossier_codes
    from issuing.settings import issuing_settings
    from issuing.stats_report import month_bounds, previous_month, publish_month
    from runtime.catalogue import catalogue, open_vault
    from runtime.signers import agency_signer
    from signing.errors import SigningError
    from vault.errors import InvalidInput, VaultError
    from vault.schema import SchemaOutOfDate

    month = month or previous_month(now_vn().date())
    try:
        start, _end = month_bounds(month)
        with catalogue()() as session:
            failed = failed_dossier_codes(session, start)
        vault = open_vault()
        signer = agency_signer()
        try:
            published = publish_month(vault, signer, month, failed, issuing_settings().report_agency_name)
        finally:
            signer.close()
    except InvalidInput as exc:
        _fail(f"tháng phải có dạng YYYY-MM / {exc}")
        return
    except (VaultError, SettingsError, SchemaOutOfDate, SigningError) as exc:
        _fail(str(exc))
        return
    if as_json:
        body: dict[str, object] = {"month": month, "files": published.files, "stored": list(published.stored)}
        body["figures"] = [f.model_dump(mode="json") for f in published.figures]
        typer.echo(json.dumps(body, ensure_ascii=False, indent=1))
        return
    total = published.figures[0]
    state = "đã lưu / stored" if published.stored else "đã có từ trước / already published"
    typer.echo(f"Báo cáo chỉ tiêu 766 tháng {month}: {state}; {total.dossiers_received} hồ sơ tiếp nhận")
    for name in ("digitisation", "electronic_results", "reuse"):
        value = getattr(total, name)
        typer.echo(f"  {value.label}: {value.numerator}/{value.denominator} ({value.rate * 100:.1f} %)")
    for name, version in sorted(published.files.items()):
        typer.echo(f"  {name} @ {version}")


def register(app: typer.Typer) -> None:
    app.add_typer(stats_app, name="stats")
