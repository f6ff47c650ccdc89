"""Helpers of the paperwork tests: render PDFs with poppler, read their text, make scan-like page images."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from issuing.pdfdraw import MM, PdfDocument


def render_pages(pdf: bytes, dpi: int, *, grey: bool = True) -> list[NDArray[np.uint8]]:
    """Every page of `pdf` rendered by `pdftoppm` at `dpi`, as OpenCV arrays (grey or BGR)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        args = ["pdftoppm", "-r", str(dpi), "-gray" if grey else "-png", str(source), str(Path(folder) / "p")]
        subprocess.run(args, check=True, capture_output=True)
        flag = cv2.IMREAD_GRAYSCALE if grey else cv2.IMREAD_COLOR
        return [cv2.imread(str(path), flag) for path in sorted(Path(folder).glob("p-*"))]


def pdf_text(pdf: bytes) -> str:
    """The text `pdftotext` extracts (what a search engine or a screen reader gets)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        done = subprocess.run(["pdftotext", str(source), "-"], check=True, capture_output=True)
        return done.stdout.decode("utf-8")


def scan_like(
    image: NDArray[np.uint8],
    *,
    angle: float = 0.0,
    skew: float = 0.0,
    jpeg_quality: int | None = None,
    noise: float = 0.0,
    paper: int = 255,
    seed: int = 0,
) -> NDArray[np.uint8]:
    """A rendered page made to look scanned: rotated, perspective-skewed, greyish paper, noise, JPEG."""
    height, width = image.shape[:2]
    out = image
    if paper < 255:
        out = (out.astype(np.float32) * (paper / 255.0)).astype(np.uint8)
    if angle:
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
        out = cv2.warpAffine(out, matrix, (width, height), borderValue=paper)
    if skew:
        shift = skew * width
        src = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
        dst = np.float32([[shift, 0], [width - shift * 0.3, shift * 0.5], [width, height], [0, height - shift]])
        out = cv2.warpPerspective(out, cv2.getPerspectiveTransform(src, dst), (width, height), borderValue=paper)
    if noise:
        rng = np.random.default_rng(seed)
        out = np.clip(out.astype(np.float32) + rng.normal(0, noise, out.shape), 0, 255).astype(np.uint8)
    if jpeg_quality:
        ok, buffer = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
        assert ok
        out = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
    return out


def text_pages(*pages: list[str]) -> bytes:
    """A PDF whose pages hold the given lines of Vietnamese text (stand-ins for scanned document pages)."""
    doc = PdfDocument(title="pages")
    for lines in pages:
        page = doc.new_page()
        y = page.height - 30 * MM
        for line in lines:
            page.text(25 * MM, y, line, "serif", 12)
            y -= 17
    return doc.to_bytes()


def blank_page(width: int = 1654, height: int = 2339, paper: int = 255) -> NDArray[np.uint8]:
    return np.full((height, width), paper, dtype=np.uint8)


def qpdf_check(pdf: bytes) -> subprocess.CompletedProcess[bytes]:
    """`qpdf --check` on the PDF (exit 0: no structural or stream errors)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        return subprocess.run(["qpdf", "--check", str(source)], capture_output=True)
