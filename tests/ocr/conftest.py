"""Session fixtures of the OCR tests: the synthetic scans, processed once by real Tesseract."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ocr.scans import Case, build_cases


@pytest.fixture(scope="session")
def scan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scans")


@pytest.fixture(scope="session")
def cases(scan_dir: Path) -> dict[str, Case]:
    return build_cases(scan_dir)
