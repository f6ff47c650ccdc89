"""Entry point of the `sohoa` console script.

Each stage registers its own commands (`ocr.cli`, `signing.cli`, `vault.cli`, `api.cli`); heavy imports stay
inside the command functions so that `sohoa --help` is quick.
"""

from __future__ import annotations

import importlib

import typer

from core.logging import configure_logging
from core.settings import core_settings

app = typer.Typer(
    name="sohoa",
    help="Số hóa: digitise paper dossiers — cleanup, Vietnamese OCR, PAdES signing, personal data vault.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

STAGE_CLI_MODULES = ("ocr.cli", "signing.cli", "vault.cli", "ingest.cli", "api.cli", "web.cli")


@app.callback()
def _setup() -> None:
    settings = core_settings()
    configure_logging(settings.log_level, settings.log_format)


def _register_stages() -> None:
    for module_name in STAGE_CLI_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # that stage has no commands yet
            raise
        module.register(app)


_register_stages()


def main() -> None:
    app()
