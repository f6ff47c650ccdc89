"""Settings of the papers sohoa issues (`SOHOA_PAPERWORK_*`): working calendar, procedure table, receipts.

With no configuration the calendar and procedure tables shipped in `issuing/data/` are used.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

DATA_DIR = Path(__file__).parent / "data"


class PaperworkSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_PAPERWORK_", extra="ignore")

    calendar_file: Path = DATA_DIR / "calendar_vn.toml"
    procedures_file: Path = DATA_DIR / "procedures.toml"
    # Overrides the calendar file's sessions, e.g. "07:30-11:30,13:30-17:00".
    sessions: str | None = None
    # A date in a year the calendar file does not list: "error" refuses it, "weekends_only" counts it with
    # weekly rest days only (no holidays).
    missing_year: Literal["error", "weekends_only"] = "error"
    # The owner identifier printed on receipts and in their QR: "masked" (045******234) or "clear".
    owner_id_on_paper: Literal["masked", "clear"] = "masked"
    # The issuing system named in receipt QR codes.
    issuing_system: str = "sohoa"
    # Folder holding the Liberation fonts, when not in the system font folders.
    font_dir: Path | None = None


@lru_cache(maxsize=1)
def paperwork_settings() -> PaperworkSettings:
    return PaperworkSettings()
