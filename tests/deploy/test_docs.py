"""docs/deploy.md lists every setting: its table is what the settings classes say today."""

from __future__ import annotations

from tests.support.settings_table import BEGIN, DOC, END, all_settings, markdown


def test_the_settings_table_of_docs_deploy_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert table == markdown(), "run `python -m tests.support.settings_table` and commit docs/deploy.md"
    names = {setting.env for setting in all_settings()}
    assert {"SOHOA_OWNER_KEY_FILE", "SOHOA_VAULT_SSE_KEY_FILE", "SOHOA_AUTO_MIGRATE", "SOHOA_SECRETS_DIR"} <= names
    assert all(f"`{name}`" in table for name in names)
