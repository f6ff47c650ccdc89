"""OCR errors by kind, so that the next error to remove is visible: diacritics only, letters, reading order and
text invented where the page has none.

- reading order: edits saved by putting the output's lines in the order of the truth lines they best match;
- invented: characters of output lines that match no truth line (and everything read on a blank page);
- diacritics: substitutions between letters with the same base letter (ệ for ê or e, đ for d);
- letters: every other edit left after the reordering.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from bench.synthetic import normalise_text

MATCH = 60.0  # rapidfuzz partial ratio (0-100) below which an output line matches no truth line


@dataclass
class ErrorKinds:
    """Edit counts by kind and the reference length; `total` is the plain Levenshtein distance."""

    chars: int = 0
    total: int = 0
    order: int = 0
    invented: int = 0
    diacritics: int = 0
    letters: int = 0

    def add(self, other: ErrorKinds) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)

    def rates(self) -> dict[str, float]:
        return {k: v / max(1, self.chars) for k, v in asdict(self).items() if k != "chars"}


def base_letter(char: str) -> str:
    if char in "đĐ":
        return "d" if char == "đ" else "D"
    return unicodedata.normalize("NFD", char)[0]


def _best(line: str, truth_lines: list[str]) -> tuple[int, float]:
    """Index of the truth line `line` matches best and the score (0-100)."""
    if not line or not truth_lines:
        return -1, 0.0
    scores = [fuzz.partial_ratio(line, t) if len(line) > 3 else fuzz.ratio(line, t) for t in truth_lines]
    best = max(range(len(scores)), key=scores.__getitem__)
    return best, scores[best]


def _split_columns(line: str, truth_lines: list[str]) -> list[str]:
    """An output line read across two columns, split where its two halves match two different truth lines."""
    words = line.split()
    if not line or len(words) < 2 or not truth_lines:
        return [line] if line else []
    whole = max(fuzz.ratio(line, t) for t in truth_lines)
    if whole >= 90:
        return [line]
    best_k, best_score = 0, whole
    for k in range(1, len(words)):
        head, tail = " ".join(words[:k]), " ".join(words[k:])
        hi = max(range(len(truth_lines)), key=lambda i: fuzz.ratio(head, truth_lines[i]))
        ti = max(range(len(truth_lines)), key=lambda i: fuzz.ratio(tail, truth_lines[i]))
        score = min(fuzz.ratio(head, truth_lines[hi]), fuzz.ratio(tail, truth_lines[ti]))
        if hi != ti and score > best_score + 10:
            best_k, best_score = k, score
    if not best_k:
        return [line]
    return [" ".join(words[:best_k]), " ".join(words[best_k:])]


def classify(truth: str, output: str) -> ErrorKinds:
    """Error kinds of one page's output against its truth (both plain text, one line per text line)."""
    reference = normalise_text(truth)
    kinds = ErrorKinds(chars=len(reference), total=Levenshtein.distance(reference, normalise_text(output)))
    truth_lines = [normalise_text(line) for line in truth.splitlines() if line.strip()]
    placed: list[tuple[int, int, str]] = []
    pieces = [piece for raw in output.splitlines() for piece in _split_columns(normalise_text(raw), truth_lines)]
    for n, line in enumerate(pieces):
        best, score = _best(line, truth_lines)
        if score < MATCH:
            kinds.invented += len(line)
            continue
        placed.append((best, n, line))
    reordered = " ".join(line for _, _, line in sorted(placed))
    kept_in_order = " ".join(line for _, _, line in sorted(placed, key=lambda p: p[1]))
    in_order, reordering = Levenshtein.distance(reference, kept_in_order), Levenshtein.distance(reference, reordered)
    kinds.order = max(0, in_order - reordering)
    if reordering > in_order:  # the line matching misplaced something: classify the output as it came
        reordered = kept_in_order
    for op in Levenshtein.editops(reference, reordered):
        if op.tag == "replace":
            a, b = reference[op.src_pos], reordered[op.dest_pos]
            same_base = a.isalpha() and b.isalpha() and base_letter(a) == base_letter(b)
            if same_base:
                kinds.diacritics += 1
                continue
        kinds.letters += 1
    return kinds
