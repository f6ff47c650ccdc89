"""Property-based fuzzing of the input readers, short and deterministic for CI (the long run:
`python -m bench.fuzz`): manifest parser, page-range parser, identifiers, zip reader, image and PDF readers."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security import properties as p

CI = settings(max_examples=40, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@CI
@given(p.manifests())
def test_manifest_parser(text: str) -> None:
    p.check_manifest(text)


@CI
@given(p.page_ranges, st.integers(1, 50))
def test_page_range_parser(pages: str, count: int) -> None:
    p.check_page_ranges(pages, count)


@CI
@given(p.identifier_text)
def test_identifiers(value: str) -> None:
    p.check_identifier(value)


@CI
@given(p.zips())
def test_zip_reader(data: bytes) -> None:
    p.check_zip(data)


@CI
@given(p.image_files())
def test_image_and_pdf_readers(file: tuple[str, bytes]) -> None:
    p.check_image(*file)
