"""Reading order: a header read across two columns by Tesseract is put back column by column."""

from __future__ import annotations

from ocr.engine import RawWord
from ocr.layout import reading_order


def _line(number: int, top: int, words: list[tuple[str, int]]) -> list[RawWord]:
    box = (words[0][1], top, words[-1][1] + 100 - words[0][1], 50)
    return [RawWord(text, (left, top, 100, 40), 90.0, number, box) for text, left in words]


def test_two_column_run_is_read_column_by_column() -> None:
    words = [
        *_line(0, 100, [("ỦY", 100), ("BAN", 220), ("CỘNG", 1300), ("HÒA", 1420)]),
        *_line(1, 160, [("TỈNH", 120), ("Độc", 1320), ("lập", 1440)]),
        *_line(2, 300, [("Điều", 100), ("1.", 220)]),
    ]
    ordered = reading_order(words)
    assert [w.text for w in ordered] == ["ỦY", "BAN", "TỈNH", "CỘNG", "HÒA", "Độc", "lập", "Điều", "1."]
    assert [w.line for w in ordered] == [0, 0, 1, 2, 2, 3, 3, 4, 4]
    assert ordered[3].line_box[0] == 1300


def test_ordinary_lines_keep_their_order() -> None:
    words = [*_line(0, 100, [("Một", 100), ("hai", 220)]), *_line(1, 160, [("ba", 100)])]
    assert reading_order(words) == [*words[:2], words[2]]


def test_table_rows_are_read_row_by_row() -> None:
    words = [
        *_line(0, 100, [("STT", 100), ("Tên", 700), ("Số", 1300)]),
        *_line(1, 160, [("1", 100), ("An", 700), ("12", 1300)]),
    ]
    assert [w.text for w in reading_order(words)] == ["STT", "Tên", "Số", "1", "An", "12"]
