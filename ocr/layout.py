"""Reading order for side-by-side blocks that Tesseract reads across, such as the two-column header of
Vietnamese administrative documents (agency and number on the left, national motto and date on the right).

Lines with a wide gap are split into segments; a run of lines split in two is read column by column, while
lines split in three or more (table rows) keep their left-to-right order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import groupby, pairwise

from ocr.engine import RawWord
from ocr.models import Word

GAP_IN_LINE_HEIGHTS = 1.2


def _segments(line: list[RawWord]) -> list[list[RawWord]]:
    ordered = sorted(line, key=lambda w: w.box[0])
    height = max(1, ordered[0].line_box[3])
    segments = [[ordered[0]]]
    for previous, word in pairwise(ordered):
        gap = word.box[0] - (previous.box[0] + previous.box[2])
        if gap > GAP_IN_LINE_HEIGHTS * height:
            segments.append([])
        segments[-1].append(word)
    return segments


def _gap(segments: list[list[RawWord]]) -> tuple[float, float]:
    """The gutter between a line's two segments: right edge of the first, left edge of the second."""
    return float(max(w.box[0] + w.box[2] for w in segments[0])), float(segments[1][0].box[0])


def _left(segment: list[RawWord], high: float) -> bool:
    return max(w.box[0] + w.box[2] for w in segment) <= high


def _one_side(segment: list[RawWord], low: float, high: float) -> bool:
    """Whether a single segment keeps to one side of the gutter (low, high) of a two-column run."""
    return _left(segment, high) or segment[0].box[0] >= low


def _column(segment: list[RawWord], splits: list[float]) -> int:
    centre = (segment[0].box[0] + segment[-1].box[0] + segment[-1].box[2]) / 2
    return sum(centre > s for s in splits)


def _renumber(segment: list[RawWord], number: int) -> list[RawWord]:
    left = segment[0].box[0]
    right = max(w.box[0] + w.box[2] for w in segment)
    _, top, _, height = segment[0].line_box
    box = (left, top, right - left, height)
    return [replace(w, line=number, line_box=box) for w in segment]


def reading_order(words: Sequence[RawWord]) -> list[RawWord]:
    """Words in reading order: runs of lines split by wide gaps are emitted column by column."""
    lines = [list(group) for _, group in groupby(words, key=lambda w: w.line)]
    split = [_segments(line) for line in lines]
    out: list[RawWord] = []
    number = 0
    i = 0
    while i < len(split):
        if len(split[i]) != 2:
            for segment in split[i]:  # one column, or a table row: kept as it is, left to right
                out.extend(_renumber(segment, number))
                number += 1
            i += 1
            continue
        low, high = _gap(split[i])
        j = i + 1
        while j < len(split):  # the run goes on while lines keep to the gutter, or lie on one side of it
            segments = split[j]
            if len(segments) == 2 and max(low, _gap(segments)[0]) < min(high, _gap(segments)[1]):
                low, high = max(low, _gap(segments)[0]), min(high, _gap(segments)[1])
            elif not (len(segments) == 1 and _one_side(segments[0], low, high)):
                break
            j += 1
        while j - 1 > i and len(split[j - 1]) == 1 and _left(split[j - 1][0], high):
            j -= 1  # left-side lines at the end of a run are the text after it (a short line, a new paragraph)
        splits = [(low + high) / 2]
        columns: dict[int, list[list[RawWord]]] = {}
        for segments in split[i:j]:
            for segment in segments:
                columns.setdefault(_column(segment, splits), []).append(segment)
        for column in sorted(columns):
            for segment in columns[column]:
                out.extend(_renumber(segment, number))
                number += 1
        i = j
    return out


MARK_CONFIDENCE = 70.0
STRAY_LINE_CONFIDENCE = 35.0


def drop_marks(words: Sequence[RawWord]) -> list[RawWord]:
    """Words that are pen strokes, signatures or specks read as text: no letter or digit at a confidence below
    70, and short lines (up to 3 words) whose mean confidence is below 35."""
    kept = [w for w in words if any(c.isalnum() for c in w.text) or w.conf >= MARK_CONFIDENCE]
    out: list[RawWord] = []
    for _, group in groupby(kept, key=lambda w: w.line):
        line = list(group)
        if len(line) <= 3 and sum(w.conf for w in line) / len(line) < STRAY_LINE_CONFIDENCE:
            continue
        out.extend(line)
    return out


SPECKLED_WORD_CONFIDENCE = 60.0
SPECKLED_LINE_LETTERS = 3


def speckled_text(words: Sequence[Word], unreadable: bool) -> list[Word]:
    """The words of a page first read as unreadable (dirty-drum streaks, speckle, out of focus) that are text:
    in lines holding a word of at least three letters and, when the page stays unreadable, of confidence at
    least 60. Streaks read as text come out as lone marks and one- or two-letter scraps ('“', 'ví', 'w%', '4.'),
    confident enough with libtesseract 5.5 (tesserocr) to pass a confidence threshold; printed lines hold longer
    words. (The confidence threshold on a page read well once despeckled cost real words: tuning 209 -> 269
    errors on such a page.)"""
    confident = [w for w in words if w.conf >= SPECKLED_WORD_CONFIDENCE or not unreadable]
    out: list[Word] = []
    for _, group in groupby(confident, key=lambda w: w.line):
        line = list(group)
        if any(sum(c.isalpha() for c in w.text) >= SPECKLED_LINE_LETTERS for w in line):
            out.extend(line)
    return out
