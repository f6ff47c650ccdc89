"""docs/deploy.md as the operator follows it: its settings table is what the settings classes say today, its first
start exports what compose.yaml requires, and its `sohoa` commands exist with their options."""

from __future__ import annotations

import re
from pathlib import Path

from tests.deploy.test_readme import _commands, _help
from tests.support.settings_table import BEGIN, DOC, END, all_settings, markdown

ROOT = Path(__file__).resolve().parents[2]


def test_the_settings_table_of_docs_deploy_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert table == markdown(), "run `python -m tests.support.settings_table` and commit docs/deploy.md"
    names = {setting.env for setting in all_settings()}
    assert {"SOHOA_OWNER_KEY_FILE", "SOHOA_VAULT_SSE_KEY_FILE", "SOHOA_AUTO_MIGRATE", "SOHOA_SECRETS_DIR"} <= names
    assert all(f"`{name}`" in table for name in names)


def _sh_blocks(text: str) -> list[str]:
    return [block.split("```", 1)[0] for block in text.split("```sh\n")[1:]]


def test_the_first_start_exports_every_variable_compose_requires() -> None:
    """Walked on 30 Nov 2026: compose.yaml let SOHOA_SIGNING_TSA_URL default to empty and the first start did not
    name it, so every document waited for a TSA that was never set. Compose now requires it (`${NAME:?...}`), and
    each variable it requires is exported by the first start's shell block."""
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{(\w+):\?", compose))
    assert "SOHOA_SIGNING_TSA_URL" in required
    first_start = _sh_blocks(DOC.read_text(encoding="utf-8").split("## First start", 1)[1])[0]
    exported = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", first_start.split("export", 1)[1]))
    assert required <= exported, required - exported


def test_every_sohoa_command_and_option_in_docs_deploy_exists() -> None:
    """The operator's commands of docs/deploy.md's shell blocks (backups, ...) exist with the options they name."""
    seen = 0
    for block in _sh_blocks(DOC.read_text(encoding="utf-8")):
        for path, options in _commands(block):
            seen += 1
            answer = _help(path)
            assert answer.returncode == 0, (path, answer.stderr)
            assert all(option in answer.stdout for option in options), (path, options)
    assert seen >= 2
