"""The OCR engine interface (one small plugin hook) and its Tesseract implementations: tesserocr (the library
in this process, one model load per worker) and pytesseract (one `tesseract` process per call, the fallback).

An engine recognises one cleaned page in one call (the whole page's layout analysed, or the text blocks sohoa
found read one by one) and can tell whether a page is upside down (OSD).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
import pytesseract

from core.logging import get_logger


@dataclass(frozen=True)
class RawWord:
    """A word as the engine saw it: text, box (left, top, width, height), confidence, line number and line box."""

    text: str
    box: tuple[int, int, int, int]
    conf: float
    line: int
    line_box: tuple[int, int, int, int]


Box = tuple[int, int, int, int]  # left, top, width, height


class OcrEngine(Protocol):
    """What sohoa needs from an OCR engine; register others in ENGINES."""

    name: str

    def recognise(
        self, grey: np.ndarray, dpi: float, lang: str, timeout: int, blocks: Sequence[Box] | None = None
    ) -> list[RawWord]:
        """Words of the page in reading order; with `blocks`, only those rectangles are read, each as one block of
        text, in the order given (line numbers go on from block to block)."""
        ...

    def upside_down(self, grey: np.ndarray, dpi: float, timeout: int) -> bool | None: ...


# Cleaned pages are black on white: looking for white-on-black text costs time; the fixed-pitch (typewriter)
# search of layout analysis finds nothing on proportional print (same words; each ≈3–5% of Tesseract's CPU,
# docs/ocr.md, "Seventh round").
DEFAULT_PARAMETERS = "-c tessedit_do_invert=0 -c textord_disable_pitch_test=1"
TESSERACT_PARAMETERS = os.environ.get("SOHOA_OCR_TESSERACT_PARAMETERS", DEFAULT_PARAMETERS)


class EngineFailed(RuntimeError):
    """The engine could not process a page (crashed, timed out, or is not installed)."""


def _write_image(grey: np.ndarray, folder: str, name: str = "page") -> str:
    path = str(Path(folder) / f"{name}.pgm")
    cv2.imwrite(path, grey)
    return path


class TesseractEngine:
    """Tesseract 5 through pytesseract: one process per call, OpenMP limited to one thread (`OMP_THREAD_LIMIT`)."""

    name = "tesseract"

    def __init__(self) -> None:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    def recognise(
        self, grey: np.ndarray, dpi: float, lang: str, timeout: int, blocks: Sequence[Box] | None = None
    ) -> list[RawWord]:
        """The whole page (PSM 3), or each block cut out (PSM 6), all in one `tesseract` process (a list file)."""
        if blocks is not None and not blocks:
            return []
        with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as folder:
            if blocks is None:
                path, psm = _write_image(grey, folder), 3
            else:
                names = [
                    _write_image(grey[y : y + h, x : x + w], folder, f"block-{i}")
                    for i, (x, y, w, h) in enumerate(blocks)
                ]
                path, psm = str(Path(folder) / "blocks.txt"), 6
                Path(path).write_text("".join(f"{name}\n" for name in names), encoding="utf-8")
            try:
                data = pytesseract.image_to_data(
                    path,
                    lang=lang,
                    config=f"--psm {psm} --dpi {round(dpi)} {TESSERACT_PARAMETERS}",
                    output_type=pytesseract.Output.DICT,
                    timeout=timeout,
                )
            except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
                raise EngineFailed(f"tesseract failed: {exc}") from exc
        if blocks is None:
            return words_from_tsv(data)
        pages = [int(n) for n in data["page_num"]]
        words: list[RawWord] = []
        for number, (x, y, _, _) in enumerate(blocks, start=1):
            rows = [i for i, page in enumerate(pages) if page == number]
            block = words_from_tsv({key: [column[i] for i in rows] for key, column in data.items()})
            words += renumbered(block, (x, y), words[-1].line + 1 if words else 0)
        return words

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


def renumbered(words: list[RawWord], origin: tuple[int, int], first_line: int) -> list[RawWord]:
    """A block's words with their boxes moved by the block's origin and its lines numbered from `first_line`."""
    dx, dy = origin
    move = lambda box: (box[0] + dx, box[1] + dy, box[2], box[3])  # noqa: E731
    return [RawWord(w.text, move(w.box), w.conf, w.line + first_line, move(w.line_box)) for w in words]


def tesseract_variables(parameters: str = TESSERACT_PARAMETERS) -> dict[str, str]:
    """The `-c name=value` pairs of a Tesseract command line (`SOHOA_OCR_TESSERACT_PARAMETERS`) as variables."""
    words = shlex.split(parameters)
    pairs = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "-c" and "=" in words[i + 1]]
    return dict(pair.split("=", 1) for pair in pairs)


def tsv_columns(tsv: str) -> dict[str, list[Any]]:
    """Tesseract's TSV rows (no header line) as pytesseract's `Output.DICT`: one list per column."""
    columns: dict[str, list[Any]] = {name: [] for name in TSV_COLUMNS}
    for row in tsv.splitlines():
        cells = row.split("\t")
        if len(cells) < len(TSV_COLUMNS) - 1 or not cells[0].isdigit():
            continue
        cells += [""] * (len(TSV_COLUMNS) - len(cells))
        for name, cell in zip(TSV_COLUMNS, cells, strict=False):
            columns[name].append(cell)
    return columns


TSV_COLUMNS = (
    "level page_num block_num par_num line_num word_num left top width height conf text".split()  # noqa: SIM905
)


class EngineUnavailable(RuntimeError):
    """The engine's library or its language data cannot be found on this machine (the fallback engine is used)."""


def tessdata_folder() -> str:
    """Where the installed Tesseract keeps its language data: `TESSDATA_PREFIX`, else what `tesseract` says."""
    if os.environ.get("TESSDATA_PREFIX"):
        return os.environ["TESSDATA_PREFIX"].rstrip("/") + "/"
    return _asked_tessdata()


_tessdata: list[str] = []
_versions: list[str] = []


def command_version() -> str:
    """The first line of `tesseract --version` ("tesseract 5.3.0"), asked once per process."""
    if not _versions:
        try:
            done = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            raise EngineUnavailable(f"tesseract --version failed: {exc}") from exc
        _versions.append(((done.stdout or done.stderr).splitlines() or [""])[0].strip())
    return _versions[0]


def _asked_tessdata() -> str:
    if not _tessdata:
        try:
            done = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            raise EngineUnavailable(f"tesseract --list-langs failed: {exc}") from exc
        head = (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else ""
        if '"' not in head:
            raise EngineUnavailable(f"no tessdata folder in {head!r}")
        _tessdata.append(head.split('"')[1].rstrip("/") + "/")
    return _tessdata[0]


class TesserocrEngine(TesseractEngine):
    """Tesseract's library in this process through tesserocr: each language's model is loaded once per process
    and reused page after page (idle APIs are shared by the process's threads, one page at a time each). tesserocr
    is built against the system's libtesseract, the `tesseract` command's own (unavailable otherwise), and reads
    the system's language data. OSD stays pytesseract's (rarely asked: only when the ink balance cannot tell
    upside down)."""

    name = "tesserocr"

    def __init__(self) -> None:
        super().__init__()
        try:
            import tesserocr
        except ImportError as exc:
            raise EngineUnavailable(f"tesserocr is not installed: {exc}") from exc
        library, command = tesserocr.tesseract_version().splitlines()[0], command_version()
        if library != command:  # e.g. PyPI's wheel (5.5.4): it loses bold headings' diacritics (docs/ocr.md)
            raise EngineUnavailable(
                f"tesserocr runs {library!r}, not the tesseract command's {command!r} "
                "(rebuild it against the system's library: uv sync --reinstall-package tesserocr)"
            )
        self.tessdata = tessdata_folder()

    def recognise(
        self, grey: np.ndarray, dpi: float, lang: str, timeout: int, blocks: Sequence[Box] | None = None
    ) -> list[RawWord]:
        """The page set once; then the whole page (PSM 3) or each block as a rectangle of it (PSM 6)."""
        from tesserocr import PSM

        if blocks is not None and not blocks:
            return []
        image = np.ascontiguousarray(grey, dtype=np.uint8)
        height, width = image.shape[:2]
        deadline = time.monotonic() + timeout
        words: list[RawWord] = []
        with _api(self.tessdata, lang) as api:
            try:
                api.SetVariable("user_defined_dpi", str(round(dpi)))
                api.SetPageSegMode(PSM.AUTO if blocks is None else PSM.SINGLE_BLOCK)
                api.SetImageBytes(image.tobytes(), width, height, 1, width)
                for box in [None] if blocks is None else blocks:
                    if box is not None:
                        api.SetRectangle(*box)
                    left = deadline - time.monotonic()
                    if left <= 0 or not api.Recognize(timeout=max(1, round(left * 1000))):
                        raise EngineFailed(f"tesseract (tesserocr) gave no result within {timeout} s")
                    read = words_from_tsv(tsv_columns(api.GetTSVText(0)))  # boxes already in the page's pixels
                    words += renumbered(read, (0, 0), words[-1].line + 1 if words else 0)
            finally:
                api.Clear()  # the page's image and results go; the model stays
        return words


_idle: dict[tuple[str, str], list[Any]] = {}
_idle_lock = threading.Lock()


@contextmanager
def _api(tessdata: str, lang: str) -> Iterator[Any]:
    """An initialised API for `lang`: an idle one of this process, else a new one (the model loaded once)."""
    from tesserocr import PSM, PyTessBaseAPI

    key = (tessdata, lang)
    with _idle_lock:
        api = _idle[key].pop() if _idle.get(key) else None
    if api is None:
        try:
            api = PyTessBaseAPI(path=tessdata, lang=lang, psm=PSM.AUTO, variables=tesseract_variables())
        except RuntimeError as exc:
            raise EngineFailed(f"tesseract (tesserocr) could not load {lang!r} from {tessdata}: {exc}") from exc
    try:
        yield api
    finally:
        with _idle_lock:
            _idle.setdefault(key, []).append(api)


ENGINES: dict[str, type[OcrEngine]] = {"tesserocr": TesserocrEngine, "tesseract": TesseractEngine}
FALLBACK = "tesseract"


def get_engine(name: str) -> OcrEngine:
    """The engine registered as `name`; one that is unavailable here falls back to pytesseract's, once logged."""
    if name not in ENGINES:
        raise EngineFailed(f"unknown OCR engine {name!r}; known: {', '.join(ENGINES)}")
    try:
        return ENGINES[name]()
    except EngineUnavailable as exc:
        if name not in _warned:
            _warned.add(name)
            get_logger(__name__).warning("ocr.engine_fallback", engine=name, fallback=FALLBACK, reason=str(exc))
        return ENGINES[FALLBACK]()


_warned: set[str] = set()
