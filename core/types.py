"""Plain value types passed forward between the stages (ingest -> ocr/signing -> vault -> api).

Enums carry the wire values used in JSON, the catalogue and the API, so one spelling serves all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class PageVerdict(StrEnum):
    """Why a page may need attention at the scanning station."""

    BLANK = "blank"
    LOW_RESOLUTION = "low_resolution"
    TOO_DARK = "too_dark"
    TOO_LIGHT = "too_light"
    UNREADABLE = "unreadable"


# Verdicts that ask the station to rescan the page (a blank page is reported, not rescanned).
RESCAN_VERDICTS = frozenset(
    {PageVerdict.LOW_RESOLUTION, PageVerdict.TOO_DARK, PageVerdict.TOO_LIGHT, PageVerdict.UNREADABLE}
)


@dataclass(frozen=True)
class PageIssue:
    """One verdict on one page (1-based page number in the document), with a reason a person can act on."""

    page: int
    verdict: PageVerdict
    reason: str


class DocumentKind(StrEnum):
    COMPONENT = "component"  # thành phần hồ sơ
    RESULT = "result"  # kết quả giải quyết TTHC, code <dossier code>-KQ<n>
    CERTIFIED_COPY = "certified_copy"  # bản sao điện tử chứng thực từ bản chính
    CITIZEN_UPLOAD = "citizen_upload"
    NOTICE = "notice"  # phiếu of Circular 01/2018 (supplement request, refusal, apology), issued by sohoa only


class DocumentStatus(StrEnum):
    VALID = "valid"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class SignatureLevel(StrEnum):
    """PAdES baseline levels (ETSI EN 319 142-1)."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"


def lowest_level(first: SignatureLevel, *others: SignatureLevel) -> SignatureLevel:
    """The lowest of PAdES levels (B-B < B-T < B-LT < B-LTA): what a file with these signatures is held to."""
    order = list(SignatureLevel)
    return min((first, *others), key=order.index)


class Verdict(StrEnum):
    """Validation conclusions of ETSI EN 319 102-1."""

    TOTAL_PASSED = "TOTAL-PASSED"
    INDETERMINATE = "INDETERMINATE"
    TOTAL_FAILED = "TOTAL-FAILED"


@dataclass(frozen=True)
class DocumentInfo:
    """Descriptive metadata of one digitised document, written into its XMP and catalogue record."""

    title: str = ""
    dossier_code: str | None = None
    type_code: str | None = None
    owner_id: str | None = None
    digitised_at: dt.datetime | None = None
    language: str = "vi"
    extra: dict[str, str] = field(default_factory=dict)


class Role(StrEnum):
    """Who calls sohoa: scanning stations, case handlers, citizens (owners), the national portal, admins."""

    STATION = "station"
    HANDLER = "handler"
    CITIZEN = "citizen"
    PORTAL = "portal"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    """An authenticated caller, as the API hands it to the vault for every authorised read or write.

    `agency_code` is set for stations and handlers, `owner_id` for citizens (their personal ID or tax code),
    `purpose` is the stated purpose of a read (required from handlers and the portal), `name` the person's display
    name (the token's `name` claim; officers' development certificates carry it). Never log it with an owner ID.
    """

    subject: str
    role: Role
    agency_code: str | None = None
    owner_id: str | None = None
    purpose: str | None = None
    name: str | None = field(default=None, repr=False)  # not in reprs: never logged beside an owner ID
