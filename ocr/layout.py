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

GAP_IN_LINE_HEIGHTS = 2.5


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
        j = i
        while j < len(split) and len(split[j]) == 2:
            j += 1
        first = split[i]
        splits = [((a[-1].box[0] + a[-1].box[2]) + b[0].box[0]) / 2 for a, b in pairwise(first)]
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
