"""Page verdicts a scanning station can act on: blank, resolution too low, too dark, too light, unreadable.

Each verdict carries a reason saying what was measured against which threshold, never the page's content.
"""

from __future__ import annotations

import numpy as np

from core.types import PageVerdict
from ocr.models import OcrOptions, PageImage

Verdicts = list[tuple[PageVerdict, str]]


def resolution_verdicts(page: PageImage, options: OcrOptions) -> Verdicts:
    dpi = min(page.dpi)
    if dpi >= options.min_dpi:
        return []
    how = " (inferred: the file states none)" if page.dpi_inferred else ""
    return [
        (
            PageVerdict.LOW_RESOLUTION,
            f"scanned at {dpi:g} dpi{how}; at least {options.min_dpi:g} dpi is required — rescan at 300 dpi",
        )
    ]


def blank_verdict(ink_fraction: float, options: OcrOptions) -> Verdicts:
    if ink_fraction >= options.blank_ink_fraction:
        return []
    share = f"{ink_fraction * 100:.3f}%"
    return [(PageVerdict.BLANK, f"blank page: {share} of the page is ink (threshold {options.blank_ink_fraction:.2%})")]


def exposure_verdicts(small: np.ndarray, mask: np.ndarray, options: OcrOptions) -> Verdicts:
    """Too dark when the paper itself is dark; too light when the ink barely stands out from the paper."""
    paper = float(np.percentile(small, 90))
    if paper < options.dark_paper_level:
        return [
            (
                PageVerdict.TOO_DARK,
                f"too dark: paper brightness {paper:.0f}/255 is below {options.dark_paper_level:.0f} — "
                "lower the scanner's darkness or check the lid",
            )
        ]
    if not mask.any():
        return []
    contrast = paper - float(np.median(small[mask]))
    if contrast < options.light_ink_contrast:
        return [
            (
                PageVerdict.TOO_LIGHT,
                f"too light: text is only {contrast:.0f}/255 darker than the paper (at least "
                f"{options.light_ink_contrast:.0f} needed) — increase the scanner's darkness",
            )
        ]
    return []


def readability_verdicts(confidences: list[tuple[float, int]], options: OcrOptions) -> tuple[float, Verdicts]:
    """Mean word confidence weighted by word length, and an unreadable verdict when it is low or nothing read."""
    weight = sum(n for _, n in confidences)
    if weight == 0:
        return 0.0, [(PageVerdict.UNREADABLE, "no text could be recognised on a page that is not blank")]
    mean = sum(c * n for c, n in confidences) / weight
    if mean >= options.min_confidence:
        return mean, []
    return mean, [
        (
            PageVerdict.UNREADABLE,
            f"low OCR confidence {mean:.0f}/100 (threshold {options.min_confidence:.0f}) — check focus and rescan",
        )
    ]
