"""Decision 766 indicators as CSV with Vietnamese headers (one row per unit, period and indicator): the same
columns for the API and the signed monthly report (ISO dates, decimal point), and for a person's spreadsheet
the layout Excel reads on a Vietnamese Windows (semicolons, decimal comma, dd/mm/yyyy, the unit's name).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from issuing.settings import issuing_settings
from vault.indicators import DigitisationStats

INDICATOR_NAMES = ("digitisation", "electronic_results", "reuse")
# The `Cấp` column's words (for people; a program reads the code's depth or the JSON's `level` key): level 2 is
# what sits directly under the province since 1 July 2025 (departments, communes, wards), level 3 what is under those.
LEVEL_NAMES = {"province": "tỉnh", "district": "trực thuộc tỉnh", "commune": "cấp dưới"}
HEADER = (
    "Mã đơn vị",
    "Cấp",
    "Từ ngày",
    "Đến ngày",
    "Chỉ tiêu",
    "Số hồ sơ tiếp nhận",
    "Tử số",
    "Mẫu số",
    "Tỷ lệ (%)",
    "Điểm",
    "Điểm tối đa",
    "Hồ sơ không được tính và lý do",
)


def rows(figures: Iterable[DigitisationStats]) -> list[list[object]]:
    """Plain rows, headers not included."""
    out: list[list[object]] = []
    for stats in figures:
        for name in INDICATOR_NAMES:
            value = getattr(stats, name)
            out.append(
                [
                    stats.agency_code or "Tất cả",
                    LEVEL_NAMES.get(stats.level or "", ""),
                    stats.date_from.isoformat() if stats.date_from else "",
                    stats.date_to.isoformat() if stats.date_to else "",
                    value.label,
                    stats.dossiers_received,
                    value.numerator,
                    value.denominator,
                    f"{value.rate * 100:.2f}",
                    value.score,
                    stats.max_score,
                    "; ".join(f"{n.dossiers} hồ sơ {n.label}" for n in value.not_counted),
                ]
            )
    return out


def csv_text(figures: Iterable[DigitisationStats]) -> str:
    """UTF-8 CSV text starting with a byte-order mark, so spreadsheet programs show the Vietnamese headers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows(figures))
    return "\ufeff" + buffer.getvalue()


def _vn_number(value: object) -> object:
    """A number as Vietnamese Excel reads it: 6,25 (integers unchanged)."""
    return str(value).replace(".", ",") if isinstance(value, float) else value


def _vn_cell(column: str, value: object) -> object:
    if column in ("Từ ngày", "Đến ngày") and isinstance(value, str) and value:
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    if column == "Tỷ lệ (%)" and isinstance(value, str):
        return value.replace(".", ",")
    return _vn_number(value)


def people_csv_text(figures: Iterable[DigitisationStats]) -> str:
    """The manager's download: the same rows for a spreadsheet on a Vietnamese Windows, whose list separator is
    ";" and decimal symbol ","; a comma-separated file would open there as one column. The unit's name follows
    its code; a rate and score over no dossier are left empty. UTF-8 with a byte-order mark, so Excel shows the
    Vietnamese letters."""
    names = issuing_settings()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow((HEADER[0], "Tên đơn vị", *HEADER[1:]))
    for row in rows(figures):
        cells = [_vn_cell(column, value) for column, value in zip(HEADER, row, strict=True)]
        if row[HEADER.index("Mẫu số")] == 0:  # no dossier to count: an empty cell, not a 0 % a sum would take in
            cells[HEADER.index("Tỷ lệ (%)")] = cells[HEADER.index("Điểm")] = ""
        code = str(row[0])
        name = "Tất cả đơn vị" if code == "Tất cả" else names.agency_name(code)
        writer.writerow((cells[0], name if name != code else "", *cells[1:]))
    return "\ufeff" + buffer.getvalue()
