"""Every action the vault writes into the access log has Vietnamese words (and English ones) on the citizen's
"who read my papers": a raw `match`, `revoke_grant` or `status:cancelled` was shown to her as it is."""

from __future__ import annotations

import re
from pathlib import Path

from core.types import DocumentStatus
from web.i18n import EN
from web.vault_words import ACTION_VI, action_words

VAULT = Path(__file__).parents[2] / "vault"
RECORDED = re.compile(r"""(?:record_access\(\s*session,\s*actor,\s*|Link\(\s*actor,\s*)f?["']([a-z_:{}]+)["']""")


def recorded_actions() -> set[str]:
    """The actions the vault's code records, read from its source (`legal_hold:set`/`:clear` spelled out)."""
    found: set[str] = set()
    for source in VAULT.glob("*.py"):
        found |= set(RECORDED.findall(source.read_text()))
    found |= {"legal_hold:set", "legal_hold:clear", "write", "store", "new_version"}
    return {a for a in found if "{" not in a} | {f"status:{s}" for s in DocumentStatus}


def test_every_recorded_action_has_vietnamese_and_english_words() -> None:
    actions = recorded_actions()
    assert {"check", "match", "revoke_grant", "reuse", "view", "read"} <= actions, actions
    missing = sorted(a for a in actions if a not in ACTION_VI)
    assert not missing, missing
    untranslated = sorted(ACTION_VI[a] for a in actions if ACTION_VI[a] not in EN)
    assert not untranslated, untranslated
    assert action_words("check") == "Kiểm tra có trong kho (không mở giấy tờ)"
    assert action_words("status:cancelled") == "Hủy giấy tờ"
