"""The OCR engine interface (one small plugin hook) and its Tesseract implementation via pytesseract.

An engine recognises one cleaned page in one call and can tell whether a page is upside down (OSD).
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import pytesseract


@dataclass(frozen=True)
class RawWord:
    """A word as the engine saw it: text, box (left, top, width, height), confidence, line number and line box."""

    text: str
    box: tuple[int, int, int, int]
    conf: float
    line: int
    line_box: tuple[int, int, int, int]


class OcrEngine(Protocol):
    """What sohoa needs from an OCR engine; register others in ENGINES."""

    name: str

    def recognise(self, grey: np.ndarray, dpi: float, lang: str, timeout: int) -> list[RawWord]: ...

    def upside_down(self, grey: np.ndarray, dpi: float, timeout: int) -> bool | None: ...


# Cleaned pages are black on white: looking for white-on-black text costs time (measured in docs/ocr.md).
TESSERACT_PARAMETERS = os.environ.get("SOHOA_OCR_TESSERACT_PARAMETERS", "-c tessedit_do_invert=0")


class EngineFailed(RuntimeError):
    """The engine could not process a page (crashed, timed out, or is not installed)."""


def _write_image(grey: np.ndarray, folder: str) -> str:
    path = str(Path(folder) / "page.pgm")
    cv2.imwrite(path, grey)
    return path


class TesseractEngine:
    """Tesseract 5 through pytesseract: one process per call, OpenMP limited to one thread (`OMP_THREAD_LIMIT`)."""

    name = "tesseract"

    def __init__(self) -> None:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    def recognise(self, grey: np.ndarray, dpi: float, lang: str, timeout: int) -> list[RawWord]:
        with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as folder:
            path = _write_image(grey, folder)
            try:
                data = pytesseract.image_to_data(
                    path,
                    lang=lang,
                    config=f"--psm 3 --dpi {round(dpi)} {TESSERACT_PARAMETERS}",
                    output_type=pytesseract.Output.DICT,
                    timeout=timeout,
                )
            except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
                raise EngineFailed(f"tesseract failed: {exc}") from exc
        return words_from_tsv(data)

    def upside_down(self, grey: np.ndarray, dpi: float, timeout: int) -> bool | None:
        with tempfile.TemporaryDirectory(prefix="sohoa-osd-") as folder:
            path = _write_image(grey, folder)
            try:
                osd = pytesseract.image_to_osd(
                    path, config=f"--psm 0 --dpi {round(dpi)}", output_type=pytesseract.Output.DICT, timeout=timeout
                )
            except (pytesseract.TesseractError, RuntimeError, OSError):
                return None  # too few characters to tell
        if float(osd.get("orientation_conf", 0.0)) < 1.0:
            return None
        return int(osd.get("rotate", 0)) == 180


def words_from_tsv(data: dict[str, list]) -> list[RawWord]:
    """Words (level 5) in Tesseract's reading order with their line boxes (level 4), text in NFC."""
    lines: dict[tuple[int, int, int], tuple[int, tuple[int, int, int, int]]] = {}
    words: list[RawWord] = []
    for i, level in enumerate(data["level"]):
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        box = (int(data["left"][i]), int(data["top"][i]), int(data["width"][i]), int(data["height"][i]))
        if int(level) == 4:
            lines[key] = (len(lines), box)
        elif int(level) == 5:
            text = unicodedata.normalize("NFC", str(data["text"][i])).strip()
            if not text or key not in lines:
                continue
            number, line_box = lines[key]
            words.append(RawWord(text, box, float(data["conf"][i]), number, line_box))
    return words


ENGINES: dict[str, type[OcrEngine]] = {"tesseract": TesseractEngine}


def get_engine(name: str) -> OcrEngine:
    try:
        return ENGINES[name]()
    except KeyError as exc:
        raise EngineFailed(f"unknown OCR engine {name!r}; known: {', '.join(ENGINES)}") from exc
