"""Retention of stored PDFs: years by document type code or kind (configurable), COMPLIANCE mode.

Permanent papers are locked until 2999-12-31 (S3 object lock needs a date; it can only be extended).
"""

from __future__ import annotations

import datetime as dt

PERMANENT_UNTIL = dt.datetime(2999, 12, 31, tzinfo=dt.UTC)


def retention_years(table: dict[str, int | None], default: int | None, kind: str, type_code: str | None) -> int | None:
    """Years to keep: the type code's entry if any, else the kind's, else the default; None is permanent."""
    if type_code and type_code in table:
        return table[type_code]
    return table.get(kind, default)


def retain_until(years: int | None, now: dt.datetime | None = None) -> dt.datetime:
    """The COMPLIANCE retain-until date for a paper stored `now` and kept `years` (None: permanent)."""
    if years is None:
        return PERMANENT_UNTIL
    start = now or dt.datetime.now(dt.UTC)
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)
