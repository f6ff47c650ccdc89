"""One page through the pipeline, in a worker process: decode, crop borders, verdicts, orient and deskew,
flatten for OCR, one engine call, archival image; returns a picklable `PageResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from core.types import PageVerdict
from ocr.archive import encode_archival
from ocr.blocks import text_blocks
from ocr.cleanup import (
    Orientation,
    dark_border_box,
    despeckle,
    flatten,
    ink_mask,
    ocr_grey,
    reduce,
    reductions,
    streaked,
)
from ocr.engine import Box, OcrEngine, RawWord, get_engine
from ocr.inputs import decode_page
from ocr.kept import kept_result, rendering
from ocr.layout import drop_marks, reading_order, speckled_text
from ocr.models import Cleanup, OcrOptions, PageImage, PageResult, Word
from ocr.orientation import apply_orientation, as_bilevel, crop, find_orientation, paper_colour
from ocr.paper import cut_out, even_light, fit_to_paper, paper_corners, uneven
from ocr.prints import page_print
from ocr.quality import blank_verdict, exposure_verdicts, readability_verdicts, resolution_verdicts

# Dark pixels left on a despeckled page below which nothing on it is sharp print (tuning: a streaked blank page
# 0.27%, streaked text pages 2.8%)
SPECKLED_EMPTY_INK = 0.005
OCR_DPI = 300.0


def process_page(page: PageImage, options: OcrOptions, number: int = 1) -> PageResult:
    """Clean up and recognise one page; `number` is its 1-based place in the document. A PDF page kept as
    received goes through untouched: a drawing's rendering is OCR'd for its text only."""
    if page.fmt == "pdf":
        if page.mode != "drawing":
            return kept_result(page, number)
        rendered = rendering(page)
        return kept_result(page, number, process_page(rendered, options, number), rendered)
    engine = get_engine(options.engine)
    image = decode_page(page)
    dpi = float(min(page.dpi))
    grey = ocr_grey(image)
    corners = paper_corners(grey, dpi) if page.mode != "1" else None
    if corners is not None:  # a sheet on a desk or a dark scanner lid: cut out, perspective undone
        image = cut_out(image, corners)
        grey = ocr_grey(image)
        xs, ys = corners[:, 0], corners[:, 1]
        box = (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))
    fine, (small, scale) = reductions(grey, dpi)  # 150 and 100 dpi, the second from the first
    if corners is None:
        box = dark_border_box(small, scale, grey.shape[:2])
    cropped = corners is not None or box != (0, 0, grey.shape[1], grey.shape[0])
    if corners is None and cropped:
        image, grey = crop(image, box), crop(grey, box)
        fine, (small, scale) = reductions(grey, dpi)
    mask = ink_mask(small)
    ink_fraction = float(mask.mean())
    exposure = exposure_verdicts(small, mask, options)
    too_dark = any(verdict == PageVerdict.TOO_DARK for verdict, _ in exposure)
    blank = [] if too_dark else blank_verdict(ink_fraction, options)  # a black sheet is not blank
    verdicts = resolution_verdicts(page, options) + (blank or exposure)
    words: list[Word] = []
    mean_conf = 0.0
    orientation = None
    read: _Reading | None = None
    if not blank:
        fill = paper_colour(image, dpi)
        speckled = streaks = streaked(flatten(fine[0], dpi * fine[1]))
        if streaks:  # a dirty drum's streaks: the despeckled copy first, the page as it is only if that fails
            read, orientation = _streaks_first(image, grey, (dpi, fill), engine, options, (small, fine))
        else:
            orientation = find_orientation(grey, dpi, engine, options.tesseract_timeout, small, fine)
            read = _recognise(image, orientation, fill, dpi, engine, options)
            speckled = bool(read.unreadable)
            if speckled:  # speckle clouds may have misled orientation and OCR: despeckled again
                read, orientation = _despeckled(image, grey, dpi, fill, engine, options, (read, orientation))
        if read.unreadable and read.words and not streaks:  # maybe upside down: one more call (a page to rescan)
            flipped = replace(orientation, rotation=(orientation.rotation + 180) % 360, method="low confidence")
            other = _recognise(image, flipped, fill, dpi, engine, options, speckled=read.speckled)
            read, orientation = (other, flipped) if other.mean_conf > read.mean_conf else (read, orientation)
        image, words, mean_conf = read.image, read.words, read.mean_conf
        if speckled:  # only confident words in lines of real words go into the text (streaks read as scraps)
            words = speckled_text(words, bool(read.unreadable))
        verdicts += read.unreadable
    if page.mode == "1":
        image = as_bilevel(image)
    changed = cropped or (orientation is not None and (orientation.rotation or abs(orientation.skew) >= 0.05))
    changed = changed or image.shape[:2] != (page.height, page.width)
    sideways = orientation is not None and orientation.rotation in (90, 270)
    dpi_out = (page.dpi[1], page.dpi[0]) if sideways else page.dpi
    flat = read.flat if read is not None and page.mode != "1" else None  # the OCR copy: MRC's print mask from it
    archival = encode_archival(image, page, dpi_out, options.jpeg_quality, not changed, options.mixed_raster, flat=flat)
    return PageResult(
        number=number,
        source=f"{page.source}#{page.number_in_source}",
        image=archival,
        words=tuple(words),
        text=page_text(words),
        verdicts=tuple(verdicts),
        cleanup=Cleanup(
            rotation=orientation.rotation if orientation else 0,
            rotation_method=orientation.method if orientation else "",
            skew=round(orientation.skew, 2) if orientation else 0.0,
            crop=box,
        ),
        mean_confidence=round(mean_conf, 1),
        ink_fraction=round(ink_fraction, 5),
        notes=(page.dpi_note,) if page.dpi_inferred else (),
        print=page_print(image),
    )


@dataclass(frozen=True)
class _Reading:
    image: np.ndarray
    words: list[Word]
    mean_conf: float
    unreadable: list[tuple[PageVerdict, str]]
    speckled: bool = False
    flat: np.ndarray | None = None  # the flattened OCR copy (before despeckling) when at the image's resolution


def _recognise(
    image: np.ndarray,
    orientation: Orientation,
    fill: tuple[int, ...] | int,
    dpi: float,
    engine: OcrEngine,
    options: OcrOptions,
    speckled: bool = False,
) -> _Reading:
    """Turn and level the page, flatten a grey copy, its text blocks read in one engine call, words in reading
    order."""
    levelled = apply_orientation(image, orientation, fill)
    turned = image.shape[:2] if orientation.rotation in (0, 180) else image.shape[1::-1]
    levelled = fit_to_paper(levelled, (turned[1], turned[0]), orientation.skew, dpi, fill)
    if levelled.ndim == 3 and uneven(levelled, dpi):  # the archived colour page evened out too
        levelled = even_light(levelled, dpi)
    grey, scale = reduce(ocr_grey(levelled), dpi, OCR_DPI)
    grey_flat = flatten(grey, dpi * scale)
    flat = despeckle(grey_flat) if speckled else grey_flat
    blocks = text_blocks(flat, dpi * scale)
    words, mean_conf, unreadable = _read(flat, (dpi, scale), engine, options, blocks)
    if unreadable and blocks is not None:  # what the blocks missed, Tesseract's layout may find (text turned 90°)
        words, mean_conf, unreadable = _read(flat, (dpi, scale), engine, options, None)
    return _Reading(levelled, words, mean_conf, unreadable, speckled, grey_flat if scale == 1.0 else None)


def _read(
    flat: np.ndarray, resolution: tuple[float, float], engine: OcrEngine, options: OcrOptions, blocks: list[Box] | None
) -> tuple[list[Word], float, list[tuple[PageVerdict, str]]]:
    """One engine call on the OCR copy (its blocks, or the whole page when None): words in the full image's
    pixels and reading order, their mean confidence and the unreadable verdict."""
    dpi, scale = resolution
    raw = _scaled(engine.recognise(flat, dpi * scale, options.lang, options.tesseract_timeout, blocks), 1 / scale)
    words = [Word(w.text, *w.box, w.conf, w.line, w.line_box) for w in reading_order(drop_marks(raw))]
    mean_conf, unreadable = readability_verdicts([(w.conf, len(w.text)) for w in words if w.conf >= 0], options)
    return words, mean_conf, unreadable


def _scaled(words: list[RawWord], factor: float) -> list[RawWord]:
    """Word and line boxes of a reduced copy in the full image's pixels."""
    if factor == 1.0:
        return words
    grow = lambda box: tuple(round(v * factor) for v in box)  # noqa: E731
    return [replace(w, box=grow(w.box), line_box=grow(w.line_box)) for w in words]


def _despeckled(
    image: np.ndarray,
    grey: np.ndarray,
    dpi: float,
    fill: tuple[int, ...] | int,
    engine: OcrEngine,
    options: OcrOptions,
    first: tuple[_Reading, Orientation],
) -> tuple[_Reading, Orientation]:
    """A page first read as unreadable, looked at again without its grey speckle: when no near-black ink is left
    (a dirty drum's streaks on an empty sheet, a page far out of focus) it stays unreadable with no text, else it
    is oriented and read again and the better reading is kept."""
    clean = despeckle(flatten(grey, dpi))
    read, orientation = first
    if float((clean[::2, ::2] < 128).mean()) < SPECKLED_EMPTY_INK:  # no sharp dark ink: what was read is guessed
        return replace(read, words=[]), orientation
    turned = find_orientation(clean, dpi, engine, options.tesseract_timeout)
    turned = replace(turned, method=f"{turned.method}, despeckled")
    other = _recognise(image, turned, fill, dpi, engine, options, speckled=True)
    return (other, turned) if other.mean_conf > read.mean_conf else (read, orientation)


def _streaks_first(
    image: np.ndarray,
    grey: np.ndarray,
    where: tuple[float, tuple[int, ...] | int],
    engine: OcrEngine,
    options: OcrOptions,
    reduced: tuple[np.ndarray, tuple[np.ndarray, float]],
) -> tuple[_Reading, Orientation]:
    """A page covered by dirty-drum streaks, read despeckled first: not read at all when no near-black ink is left
    (a streaked empty sheet: unreadable, no text), oriented and read despeckled, and read as it is only when the
    despeckled reading is unreadable (the better reading kept; not a third time turned 180°: streaks, not the
    orientation, are what makes such a page unreadable). Saves the first, discarded reading."""
    dpi, fill = where
    clean = despeckle(flatten(grey, dpi))
    if float((clean[::2, ::2] < 128).mean()) < SPECKLED_EMPTY_INK:
        _, unreadable = readability_verdicts([], options)
        return _Reading(image, [], 0.0, unreadable, True), Orientation(0, 0.0, 1.0, "not read: streaks, no print")
    turned = find_orientation(clean, dpi, engine, options.tesseract_timeout)
    turned = replace(turned, method=f"{turned.method}, despeckled")
    read = _recognise(image, turned, fill, dpi, engine, options, speckled=True)
    if not read.unreadable:
        return read, turned
    small, fine = reduced
    orientation = find_orientation(grey, dpi, engine, options.tesseract_timeout, small, fine)
    other = _recognise(image, orientation, fill, dpi, engine, options)
    return (other, orientation) if other.mean_conf > read.mean_conf else (read, turned)


def page_text(words: list[Word]) -> str:
    """Plain text in reading order: words of a line joined by spaces, one line per text line."""
    lines: list[list[str]] = []
    current = None
    for word in words:
        if word.line != current:
            lines.append([])
            current = word.line
        lines[-1].append(word.text)
    return "\n".join(" ".join(line) for line in lines)
