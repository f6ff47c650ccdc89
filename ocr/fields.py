"""Field extraction from OCR text, first version: personal ID numbers, tax codes, dossier codes, dates
(dd/mm/yyyy and "ngày … tháng … năm …") and document number/symbol ("Số: 35/2022/QĐ-UBND").

Identifiers are kept only when `core.identifiers` validates them; dates only when they exist on the calendar.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from core.identifiers import InvalidIdentifier, validate_dossier_code, validate_personal_id, validate_tax_code

PERSONAL_ID = re.compile(r"(?<![\d-])(\d{12})(?![\d-])")
TAX_CODE = re.compile(r"(?<![\d-])(\d{10}(?:\s?-\s?\d{3})?)(?![\d-])")
DOSSIER_CODE = re.compile(r"(?<![\w.])([A-Z0-9]{1,4}(?:\.[A-Z0-9]{1,4}){0,7}-\d{6}-\d{4})(?![\w-])")
NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s?[/.-]\s?(\d{1,2})\s?[/.-]\s?(\d{4})(?!\d)")
WORDED_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
DOC_NUMBER = re.compile(
    r"\b[Ss]ố\s*:?\s*(\d{1,5})\s*/\s*((?:\d{4}\s*/\s*)?[A-ZĐ][A-ZĐ0-9]*(?:\s*-\s*[A-ZĐ0-9]+)*)",
)

FIELD_NAMES = ("personal_ids", "tax_codes", "dossier_codes", "dates", "document_numbers")


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _valid(check: object, value: str) -> str | None:
    try:
        return check(value)  # type: ignore[operator]
    except InvalidIdentifier:
        return None


def _date(day: str, month: str, year: str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def extract_fields(text: str) -> dict[str, list[str]]:
    """Fields found in the text, each list in order of first appearance without repeats; dates as ISO 8601."""
    text = unicodedata.normalize("NFC", text)
    ids = [v for m in PERSONAL_ID.finditer(text) if (v := _valid(validate_personal_id, m[1]))]
    taxes = [v for m in TAX_CODE.finditer(text) if (v := _valid(validate_tax_code, re.sub(r"\s", "", m[1])))]
    dossiers = [v for m in DOSSIER_CODE.finditer(text) if (v := _valid(validate_dossier_code, m[1]))]
    dates = [
        (m.start(), d)
        for pattern in (NUMERIC_DATE, WORDED_DATE)
        for m in pattern.finditer(text)
        if (d := _date(m[1], m[2], m[3]))
    ]
    numbers = [m[1] + "/" + re.sub(r"\s", "", m[2]) for m in DOC_NUMBER.finditer(text)]
    return {
        "personal_ids": _unique(ids),
        "tax_codes": _unique(taxes),
        "dossier_codes": _unique(dossiers),
        "dates": _unique([d for _, d in sorted(dates)]),
        "document_numbers": _unique(numbers),
    }
