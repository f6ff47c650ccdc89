"""sohoa's own text blocks (`ocr.blocks`), read one by one by Tesseract: their reading order (a two-column header,
a signature block beside "Nơi nhận"), what is no block (rules, specks), and pieces of one block made one.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from ocr.blocks import text_blocks, xy_order

DPI = 300


def _line(page: np.ndarray, left: int, top: int, width: int, height: int = 30) -> None:
    """A line of print: letters 30 px tall with 10 px gaps between them, as the flattened OCR copy holds them."""
    for x in range(left, left + width, 30):
        page[top : top + height, x : min(x + 20, left + width)] = 0


def _document() -> np.ndarray:
    """A4 at 300 dpi: a two-column header of three lines a side, a body paragraph, "Nơi nhận" beside the
    signer's block, a rule under the header's motto and specks in the margin."""
    page = np.full((3508, 2480), 255, np.uint8)
    for row in range(3):
        _line(page, 200, 200 + row * 50, 700)  # agency, province, number
        _line(page, 1300, 200 + row * 50, 900)  # motto, "Độc lập - Tự do - Hạnh phúc", place and date
    page[370:374, 1400:2100] = 0  # the rule under the motto: 4 px, no text
    for row in range(10):
        _line(page, 200, 600 + row * 50, 2000)
    for row in range(4):
        _line(page, 200, 1400 + row * 50, 600)  # Nơi nhận
        _line(page, 1400, 1400 + row * 50, 700)  # TM. ỦY BAN NHÂN DÂN, CHỦ TỊCH, the signer
    for x, y in ((100, 3000), (2300, 120), (1200, 3300)):
        page[y : y + 8, x : x + 8] = 0  # specks
    return page


def test_blocks_come_in_reading_order_column_by_column() -> None:
    blocks = text_blocks(_document(), DPI)
    assert len(blocks) == 5, blocks
    agency, motto, body, recipients, signer = blocks
    assert agency[0] < 300 and motto[0] > 1200 and agency[1] < 300 and motto[1] < 300  # the header, left first
    assert agency[3] >= 120 and motto[3] >= 120  # each column one block of its three lines
    assert body[1] > 500 and body[2] > 1900  # the body paragraph, after the whole header
    assert recipients[0] < 300 and signer[0] > 1300 and recipients[1] > 1300  # "Nơi nhận", then the signer
    assert all(box[1] < 3000 for box in blocks)  # no speck made a block


def test_a_rule_alone_is_no_block_and_pieces_of_one_block_are_one() -> None:
    page = np.full((1200, 2480), 255, np.uint8)
    page[300:304, 200:2200] = 0  # a rule across the page
    assert text_blocks(page, DPI) == []
    for row in range(3):
        _line(page, 200, 600 + row * 50, 2000)  # a paragraph
    _line(page, 200, 750, 300)  # its short last line ("chí sau:")
    _line(page, 200, 800, 800)  # a bold heading whose words lie 100 px apart: its right half lies 70 px under
    _line(page, 1100, 800, 800)  # the paragraph, a piece of its own inside the paragraph's box
    assert len(text_blocks(page, DPI)) == 1


def test_xy_cut_reads_rows_then_columns() -> None:
    header_left, header_right = (100, 100, 500, 150), (900, 80, 600, 200)
    body = (100, 400, 1400, 600)
    left, right = (100, 1100, 400, 200), (900, 1100, 500, 300)
    assert xy_order([right, body, header_right, left, header_left]) == [
        header_left,
        header_right,
        body,
        left,
        right,
    ]


def test_sohoa_ocr_starts_without_loading_the_other_stages() -> None:
    """`sohoa`'s entry point imports no database, storage or web layer: `sohoa ocr` pays only for OCR's own
    imports (`api.cli` imported the station's outcome printer, and with it the batch catalogue: ≈1 CPU s for
    every `sohoa` command)."""
    code = (
        "import sys, cli.main\n"
        "print(sorted(m for m in ('sqlalchemy', 'ingest.batches', 'vault.db', 'minio', 'fastapi', 'celery', 'httpx')"
        " if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
