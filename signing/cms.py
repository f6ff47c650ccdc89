"""CMS SignedData over small payloads (not PDFs): the data encapsulated, an RFC 3161 signature timestamp from the
TSA when one is given; and their validation (signature, certificate chain, timestamp) against trust anchors.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import cms, x509

from signing.errors import SigningError, TimestampUnavailableError
from signing.identity import common_name


class NotSignedData(SigningError):
    """The bytes are not a CMS SignedData with encapsulated content."""


async def sign_encapsulated(signer: Any, data: bytes, stamper: Any | None) -> bytes:
    """DER of a CMS ContentInfo (SignedData, SHA-256) holding `data`, with a signature timestamp from `stamper`
    (a pyHanko timestamper) when given; `TimestampUnavailableError` when the TSA does not answer."""
    from pyhanko.sign.general import SigningError as PyhankoSigningError
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    content = cms.ContentInfo({"content_type": "data", "content": data})
    try:
        signed = await signer.async_sign_general_data(content, "sha256", detached=False, timestamper=stamper)
    except TimestampRequestError as exc:
        raise TimestampUnavailableError(f"time-stamping authority unreachable: {exc}") from exc
    except PyhankoSigningError as exc:
        if isinstance(exc.__cause__, TimestampRequestError):
            raise TimestampUnavailableError("time-stamping authority unreachable") from exc
        raise SigningError(f"signing failed: {exc}") from exc
    return bytes(signed.dump())


@dataclass(frozen=True)
class CmsVerdict:
    """What validating a signed payload found. `valid`: intact signature by a trusted certificate, and its
    timestamp (when there is one) intact and trusted too."""

    payload: bytes
    intact: bool
    trusted: bool
    signer: str
    signer_sha256: str
    timestamped: bool
    timestamp: dt.datetime | None = None
    timestamp_trusted: bool = False
    problems: tuple[str, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return self.intact and self.trusted and (not self.timestamped or self.timestamp_trusted)


def parse_signed_data(blob: bytes) -> tuple[cms.SignedData, bytes]:
    """The SignedData and its encapsulated payload; `NotSignedData` for anything else."""
    try:
        info = cms.ContentInfo.load(blob, strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("not signed data")
        signed = info["content"]
        payload = signed["encap_content_info"]["content"].native
        _ = signed["signer_infos"][0]
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise NotSignedData("not a CMS signed file (SignedData with its content inside)") from exc
    if not isinstance(payload, bytes):
        raise NotSignedData("the signed file carries no content")
    return signed, payload


def verify_encapsulated(blob: bytes, anchors: Iterable[x509.Certificate]) -> CmsVerdict:
    """Validate a signed payload: signature intact, signer's chain to one of `anchors`, timestamp token and its
    authority's chain. Offline: no revocation data is fetched (soft-fail), since a checkpoint is verified years
    later, when the signer's OCSP responder may be gone; the trusted timestamp says when it was signed."""
    signed, payload = parse_signed_data(blob)
    return asyncio.run(_verify(signed, payload, list(anchors)))


async def _verify(signed: cms.SignedData, payload: bytes, anchors: list[x509.Certificate]) -> CmsVerdict:
    from cryptography.hazmat.primitives import hashes
    from pyhanko.sign.general import extract_signer_info, get_pyca_cryptography_hash
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.generic_cms import async_validate_cms_signature, collect_timing_info
    from pyhanko.sign.validation.status import StandardCMSSignatureStatus
    from pyhanko_certvalidator import ValidationContext

    def digest(algorithm: str) -> bytes:
        h = hashes.Hash(get_pyca_cryptography_hash(algorithm))
        h.update(payload)
        return h.finalize()

    certs = [choice.chosen for choice in signed["certificates"] or [] if choice.name == "certificate"]
    context = ValidationContext(trust_roots=anchors, other_certs=certs, revocation_mode="soft-fail")
    try:
        timing = await collect_timing_info(extract_signer_info(signed), context, digest)
        status = await async_validate_cms_signature(
            signed, status_cls=StandardCMSSignatureStatus, validation_context=context, status_kwargs=timing
        )
    except SignatureValidationError as exc:
        raise NotSignedData(f"the signature cannot be validated: {exc.failure_message}") from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise NotSignedData(f"the signature cannot be read: {type(exc).__name__}") from exc
    problems = []
    if not status.intact or not status.valid:
        problems.append("signature does not match the content")
    if not status.trusted:
        problems.append("signer's certificate does not chain to a trusted authority")
    stamp = status.timestamp_validity
    if stamp is not None and not (stamp.intact and stamp.valid and stamp.trusted):
        problems.append("timestamp token is not valid or its authority is not trusted")
    cert = status.signing_cert
    return CmsVerdict(
        payload=payload,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        signer=common_name(cert),
        signer_sha256=cert.sha256.hex(),
        timestamped=stamp is not None,
        timestamp=stamp.timestamp if stamp is not None else None,
        timestamp_trusted=bool(stamp is not None and stamp.intact and stamp.valid and stamp.trusted),
        problems=tuple(problems),
    )
