"""Agency names by code for what people read: the operator's setting (`IssuingSettings.agency_names`) first, then
the shipped list (`issuing/data/agencies.toml`), else the code itself.
"""

from __future__ import annotations

import tomllib
from functools import cache

from issuing.settings import DATA_DIR, issuing_settings


@cache
def shipped_names() -> dict[str, str]:
    with (DATA_DIR / "agencies.toml").open("rb") as handle:
        return {str(code): str(name) for code, name in tomllib.load(handle).get("agencies", {}).items()}


def agency_label(code: str | None) -> str:
    """The agency's name with its code in brackets when known, the code alone otherwise, "—" for none."""
    if not code:
        return "—"
    name = issuing_settings().agency_names.get(code) or shipped_names().get(code)
    return f"{name} ({code})" if name and name != code else code
