"""A page verdict's reason in Vietnamese for the station officer: `ocr.quality` words it in English; the counter
page and the station CLI (`sohoa upload`, `sohoa status`) show "mờ, …, quét lại ở 300 dpi". Unknown wording is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Rule = tuple[re.Pattern[str], str]  # an English wording's pattern, and its Vietnamese template ({0}, {1}: groups)

_RULES: tuple[Rule, ...] = (
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


def first_match(rules: Iterable[Rule], text: str) -> tuple[str, list[str]] | None:
    """The template of the first rule whose pattern is found in `text`, with the match's groups ("" for a group
    that took no part); None when no rule matches. `reason_vi` here and `web.reasons.problem_vi` read with it."""
    for pattern, template in rules:
        match = pattern.search(text)
        if match:
            return template, [group or "" for group in match.groups()]
    return None


def reason_vi(reason: str) -> str:
    found = first_match(_RULES, reason)
    if found is None:
        return reason
    template, groups = found
    if groups[1:2] == [" (inferred: the file states none)"]:
        groups[1] = " (tệp không ghi độ phân giải)"
    return template.format(*groups)
