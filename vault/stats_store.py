"""The monthly reports of Decision 766 indicators in the object store: the signed PDF and the signed CSV of a month,
each written once under permanent retention at `reports/766/<YYYY-MM>/`, and read back for the portal.

What is inside the objects (a sealed PDF, a CMS-signed CSV) is the caller's business (`issuing.stats_report`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vault.errors import InvalidInput
from vault.retention import PERMANENT_UNTIL
from vault.store.base import ObjectStore

REPORT_PREFIX = "reports/766/"
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,80}$")


@dataclass(frozen=True)
class StoredReport:
    """One file of a month's report, as stored (its first version: the one the job wrote)."""

    month: str
    name: str
    key: str
    version_id: str
    data: bytes


def report_key(month: str, name: str) -> str:
    if not MONTH_RE.fullmatch(month) or not NAME_RE.fullmatch(name):
        raise InvalidInput("a report is named by its month YYYY-MM and a file name of a-z, 0-9, '.', '-'")
    return f"{REPORT_PREFIX}{month}/{name}"


def store_report(store: ObjectStore, month: str, name: str, blob: bytes) -> str:
    """Write the file once under permanent COMPLIANCE retention; its version id (`ObjectLocked` if it exists)."""
    return store.put(report_key(month, name), blob, retain_until=PERMANENT_UNTIL).version_id


def report_months(store: ObjectStore) -> list[str]:
    """The months that have a stored report, oldest first."""
    return sorted({obj.key[len(REPORT_PREFIX) :].split("/")[0] for obj in store.iter_objects(REPORT_PREFIX)})


def stored_reports(store: ObjectStore, month: str) -> list[StoredReport]:
    """The files of the month's report (first version of each), by name."""
    prefix = report_key(month, "x")[:-1]
    out = []
    for key in sorted({obj.key for obj in store.iter_objects(prefix)}):
        first = store.versions(key)[-1]
        with store.open(key, first.version_id, store.digest(key, first.version_id)) as content:
            out.append(StoredReport(month, key[len(prefix) :], key, first.version_id, content.read()))
    return out
