"""Vietnamese identifiers: personal ID numbers, tax codes, agency, procedure and dossier codes.

Rules from docs/SPEC.md (Decree 137/2015 for the 12-digit personal ID, QCVN 102:2016 for agency codes,
Circular 01/2018/TT-VPCP for dossier codes). Tax codes are checked by python-stdnum's `stdnum.vn.mst`.
Every identifier is ASCII: full-width or Arabic-Indic digits ("０４５…", "٠٤٥…") are refused, never normalised,
so that no look-alike opens a second owner, vault or dossier.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from core.timezone import now_vn

# Province codes of the 12-digit personal ID (Circular 07/2016/TT-BCA, 63 provinces before the 2025 merger;
# IDs already issued keep these prefixes).
PROVINCE_CODES = frozenset(
    f"{n:03d}"
    for n in (
        1,
        2,
        4,
        6,
        8,
        10,
        11,
        12,
        14,
        15,
        17,
        19,
        20,
        22,
        24,
        25,
        26,
        27,
        30,
        31,
        33,
        34,
        35,
        36,
        37,
        38,
        40,
        42,
        44,
        45,
        46,
        48,
        49,
        51,
        52,
        54,
        56,
        58,
        60,
        62,
        64,
        66,
        67,
        68,
        70,
        72,
        74,
        75,
        77,
        79,
        80,
        82,
        83,
        84,
        86,
        87,
        89,
        91,
        92,
        93,
        94,
        95,
        96,
    )
)

AGENCY_CODE_RE = re.compile(r"^[A-Z0-9]{1,4}(\.[A-Z0-9]{1,4}){0,7}$")
PROCEDURE_CODE_RE = re.compile(r"^[0-9]\.[0-9]{6}(\.[A-Z0-9]{1,4}){0,6}$")
DOSSIER_CODE_RE = re.compile(r"^(?P<agency>[A-Z0-9.]{1,35})-(?P<date>[0-9]{6})-(?P<seq>[0-9]{4})$")
PERSONAL_ID_RE = re.compile(r"[0-9]{12}")
TAX_CODE_RE = re.compile(r"[0-9]{10}(-?[0-9]{3})?")
MAX_IDENTIFIER_LENGTH = 64


class InvalidIdentifier(ValueError):
    """An identifier does not follow its rule; the message says which part and why."""


def _ascii(value: object, what: str) -> str:
    """The value if it is a short ASCII string; identifiers never take other scripts' digits or letters."""
    if not isinstance(value, str):
        raise InvalidIdentifier(f"{what} must be text")
    if len(value) > MAX_IDENTIFIER_LENGTH:
        raise InvalidIdentifier(f"{what} is longer than {MAX_IDENTIFIER_LENGTH} characters")
    if not value.isascii():
        raise InvalidIdentifier(f"{what} must be written with ASCII digits and letters only")
    return value


def validate_personal_id(value: str, *, today: dt.date | None = None) -> str:
    """Return the 12-digit personal ID if valid, else raise InvalidIdentifier with the reason.

    Checks: 12 digits; a known province code; century/gender digit whose birth year is not in the future.
    """
    if not PERSONAL_ID_RE.fullmatch(_ascii(value, "personal ID")):
        raise InvalidIdentifier("personal ID must be exactly 12 digits")
    if value[:3] not in PROVINCE_CODES:
        raise InvalidIdentifier("personal ID has an unknown province code in its first 3 digits")
    century_digit = int(value[3])
    birth_year = 1900 + 100 * (century_digit // 2) + int(value[4:6])
    if birth_year > (today or now_vn().date()).year:  # Vietnam's year: from 17:00 UTC on 31/12 it is the next
        raise InvalidIdentifier("personal ID encodes a birth year in the future (digits 4-6)")
    return value


def validate_tax_code(value: str) -> str:
    """Return the tax code in its canonical form (10 digits, or NNNNNNNNNN-NNN), else raise.

    Only 10 or 13 ASCII digits (the branch suffix with or without its dash) are taken: stdnum's own
    normalisation (spaces, dots, full-width digits) would let look-alikes of one code through."""
    if not TAX_CODE_RE.fullmatch(_ascii(value, "tax code")):
        raise InvalidIdentifier("tax code must be 10 digits, or 13 as NNNNNNNNNN-NNN")
    try:
        compact = mst.validate(value)
    except StdnumError as exc:
        raise InvalidIdentifier(f"tax code is not valid: {exc}") from exc
    return compact if len(compact) == 10 else f"{compact[:10]}-{compact[10:]}"


def owner_kind(owner_id: str) -> str:
    """'person' for a valid personal ID, 'organisation' for a valid tax code; raise otherwise."""
    if PERSONAL_ID_RE.fullmatch(_ascii(owner_id, "owner ID")):
        validate_personal_id(owner_id)
        return "person"
    validate_tax_code(owner_id)
    return "organisation"


def validate_owner_id(value: str) -> str:
    """An owner identifier in its one canonical form: a personal ID, or a tax code (NNNNNNNNNN[-NNN])."""
    return value if owner_kind(value) == "person" else validate_tax_code(value)


def validate_agency_code(value: str) -> str:
    if len(_ascii(value, "agency code")) > 35 or not AGENCY_CODE_RE.fullmatch(value):
        raise InvalidIdentifier("agency code must be up to 35 characters of A-Z, 0-9 and '.' (QCVN 102:2016)")
    return value


def validate_procedure_code(value: str) -> str:
    if not PROCEDURE_CODE_RE.fullmatch(_ascii(value, "procedure code")):
        raise InvalidIdentifier("procedure code must look like 1.011442.000.00.00.H30")
    return value


def validate_dossier_code(value: str) -> str:
    match = DOSSIER_CODE_RE.fullmatch(_ascii(value, "dossier code"))
    if not match:
        raise InvalidIdentifier("dossier code must be <agency code>-YYMMDD-XXXX")
    validate_agency_code(match["agency"])
    try:
        dt.datetime.strptime(match["date"], "%y%m%d")
    except ValueError as exc:
        raise InvalidIdentifier("dossier code has an impossible date YYMMDD") from exc
    return value


def format_dossier_code(agency_code: str, day: dt.date, sequence: int) -> str:
    """`<agency code>-YYMMDD-XXXX` with a 4-digit daily sequence starting at 1."""
    if not 1 <= sequence <= 9999:
        raise InvalidIdentifier("the daily dossier sequence runs from 0001 to 9999")
    return f"{validate_agency_code(agency_code)}-{day:%y%m%d}-{sequence:04d}"


def owner_partition(owner_id: str, key: bytes) -> str:
    """Keyed hash of an owner id, used in object keys and logs instead of the id in clear."""
    return hmac.new(key, owner_id.encode(), hashlib.sha256).hexdigest()[:32]


_PERSONAL_ID_IN_TEXT = re.compile(r"(?<!\d)\d{12}(?!\d)")


def redact(text: str) -> str:
    """Mask every 12-digit run (a personal ID number, possibly) in free text."""
    return _PERSONAL_ID_IN_TEXT.sub("[ID]", text)
