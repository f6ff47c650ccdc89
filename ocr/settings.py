"""Settings of the OCR stage, read from `SOHOA_OCR_*` environment variables.

Limits on input (pixels, bytes), the quality thresholds behind each page verdict, and output encoding.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class OcrSettings(BaseSettings):
    """Defaults suit 200-600 dpi office scans; every threshold can be tuned per station by environment."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_OCR_", extra="ignore")

    # vie alone: with vie+eng Tesseract reads a bold heading's words with the English model once it wins one
    # ("TINH QUANG TRI", "SO TAI NGUYEN VA MOI TRUONG"), and costs ≈5-13% more CPU (docs/ocr.md, "Fifth round")
    lang: str = "vie"
    jobs: int = 0  # 0: one worker per core
    max_pixels: int = 150_000_000  # decompression-bomb guard (A3 at 600 dpi is 70 megapixels)
    max_file_bytes: int = 512 * 1024 * 1024
    max_pages: int = 2000
    min_dpi: float = 200.0
    jpeg_quality: int = 75
    mixed_raster: bool = True  # print as a G4 mask over a JPEG without it (ocr.mrc); false: one JPEG per page
    blank_ink_fraction: float = 0.0015  # below this share of ink pixels a page is blank
    dark_paper_level: float = 100.0  # paper (bright percentile) darker than this: too dark
    light_ink_contrast: float = 70.0  # ink darker than paper by less than this: too light
    min_confidence: float = 55.0  # mean word confidence below this: unreadable
    tesseract_timeout: int = 180
    # "tesserocr" (the system's libtesseract in the worker, models kept loaded: ≈15-30% less CPU per page) or
    # "tesseract" (pytesseract, one process per call; the fallback when tesserocr cannot run here; docs/ocr.md)
    engine: str = "tesserocr"


@lru_cache(maxsize=1)
def ocr_settings() -> OcrSettings:
    return OcrSettings()
