"""Why a station reads a citizen's papers at the counter, as the access log records it beside each read.
A handler states a purpose once per dossier (`web.session.stated_purpose`); the counter's purpose is its task.
"""

from __future__ import annotations

import dataclasses

from core.types import Actor, Role

RECEIVING = "tiếp nhận hồ sơ {code}"
CHECKING = "kiểm tra giấy tờ để dùng lại"


def counter_purpose(dossier_code: str = "") -> str:
    """The counter's purpose: receiving this dossier, or, before one is open, checking the papers to reuse."""
    code = dossier_code.strip()
    return RECEIVING.format(code=code) if code else CHECKING


def at_counter(actor: Actor, dossier_code: str = "") -> Actor:
    """The station carrying the counter's purpose (its own when it stated one); any other role unchanged."""
    if actor.role is not Role.STATION or actor.purpose:
        return actor
    return dataclasses.replace(actor, purpose=counter_purpose(dossier_code))
