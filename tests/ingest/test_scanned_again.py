"""The thresholds of a paper scanned again (`vault.rescans`), on real renders through Tesseract and the OCR
pipeline: the same paper scanned twice matches (prints and text), the same form filled in for another person does
not (its text and numbers differ, though its prints come as close), and a page of other text is far in prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr.api import DocumentOptions, ocr_document
from ocr.inputs import load_file
from ocr.models import OcrOptions
from tests.support.forms import form_lines, other_text, scan
from vault.models import Document
from vault.rescans import PRINT_DISTANCE, TEXT_SIMILARITY, ScannedPaper, compare, normalise, print_distance

pytestmark = pytest.mark.slow


def _read(path: Path) -> ScannedPaper:
    result = ocr_document(load_file(path), DocumentOptions(page=OcrOptions.from_settings(), workers=1))
    return ScannedPaper([page.print for page in result.pages], result.text, result.fields)


def _stored(paper: ScannedPaper) -> Document:
    """The catalogue row the first scan became (the comparison reads nothing else)."""
    return Document(page_prints=paper.prints, ocr_text=paper.text, extracted_fields=paper.fields)


@pytest.fixture(scope="module")
def papers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ScannedPaper]:
    folder = tmp_path_factory.mktemp("forms")
    return {
        "an": _read(scan(folder / "an.jpg", form_lines("an"))),
        "an_again": _read(scan(folder / "an-again.jpg", form_lines("an"), dpi=200, rough=True, seed=2)),
        "hoa": _read(scan(folder / "hoa.jpg", form_lines("hoa"))),
        "other": _read(other_text(folder / "other.jpg")),
    }


def _figures(a: ScannedPaper, b: ScannedPaper) -> tuple[int | None, float]:
    from rapidfuzz import fuzz

    prints = [p for p in a.prints if p is not None]
    return print_distance(prints, b.prints), float(fuzz.ratio(normalise(a.text), normalise(b.text)))


def test_the_same_paper_scanned_again_matches(papers: dict[str, ScannedPaper]) -> None:
    distance, similarity = _figures(papers["an"], papers["an_again"])
    print(f"same paper: prints {distance}/64 bits apart, text {similarity:.1f}")
    assert distance is not None and distance <= PRINT_DISTANCE and similarity >= TEXT_SIMILARITY
    assert compare(_stored(papers["an"]), papers["an_again"]) is not None
    assert compare(_stored(papers["an_again"]), papers["an"]) is not None


def test_the_same_form_for_another_person_does_not_match(papers: dict[str, ScannedPaper]) -> None:
    for first, second in (("an", "hoa"), ("an_again", "hoa")):
        distance, similarity = _figures(papers[first], papers[second])
        print(f"{first} / {second}: prints {distance}/64 bits apart, text {similarity:.1f}")
        assert similarity < TEXT_SIMILARITY
        assert compare(_stored(papers[first]), papers[second]) is None


def test_a_page_of_other_text_is_far_in_prints(papers: dict[str, ScannedPaper]) -> None:
    distance, similarity = _figures(papers["an"], papers["other"])
    print(f"other text: prints {distance}/64 bits apart, text {similarity:.1f}")
    assert distance is not None and distance > PRINT_DISTANCE
    assert compare(_stored(papers["an"]), papers["other"]) is None
