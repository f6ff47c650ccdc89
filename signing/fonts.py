"""The stamp font: a TTF with Vietnamese letters, rescaled to 1000 units/em and subset once, cached on disk.

pyHanko writes glyph widths in font units, so 2048-upm fonts (Liberation, DejaVu) must be rescaled;
subsetting to Latin + Vietnamese up front keeps pyHanko's per-signature subsetting cheap.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from core.files import atomic_writer

# Latin letters, Vietnamese letters (ơ ư đ and the Latin Extended Additional block) and common punctuation.
_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0xFF),
    (0x100, 0x17F),
    (0x180, 0x24F),
    (0x300, 0x323),
    (0x1E00, 0x1EFF),
    (0x2010, 0x2044),
    (0x20AB, 0x20AC),
    (0x2116, 0x2116),
)
STAMP_CODEPOINTS = frozenset(cp for low, high in _RANGES for cp in range(low, high + 1))
TARGET_UPM = 1000


def prepared_font(source: Path, cache_dir: Path) -> Path:
    """Path of the rescaled, subset copy of `source` under `cache_dir`, built on first use."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    target = cache_dir / f"{source.stem}-{TARGET_UPM}upm-{digest}.ttf"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    _build(source, target)
    return target


def _build(source: Path, target: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # tables it cannot subset are dropped
    font = TTFont(str(source))
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=sorted(STAMP_CODEPOINTS))
    subsetter.subset(font)
    if font["head"].unitsPerEm != TARGET_UPM:
        scale_upem(font, TARGET_UPM)
    # write atomically: a concurrent first run must never see half a font
    with atomic_writer(target) as handle:
        font.save(handle)
