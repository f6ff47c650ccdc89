"""QR payloads of the papers sohoa prints (cover sheets, dossier receipts) and finding them in scanned pages.

Payload (version 1): `SOHOA1|<kind>|k=v|k=v...`, UTF-8 in QR byte mode; `|`, `%`, `=` and control characters
inside values are percent-encoded. Kinds: `C` cover sheet, `R` receipt. See docs/intake.md for the fields.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

import cv2
import numpy as np
from numpy.typing import NDArray

from core.identifiers import (
    InvalidIdentifier,
    validate_dossier_code,
    validate_procedure_code,
    validate_tax_code,
)
from core.timezone import to_vn
from core.types import DocumentKind

PREFIX = "SOHOA1"
COVER_SHEET = "C"
RECEIPT = "R"
RECEIPT_PAPER_NAME = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
DEFAULT_ISSUING_SYSTEM = "sohoa"

_ESCAPED = re.compile(r"[|%=\x00-\x1f\x7f]")


class PayloadError(ValueError):
    """A QR text is not a sohoa payload, or a field is missing or malformed; the message says which."""


@dataclass(frozen=True)
class CoverSheetPayload:
    """What a cover sheet's QR holds: the document that follows it in the scan."""

    dossier_code: str
    type_code: str
    name: str
    kind: DocumentKind = DocumentKind.COMPONENT


@dataclass(frozen=True)
class ReceiptPayload:
    """What a receipt's QR holds (Circular 01/2023: dossier code, procedure code, owner identifier, paper
    name, issuing system and time, plus the appointment). `owner_id` is as printed: masked or in clear."""

    dossier_code: str
    procedure_code: str
    owner_id: str
    issued_at: dt.datetime
    appointment_at: dt.datetime | None
    paper_name: str = RECEIPT_PAPER_NAME
    issuing_system: str = DEFAULT_ISSUING_SYSTEM


def _escape(value: str) -> str:
    return _ESCAPED.sub(lambda match: quote(match.group(), safe=""), value)


def _join(kind: str, fields: dict[str, str]) -> str:
    return "|".join([PREFIX, kind, *(f"{key}={_escape(value)}" for key, value in fields.items())])


def _split(text: str) -> tuple[str, dict[str, str]]:
    parts = text.strip().split("|")
    if len(parts) < 2 or parts[0] != PREFIX:
        if parts[0].startswith("SOHOA"):
            raise PayloadError(f"unsupported sohoa payload version {parts[0]!r} (this reader knows {PREFIX})")
        raise PayloadError("not a sohoa payload (it must start with SOHOA1|)")
    fields: dict[str, str] = {}
    for part in parts[2:]:
        key, sep, value = part.partition("=")
        if not sep or not key:
            raise PayloadError(f"malformed field {part[:20]!r} (expected key=value)")
        fields[key] = unquote(value)
    return parts[1], fields


def _required(fields: dict[str, str], key: str, label: str) -> str:
    value = fields.get(key, "")
    if not value:
        raise PayloadError(f"the payload lacks the {label} (field {key}=)")
    return value


def _checked(check: Callable[[str], str], value: str, label: str) -> str:
    try:
        return check(value)
    except InvalidIdentifier as exc:
        raise PayloadError(f"{label} in the payload is not valid: {exc}") from exc


def _moment(value: str, label: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise PayloadError(f"{label} in the payload is not an ISO 8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        raise PayloadError(f"{label} in the payload has no UTC offset")
    return to_vn(moment)


def payload_kind(text: str) -> str:
    """`C` or `R` for a sohoa payload; raises PayloadError for anything else."""
    return _split(text)[0]


def encode_cover_sheet(sheet: CoverSheetPayload) -> str:
    fields = {"d": sheet.dossier_code, "t": sheet.type_code, "n": sheet.name}
    if sheet.kind != DocumentKind.COMPONENT:
        fields["k"] = sheet.kind.value
    return _join(COVER_SHEET, fields)


def decode_cover_sheet(text: str) -> CoverSheetPayload:
    kind, fields = _split(text)
    if kind != COVER_SHEET:
        raise PayloadError(f"not a cover sheet payload (kind {kind!r})")
    try:
        doc_kind = DocumentKind(fields.get("k", DocumentKind.COMPONENT.value))
    except ValueError as exc:
        raise PayloadError(f"unknown document kind {fields['k']!r} in the cover sheet") from exc
    return CoverSheetPayload(
        dossier_code=_checked(validate_dossier_code, _required(fields, "d", "dossier code"), "dossier code"),
        type_code=_required(fields, "t", "document type code"),
        name=_required(fields, "n", "document name"),
        kind=doc_kind,
    )


def encode_receipt(receipt: ReceiptPayload) -> str:
    fields = {
        "d": receipt.dossier_code,
        "p": receipt.procedure_code,
        "o": receipt.owner_id,
        "n": receipt.paper_name,
        "s": receipt.issuing_system,
        "t": to_vn(receipt.issued_at).isoformat(timespec="seconds"),
    }
    if receipt.appointment_at is not None:
        fields["a"] = to_vn(receipt.appointment_at).isoformat(timespec="minutes")
    return _join(RECEIPT, fields)


def decode_receipt(text: str) -> ReceiptPayload:
    """Parse a receipt QR payload, as the public status page and the handlers' look-up accept it."""
    kind, fields = _split(text)
    if kind != RECEIPT:
        raise PayloadError(f"not a receipt payload (kind {kind!r})")
    appointment = fields.get("a")
    return ReceiptPayload(
        dossier_code=_checked(validate_dossier_code, _required(fields, "d", "dossier code"), "dossier code"),
        procedure_code=_checked(validate_procedure_code, _required(fields, "p", "procedure code"), "procedure code"),
        owner_id=_required(fields, "o", "owner identifier"),
        paper_name=_required(fields, "n", "paper name"),
        issuing_system=_required(fields, "s", "issuing system"),
        issued_at=_moment(_required(fields, "t", "issue time"), "issue time"),
        appointment_at=_moment(appointment, "appointment") if appointment else None,
    )


def mask_owner_id(owner_id: str) -> str:
    """The owner identifier as printed on paper: a tax code (public record) in clear, a personal ID or
    passport number with all but its first 3 and last 3 characters replaced by `*` (e.g. 045******234)."""
    try:
        return validate_tax_code(owner_id)
    except InvalidIdentifier:
        pass
    if len(owner_id) <= 6:
        return "*" * len(owner_id)
    return owner_id[:3] + "*" * (len(owner_id) - 6) + owner_id[-3:]


# --- finding QR codes in scanned pages -------------------------------------------------------------------


@dataclass(frozen=True)
class QRHit:
    """A decoded QR code: its text and its four corners in the full-resolution page (pixels)."""

    text: str
    corners: tuple[tuple[float, float], ...]


def _grey(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)  # type: ignore[return-value]
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)  # type: ignore[return-value]


def _downscale(grey: NDArray[np.uint8], max_side: int) -> tuple[NDArray[np.uint8], float]:
    scale = min(1.0, max_side / max(grey.shape[:2]))
    if scale >= 1.0:
        return grey, 1.0
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return small, scale  # type: ignore[return-value]


def _decode_crop(grey: NDArray[np.uint8], corners: NDArray[np.float32], detector: cv2.QRCodeDetectorAruco) -> str:
    """Decode one code from a full-resolution crop around the corners found on the small image."""
    x0, y0 = np.floor(corners.min(axis=0)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
    margin = int(0.25 * max(x1 - x0, y1 - y0)) + 8
    height, width = grey.shape[:2]
    crop = grey[max(0, y0 - margin) : min(height, y1 + margin), max(0, x0 - margin) : min(width, x1 + margin)]
    crop = cv2.copyMakeBorder(crop, 16, 16, 16, 16, cv2.BORDER_CONSTANT, value=255)  # type: ignore[assignment]
    text, _points, _ = detector.detectAndDecode(crop)
    return str(text or "")


def find_qr_codes(image: NDArray[np.uint8], max_side: int = 1200) -> list[QRHit]:
    """Detect and decode the QR codes on a page image (BGR, BGRA or grey, as OpenCV uses).

    Detection runs on a copy downscaled to `max_side` pixels (about 100 dpi for A4), which keeps a page
    without a code cheap; a code found there but not decodable is decoded again from a full-resolution crop.
    Codes too small to be seen at that scale are not found: print cover sheet codes large (see coversheet).
    """
    grey = _grey(image)
    small, scale = _downscale(grey, max_side)
    detector = cv2.QRCodeDetectorAruco()
    found, points = detector.detectMulti(small)
    if not found or points is None:
        return []
    _ok, texts, _straight = detector.decodeMulti(small, points)
    hits: list[QRHit] = []
    for text, quad in zip(texts, points, strict=True):
        full = np.asarray(quad, dtype=np.float32).reshape(4, 2) / scale
        if not text and scale < 1.0:
            text = _decode_crop(grey, full, detector)
        if text:
            hits.append(QRHit(text=str(text), corners=tuple((float(x), float(y)) for x, y in full)))
    return hits


def find_cover_sheet(
    image: NDArray[np.uint8], max_side: int = 1200, *, strict: bool = False
) -> CoverSheetPayload | None:
    """The cover sheet payload on a page, or None when the page holds no sohoa cover sheet code.

    Other QR codes (a citizen's ID card, a receipt, another system's result) are ordinary page content. A code
    that starts like a sohoa payload but does not decode as a cover sheet (another version, a damaged field)
    is ignored too, unless `strict`: then PayloadError says why.
    """
    for hit in find_qr_codes(image, max_side):
        try:
            if payload_kind(hit.text) == COVER_SHEET:
                return decode_cover_sheet(hit.text)
        except PayloadError:
            if strict and hit.text.startswith("SOHOA"):
                raise
    return None


def find_cover_sheets(
    pages: Sequence[NDArray[np.uint8]], max_side: int = 1200, *, strict: bool = False
) -> list[CoverSheetPayload | None]:
    """`find_cover_sheet` for each page of a batch, in order; with `strict` a PayloadError names the page."""
    found: list[CoverSheetPayload | None] = []
    for number, page in enumerate(pages, start=1):
        try:
            found.append(find_cover_sheet(page, max_side, strict=strict))
        except PayloadError as exc:
            raise PayloadError(f"page {number}: the cover sheet code can not be used: {exc}") from exc
    return found
