"""Settings of what the agency issues, one class: the agency's signing identity and seal, whether sohoa may seal an
unsigned result itself, agency names, whose signatures count as the agency's, certification numbers
(`SOHOA_ISSUING_*`); the working calendar, procedure table and receipts (still read from `SOHOA_PAPERWORK_*`).

With no configuration the calendar and procedure tables shipped in `issuing/data/` are used.
"""

from __future__ import annotations

import tomllib
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from signing.config import SignerConfig

SAMPLE_SEAL = Path(__file__).resolve().parent.parent / "signing" / "data" / "sample_seal.png"
DATA_DIR = Path(__file__).parent / "data"


def _paperwork(default: Any, name: str) -> Any:
    """A setting of the papers, read from `SOHOA_PAPERWORK_<NAME>` as before the settings became one class."""
    return Field(default, validation_alias=f"SOHOA_PAPERWORK_{name.upper()}")


class IssuingSettings(BaseSettings):
    # `agency` is read from SOHOA_ISSUING_AGENCY_P12, ..._P12_PASSWORD_FILE, ..._PKCS11_LIB, ..._PKCS11_TOKEN,
    # ..._PKCS11_KEY, ..._PKCS11_PIN_FILE (the delimiter splits a variable's name once, after the field's name).
    model_config = SettingsConfigDict(
        env_prefix="SOHOA_ISSUING_",
        extra="ignore",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        populate_by_name=True,
    )

    # The agency's signing identity (seals results, certifies copies); none set: sohoa's development identity.
    agency: SignerConfig = Field(default_factory=SignerConfig)
    # The red seal drawn at actual size beside the agency stamp; default: the shipped SAMPLE (no legal value).
    seal_png: Path | None = None
    # An unsigned result (or one whose signatures fail): refuse it (false) or seal it with the agency identity.
    seal_unsigned_results: bool = False
    # Agency code -> name printed on stamps, receipts and pages; wins over `issuing/data/agencies.toml`
    # (an agency in neither: its code).
    agency_names: dict[str, str] = Field(default_factory=dict)
    # Agency code -> substrings of which one must occur in the subject of a result's passing signature.
    # An agency not listed: any trusted, passing signature counts as the competent agency's.
    agency_signer_subjects: dict[str, list[str]] = Field(default_factory=dict)
    # The certification number printed on a certified copy: {number} in the agency's yearly register, {year}.
    certification_number_format: str = "{number}/{year}/SCBS-ĐT"
    # The agency named on the monthly Decision 766 report and sealing it (its signing identity is `agency`).
    report_agency_name: str = "Trung tâm Phục vụ hành chính công"
    # Absolute base URL of the public status page encoded in public QR codes; default: the request's own URL.
    public_base_url: str | None = None

    # The papers: working calendar, procedure table, receipts (`SOHOA_PAPERWORK_*`).
    calendar_file: Path = _paperwork(DATA_DIR / "calendar_vn.toml", "calendar_file")
    procedures_file: Path = _paperwork(DATA_DIR / "procedures.toml", "procedures_file")
    # A file of procedure papers (as `issuing/data/procedure_papers.toml`) whose procedures are added to the shipped
    # list, or replace a listed procedure's papers.
    procedure_papers_file: Path | None = _paperwork(None, "procedure_papers_file")
    # Overrides the calendar file's sessions, e.g. "07:30-11:30,13:30-17:00".
    sessions: str | None = _paperwork(None, "sessions")
    # A date in a year the calendar file does not list: "error" refuses it, "weekends_only" counts it with
    # weekly rest days only (no holidays).
    missing_year: Literal["error", "weekends_only"] = _paperwork("error", "missing_year")
    # The owner identifier printed on receipts and in their QR: "masked" (045******234) or "clear".
    owner_id_on_paper: Literal["masked", "clear"] = _paperwork("masked", "owner_id_on_paper")
    # The issuing system named in receipt QR codes.
    issuing_system: str = _paperwork("sohoa", "issuing_system")
    # Folder holding the Liberation fonts, when not in the system font folders.
    font_dir: Path | None = _paperwork(None, "font_dir")

    def agency_name(self, agency_code: str) -> str:
        """The one look-up of an agency's name: this setting, then the shipped list, else the code itself."""
        return self.agency_names.get(agency_code) or shipped_agency_names().get(agency_code) or agency_code

    def resolved_seal_png(self) -> Path:
        return self.seal_png or SAMPLE_SEAL


@cache
def shipped_agency_names() -> dict[str, str]:
    """Agency names by code shipped in `issuing/data/agencies.toml` (examples until the province's list)."""
    with (DATA_DIR / "agencies.toml").open("rb") as handle:
        return {str(code): str(name) for code, name in tomllib.load(handle).get("agencies", {}).items()}


@lru_cache(maxsize=1)
def issuing_settings() -> IssuingSettings:
    return IssuingSettings()
