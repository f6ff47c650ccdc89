"""Decision 766 indicators as CSV with Vietnamese headers (one row per unit, period and indicator), the same
columns for the API, the manager's page and the signed monthly report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from vault.indicators import DigitisationStats

INDICATOR_NAMES = ("digitisation", "electronic_results", "reuse")
LEVEL_NAMES = {"province": "tỉnh", "district": "huyện", "commune": "xã"}
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
