"""Entry point of the `sohoa` console script.

Each stage registers its own commands (`<stage>/cli.py` with `register(app)`), imported here statically so the
import contracts see them; heavy imports stay inside the command functions so that `sohoa --help` is quick.
"""

from __future__ import annotations

import typer

from api import cli as api_cli
from core.logging import configure_logging
from core.settings import core_settings
from issuing import cli as issuing_cli
from ocr import cli as ocr_cli
from runtime import audit_cli, deploy_cli, ops_cli, portal_cli, stats_cli
from runtime import cli as runtime_cli
from signing import cli as signing_cli
from vault import cli as vault_cli

app = typer.Typer(
    name="sohoa",
    help="Số hóa: digitise paper dossiers — cleanup, Vietnamese OCR, PAdES signing, personal data vault.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _setup() -> None:
    settings = core_settings()
    configure_logging(settings.log_level, settings.log_format)


ocr_cli.register(app)
signing_cli.register(app)
vault_cli.register(app, runtime_cli.open_vault, runtime_cli.staging_check)
issuing_cli.register(app)
runtime_cli.register(app)
audit_cli.register(app)
stats_cli.register(app)
portal_cli.register(app)
ops_cli.register(app)
deploy_cli.register(app)
api_cli.register(app)


def main() -> None:
    app()
