"""Why a station reads a citizen's papers at the counter, as the access log records it beside each read.
A handler states a purpose once per dossier (`web.session.stated_purpose`); the counter's purpose is its task.
"""

from __future__ import annotations

import dataclasses

from core.types import Actor, Role

RECEIVING = "tiếp nhận hồ sơ {code}"
CHECKING = "kiểm tra giấy tờ để dùng lại"
CONSENTED = "tiếp nhận hồ sơ, dùng lại giấy tờ theo đồng ý của công dân (mã một lần)"


def counter_purpose(dossier_code: str = "") -> str:
    """The counter's purpose: receiving this dossier, or, before one is open, checking the papers to reuse."""
    code = dossier_code.strip()
    return RECEIVING.format(code=code) if code else CHECKING


def at_counter(actor: Actor, dossier_code: str = "", *, consented: bool = False) -> Actor:
    """The station carrying the counter's purpose (its own when it stated one); any other role unchanged. With
    `consented`, the dossier is opened from vault papers by the citizen's one-time code, and the log says so."""
    if actor.role is not Role.STATION or actor.purpose:
        return actor
    return dataclasses.replace(actor, purpose=CONSENTED if consented else counter_purpose(dossier_code))
