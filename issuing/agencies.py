"""Agency labels for what people read on web pages: the name from the one look-up every paper uses
(`IssuingSettings.agency_name`: the operator's setting, then `issuing/data/agencies.toml`) with the code beside it.
"""

from __future__ import annotations

from issuing.settings import issuing_settings, shipped_agency_names


def agency_label(code: str | None) -> str:
    """The agency's name with its code in brackets when known, the code alone otherwise, "—" for none."""
    if not code:
        return "—"
    name = issuing_settings().agency_name(code)
    return f"{name} ({code})" if name != code else code


def known_agencies() -> list[tuple[str, str]]:
    """Every agency with a known name (the operator's setting over the shipped list) as (code, label), by label:
    what a citizen picks from instead of typing a code she has never seen."""
    settings = issuing_settings()
    codes = set(shipped_agency_names()) | set(settings.agency_names)
    return sorted(((code, agency_label(code)) for code in codes), key=lambda pair: pair[1])
