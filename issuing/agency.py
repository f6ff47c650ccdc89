"""The agency's hand on what it issues: its seal on a result, its certification stamp on a copy, and `Issuer`, what
the composition root hands to issuing calls (the agency's signer, built on first use, and the webhook notifier).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.timezone import now_vn
from core.types import DocumentKind
from issuing.settings import issuing_settings
from signing.settings import signing_settings
from signing.sign import DocumentSigner, SignOutcome
from signing.stamps import agency_stamp, certified_copy_stamp

RESULT_SEAL_REASON = "Đóng dấu kết quả giải quyết thủ tục hành chính"
CERTIFY_REASON = "Chứng thực bản sao điện tử từ bản chính"
NOTICE_REASON = "Ký phiếu thông báo về hồ sơ thủ tục hành chính"
agency_lock = threading.Lock()

# (event, agency code, payload): tell the agency's one-stop system; logs a failure, never raises.
Notify = Callable[[str, str, dict[str, Any]], None]


@dataclass(frozen=True)
class Issuer:
    """What issuing calls are handed by the composition root (`runtime`): the agency's signer, built once per
    process on first use (key loaded once, stamp font prepared once, TSA client reused), and the notifier."""

    agency_signer: Callable[[], DocumentSigner]
    notify: Notify


def _sign(signer: DocumentSigner, pdf: bytes, kind: DocumentKind, **kwargs: Any) -> SignOutcome:
    """The signed PDF and the level reached (B-B when the TSA was down and the fallback allowed)."""
    with agency_lock:  # a DocumentSigner runs its own event loop: one signature at a time
        return signer.sign_with_outcome(pdf, level=signing_settings().level_for(kind), **kwargs)


def seal_result(pdf: bytes, agency_name: str, signer: DocumentSigner, at: dt.datetime | None = None) -> SignOutcome:
    """Sign a result with the agency identity, the red seal and agency stamp top-right of page 1 (B-LTA)."""
    stamp = agency_stamp(agency_name, issuing_settings().resolved_seal_png(), at=at or now_vn())
    return _sign(signer, pdf, DocumentKind.RESULT, stamp=stamp, reason=RESULT_SEAL_REASON)


def certify_scan(pdf: bytes, agency_name: str, number: str, when: dt.datetime, signer: DocumentSigner) -> SignOutcome:
    """Certify a scanned copy against its original: the agency's signature with the copy form, agency name,
    certification number and time top-right of page 1 (Liberation Serif 10 pt, black). For the batch path too."""
    stamp = certified_copy_stamp(agency_name, number, at=when)
    return _sign(signer, pdf, DocumentKind.CERTIFIED_COPY, stamp=stamp, reason=CERTIFY_REASON)


def sign_notice(pdf: bytes, agency_name: str, signer: DocumentSigner, at: dt.datetime | None = None) -> SignOutcome:
    """Sign a notice (supplement request, refusal, apology) with the agency identity and its stamp (B-T)."""
    stamp = agency_stamp(agency_name, issuing_settings().resolved_seal_png(), at=at or now_vn())
    return _sign(signer, pdf, DocumentKind.NOTICE, stamp=stamp, reason=NOTICE_REASON)


def seal_report(pdf: bytes, agency_name: str, signer: DocumentSigner, reason: str) -> bytes:
    """Sign a report the agency publishes (Decision 766 indicators) with its seal, as a result is sealed."""
    stamp = agency_stamp(agency_name, issuing_settings().resolved_seal_png(), at=now_vn())
    return _sign(signer, pdf, DocumentKind.RESULT, stamp=stamp, reason=reason).pdf
