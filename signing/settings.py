"""Settings of the signing stage (`SOHOA_SIGNING_*`): levels per document kind, TSA, trust, network, stamps.

Paths default to folders under the core data directory (`<data dir>/signing/...`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import core_settings
from core.types import DocumentKind, SignatureLevel

DEFAULT_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
)


def _default_levels() -> dict[DocumentKind, SignatureLevel]:
    return {
        DocumentKind.COMPONENT: SignatureLevel.B_LTA,
        DocumentKind.RESULT: SignatureLevel.B_LTA,
        DocumentKind.CERTIFIED_COPY: SignatureLevel.B_LTA,
        DocumentKind.CITIZEN_UPLOAD: SignatureLevel.B_T,
        DocumentKind.NOTICE: SignatureLevel.B_T,
    }


class StampPlacement(BaseModel):
    """Where a stamp goes: 1-based page (negative counts from the end), corner, and how blank paper is found.

    A top corner's stamp goes on the blank spot of the page's top `band` nearest that corner, `gap` points clear
    of any ink and `margin` points from the edges (found on a render of the page); `width` is where its text
    lines wrap. `height` is unused (a stamp is as tall as its text); `find_space=false` puts it in the corner.
    """

    page: int = 1
    corner: str = "top-left"  # top-left | top-right | bottom-left | bottom-right
    margin: float = 14.0  # 5 mm from the page edges
    width: float = 190.0
    height: float = 60.0
    band: float = 0.3  # fraction of the page height searched from the top
    gap: float = 4.0  # clearance from text, seals and lines
    find_space: bool = True


class SigningSettings(BaseSettings):
    """All knobs of the signing stage; environment variables `SOHOA_SIGNING_<FIELD>` (JSON for dicts)."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_SIGNING_", env_nested_delimiter="__", extra="ignore")

    levels: dict[DocumentKind, SignatureLevel] = Field(default_factory=_default_levels)
    tsa_url: str | None = None
    tsa_timeout: float = 10.0
    trust_dir: Path | None = None  # folder of PEM/DER trust anchors; default <data dir>/signing/trust
    # trust sohoa's own development CA: unset = when the data folder has one (embedded default); false in production
    trust_development_ca: bool | None = None
    network_timeout: float = 10.0  # seconds per OCSP/CRL/certificate request
    network_retries: int = 2  # extra attempts after a failed request (TSA, OCSP, CRL)
    retry_backoff: float = 0.5  # seconds, doubled after each failed attempt
    certify_first_signature: bool = False  # DocMDP on the first signature forbids later visible signatures
    allow_bb_fallback: bool = False  # TSA unreachable: sign at B-B (with a warning) instead of failing
    require_revocation_check: bool = True  # refuse to sign when the signer's revocation status is unknown
    revocation_recheck_seconds: float = 300.0  # how long a "not revoked" answer for the signer is reused
    font_cache_dir: Path | None = None  # default <data dir>/signing/fonts
    font_path: Path | None = None  # TTF with Vietnamese glyphs; default Liberation Serif, then DejaVu Serif
    officer_stamp: StampPlacement = Field(default_factory=lambda: StampPlacement(corner="top-left"))
    # the seal keeps 8 pt (≈ 3 mm) clear of the page's ink, so it never reads as part of the letterhead or text
    agency_stamp: StampPlacement = Field(
        default_factory=lambda: StampPlacement(corner="top-right", width=170.0, height=60.0, gap=8.0)
    )
    certified_copy_stamp: StampPlacement = Field(
        default_factory=lambda: StampPlacement(corner="top-right", width=220.0, height=56.0)
    )
    stamp_font_size: int = 10
    archive_renewal_margin_days: int = 90

    def level_for(self, kind: DocumentKind) -> SignatureLevel:
        return self.levels.get(kind, SignatureLevel.B_LTA)

    def resolved_trust_dir(self) -> Path:
        return self.trust_dir or core_settings().data_dir / "signing" / "trust"

    def data_dir(self) -> Path:
        return core_settings().data_dir / "signing"

    def resolved_font_cache_dir(self) -> Path:
        return self.font_cache_dir or self.data_dir() / "fonts"

    def resolved_font_path(self) -> Path:
        if self.font_path is not None:
            return self.font_path
        for candidate in DEFAULT_FONT_CANDIDATES:
            if candidate.exists():
                return candidate
        raise FileNotFoundError(
            "no font with Vietnamese letters found: install fonts-liberation2 or set SOHOA_SIGNING_FONT_PATH"
        )


@lru_cache(maxsize=1)
def signing_settings() -> SigningSettings:
    return SigningSettings()
