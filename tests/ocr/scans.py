"""The OCR tests' scans: a few small synthetic pages with known degradations, processed by real Tesseract.

Pages are 110 mm tall (a third of A4) to keep Tesseract's time low while keeping 300 dpi and the real layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bench.synthetic import Degradation, SyntheticPage, make_page
from ocr.api import run_pages
from ocr.inputs import load_pages
from ocr.models import OcrOptions, PageResult

HEIGHT_MM = 110.0

CASES: dict[str, tuple[Degradation, int]] = {
    "clean": (Degradation(noise=3, jpeg_quality=90), 300),
    "rot90": (Degradation(rotation=90, noise=5, jpeg_quality=85), 300),
    "rot180": (Degradation(rotation=180, skew=-1.0, noise=5, jpeg_quality=85), 300),
    "skew4": (Degradation(skew=4.0, noise=6, blur=0.5, shadow=0.25, border=True, stamp=True, jpeg_quality=80), 300),
    "blank": (Degradation(blank=True, noise=6, jpeg_quality=80), 300),
    "lowres": (Degradation(noise=3, jpeg_quality=90), 150),
    "bilevel": (Degradation(), 300),  # written as a CCITT G4 TIFF of the clean render
    "blurred": (Degradation(blur=7.0, noise=4, jpeg_quality=80), 300),  # badly out of focus
}


@dataclass
class Case:
    synthetic: SyntheticPage
    path: Path
    result: PageResult


def build_cases(scan_dir: Path) -> dict[str, Case]:
    """Write each case's scan as JPEG into scan_dir and process all of them in a pool of two workers."""
    synthetic = {
        name: make_page(i, degradation, seed=11, dpi=dpi, height_mm=HEIGHT_MM)
        for i, (name, (degradation, dpi)) in enumerate(CASES.items())
    }
    paths = {}
    for name, page in synthetic.items():
        if name == "bilevel":
            paths[name] = scan_dir / f"{name}.tif"
            bits = Image.fromarray(page.clean).convert("L").point(lambda v: 255 if v > 140 else 0).convert("1")
            bits.save(paths[name], compression="group4", dpi=(page.dpi, page.dpi))
            continue
        paths[name] = scan_dir / f"{name}.jpg"
        paths[name].write_bytes(page.degraded_jpeg())
    results = run_pages(load_pages(list(paths.values())), OcrOptions(lang="vie+eng"), jobs=2)
    return {name: Case(synthetic[name], paths[name], result) for name, result in zip(CASES, results, strict=True)}
