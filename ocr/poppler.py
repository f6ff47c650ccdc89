"""Poppler's `pdftotext` and `pdftoppm` on one page kept as received: its text for the catalogue, a rendering
for splitting and for OCR of a drawing; each run as a process with a time limit and a memory ceiling.
"""

from __future__ import annotations

import resource
import subprocess
import tempfile
import unicodedata
from pathlib import Path

MEMORY_LIMIT = 1024 * 1024 * 1024  # address space of one poppler process
TIMEOUT = 60


class PopplerFailed(RuntimeError):
    """pdftotext or pdftoppm failed on a page; the message says which and why (no server path)."""


def _ceiling() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run(command: list[str], folder: Path) -> bytes:
    try:
        done = subprocess.run(
            command, cwd=folder, capture_output=True, timeout=TIMEOUT, preexec_fn=_ceiling, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise PopplerFailed(f"{command[0]} took longer than {TIMEOUT} s") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").replace(str(folder), "").strip()[:200]
        raise PopplerFailed(f"{command[0]} failed ({done.returncode}): {message}")
    return done.stdout


def page_text(pdf: bytes) -> str:
    """The text of a one-page PDF as `pdftotext -raw` reads it (content order, UTF-8), in NFC, without the
    trailing page break."""
    with tempfile.TemporaryDirectory(prefix="sohoa-text-") as name:
        folder = Path(name)
        (folder / "page.pdf").write_bytes(pdf)
        out = _run(["pdftotext", "-q", "-raw", "-enc", "UTF-8", "page.pdf", "-"], folder)
    return unicodedata.normalize("NFC", out.decode("utf-8", "replace")).rstrip("\f\n")


def render_png(pdf: bytes, dpi: int, grey: bool = True) -> bytes:
    """The first page of `pdf` rendered at `dpi` as a PNG (grey by default)."""
    with tempfile.TemporaryDirectory(prefix="sohoa-render-") as name:
        folder = Path(name)
        (folder / "page.pdf").write_bytes(pdf)
        colour = ["-gray"] if grey else []
        _run(["pdftoppm", "-q", "-r", str(dpi), *colour, "-png", "-singlefile", "page.pdf", "page"], folder)
        return (folder / "page.png").read_bytes()
