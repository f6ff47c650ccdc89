"""A page verdict's reason in Vietnamese for the station officer: `ocr.quality` words it in English; the counter
page and the station CLI (`sohoa upload`, `sohoa status`) show "mờ, …, quét lại ở 300 dpi". Unknown wording is kept.
"""

from __future__ import annotations

import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"scanned at ([\d.]+) dpi( \(inferred: the file states none\))?; at least ([\d.]+) dpi is required"),
        "độ phân giải thấp: quét ở {0} dpi{1}, cần ít nhất {2} dpi — quét lại ở 300 dpi",
    ),
    (
        re.compile(r"too dark: paper brightness (\d+)/255 is below (\d+)"),
        "quá tối: độ sáng nền giấy {0}/255, dưới {1} — giảm độ đậm của máy quét hoặc đóng kín nắp máy",
    ),
    (
        re.compile(r"too light: text is only (\d+)/255 darker than the paper \(at least (\d+) needed\)"),
        "quá nhạt: chữ chỉ đậm hơn nền {0}/255 (cần ít nhất {1}) — tăng độ đậm của máy quét",
    ),
    (re.compile(r"no text could be recognised"), "không nhận dạng được chữ trên trang — kiểm tra và quét lại"),
    (
        re.compile(r"low OCR confidence (\d+)/100 \(threshold (\d+)\)"),
        "mờ, khó đọc: độ tin cậy nhận dạng {0}/100 (ngưỡng {1}) — kiểm tra tiêu cự và quét lại ở 300 dpi",
    ),
)


def reason_vi(reason: str) -> str:
    for pattern, template in _RULES:
        match = pattern.search(reason)
        if match:
            groups = [g or "" for g in match.groups()]
            if groups and groups[1:2] == [" (inferred: the file states none)"]:
                groups[1] = " (tệp không ghi độ phân giải)"
            return template.format(*groups)
    return reason
