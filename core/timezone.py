"""Vietnam time (UTC+07:00, no daylight saving), the clock every visible stamp and code uses."""

from __future__ import annotations

import datetime as dt

VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")


def now_vn() -> dt.datetime:
    """The current time in Vietnam, timezone-aware."""
    return dt.datetime.now(VN_TZ)


def to_vn(moment: dt.datetime) -> dt.datetime:
    """Convert an aware datetime to Vietnam time (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VN_TZ)
