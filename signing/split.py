"""Split (interrupted) signing for officers whose keys stay on their own USB token: the server prepares the PDF
and the bytes to sign, the officer's machine signs them with the token, the server embeds the CMS and completes
the level (signature timestamp, revocation data, document timestamp). A `PendingSignature` is plain bytes and
numbers (`to_json`/`from_json`), so it can wait in a database between the two halves.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from asn1crypto import x509

from core.types import SignatureLevel
from signing.errors import SigningError, TimestampUnavailableError
from signing.identity import SigningIdentity, check_validity_period, common_name
from signing.pdfio import open_incremental_writer, open_reader
from signing.settings import SigningSettings
from signing.sign import DIGEST, TIMESTAMPED, DocumentSigner, SignOutcome, _below, _default_field_name
from signing.stamps import StampSpec
from signing.trust import TrustSettings


@dataclass(frozen=True)
class PendingSignature:
    """One prepared signature waiting for the officer's token: the PDF with its placeholder, where the CMS goes,
    and the DER signed attributes the token signs (SHA-256 with the certificate's key: RSA PKCS#1 v1.5)."""

    field_name: str
    level: SignatureLevel
    requested_level: SignatureLevel
    prepared_pdf: bytes
    document_digest: bytes
    reserved_start: int
    reserved_end: int
    signed_attributes: bytes
    certificate: bytes
    warnings: tuple[str, ...] = ()

    @property
    def to_be_signed(self) -> bytes:
        """What the officer's token signs (the token hashes it with SHA-256)."""
        return self.signed_attributes

    def shown_to_officer(self) -> dict[str, str]:
        """What a signing agent shows before signing: field, level, the document's and the request's hashes."""
        return {
            "field": self.field_name,
            "level": str(self.level),
            "document_sha256": self.document_digest.hex(),
            "to_be_signed_sha256": hashlib.sha256(self.signed_attributes).hexdigest(),
        }

    def to_json(self) -> str:
        data = {k: v for k, v in self.__dict__.items()}
        for key in ("prepared_pdf", "document_digest", "signed_attributes", "certificate"):
            data[key] = base64.b64encode(data[key]).decode()
        data["level"], data["requested_level"] = str(self.level), str(self.requested_level)
        data["warnings"] = list(self.warnings)
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> PendingSignature:
        data = json.loads(text)
        for key in ("prepared_pdf", "document_digest", "signed_attributes", "certificate"):
            data[key] = base64.b64decode(data[key])
        data["level"], data["requested_level"] = SignatureLevel(data["level"]), SignatureLevel(data["requested_level"])
        data["warnings"] = tuple(data["warnings"])
        return cls(**data)


def external_identity(certificate: x509.Certificate, chain: list[x509.Certificate]) -> SigningIdentity:
    """An identity whose key is elsewhere (the officer's token): pyHanko's ExternalSigner with a placeholder."""
    from pyhanko.sign.signers import ExternalSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    check_validity_period(certificate)
    size = (certificate.public_key.bit_size + 7) // 8
    signer = ExternalSigner(certificate, SimpleCertificateStore.from_certs(chain), signature_value=size)
    return SigningIdentity(
        signer=signer,
        certificate=certificate,
        chain=tuple(chain),
        display_name=common_name(certificate),
        source="external",
    )


class SplitSigner(DocumentSigner):
    """`prepare` on the server, the token signs `to_be_signed` elsewhere, `finish` embeds and completes the level."""

    def __init__(
        self,
        certificate: x509.Certificate,
        chain: list[x509.Certificate],
        settings: SigningSettings | None = None,
        *,
        tsa_url: str | None = None,
        allow_bb_fallback: bool | None = None,
        trust: TrustSettings | None = None,
    ) -> None:
        identity = external_identity(certificate, chain)
        super().__init__(identity, settings, tsa_url=tsa_url, allow_bb_fallback=allow_bb_fallback, trust=trust)

    def prepare(
        self,
        pdf: bytes,
        *,
        level: SignatureLevel,
        stamp: StampSpec | None = None,
        reason: str | None = None,
        field_name: str | None = None,
    ) -> PendingSignature:
        """Stamp, placeholder and signed attributes; the revocation check of the signer happens here."""
        return self._run(self._prepare(pdf, level, stamp, reason, field_name))

    def finish(self, pending: PendingSignature, signature_value: bytes) -> SignOutcome:
        """Check the token's signature value, embed the CMS and complete the level. TimestampUnavailableError:
        the TSA is down, call again later (the pending signature stays valid)."""
        return self._run(self._finish(pending, signature_value))

    async def _prepare(
        self, pdf: bytes, level: SignatureLevel, stamp: StampSpec | None, reason: str | None, field_name: str | None
    ) -> PendingSignature:
        from pyhanko.sign import signers
        from pyhanko.sign.timestamps.common_utils import TimestampRequestError

        requested = level
        writer, level, warnings = await self._start(pdf, level)
        stamp, reason = _below(requested, level, stamp, reason)
        name = field_name or _default_field_name(stamp, writer)
        spec, style, _placed = self._new_field(pdf, writer, stamp, name)
        ext = self.identity.signer
        pdf_signer = signers.PdfSigner(
            self._metadata(name, reason),
            signer=ext,
            # a timestamp token is added after the token signed: reserve room for it now
            timestamper=self._stamper if level in TIMESTAMPED else None,
            stamp_style=style,
            new_field_spec=spec,
        )
        output = BytesIO()
        try:  # with a timestamper pyHanko asks the TSA for a token now, to size the placeholder
            digest, _tbs, _ = await pdf_signer.async_digest_doc_for_signing(writer, output=output)
        except TimestampRequestError as exc:  # transient: the pipeline retries the step
            raise TimestampUnavailableError(f"time-stamping authority {self.tsa_url} unreachable") from exc
        attrs = await ext.signed_attrs(digest.document_digest, DIGEST, use_pades=True)
        return PendingSignature(
            field_name=name,
            level=level,
            requested_level=requested,
            prepared_pdf=output.getvalue(),
            document_digest=digest.document_digest,
            reserved_start=digest.reserved_region_start,
            reserved_end=digest.reserved_region_end,
            signed_attributes=attrs.dump(),
            certificate=self.identity.certificate.dump(),
            warnings=tuple(warnings),
        )

    async def _finish(self, pending: PendingSignature, signature_value: bytes) -> SignOutcome:
        from asn1crypto import cms
        from pyhanko.sign.signers import ExternalSigner
        from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
        from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
        from pyhanko.sign.timestamps.common_utils import TimestampRequestError

        if pending.certificate != self.identity.certificate.dump():
            raise SigningError("this pending signature was prepared for another certificate")
        _check_signature_value(self.identity.certificate, pending.signed_attributes, signature_value)
        check_validity_period(self.identity.certificate)
        await self._ensure_network()
        await self._ensure_not_revoked()  # the officer may have answered days later: revoked since? (cached 300 s)
        level = pending.level
        ext = ExternalSigner(
            self.identity.certificate, self.identity.signer.cert_registry, signature_value=signature_value
        )
        try:
            sig_cms = await ext.async_sign_prescribed_attributes(
                DIGEST,
                signed_attrs=cms.CMSAttributes.load(pending.signed_attributes),
                timestamper=self._stamper if level in TIMESTAMPED else None,
            )
        except TimestampRequestError as exc:
            raise TimestampUnavailableError(f"time-stamping authority {self.tsa_url} unreachable") from exc
        output = BytesIO(pending.prepared_pdf)
        digest = PreparedByteRangeDigest(pending.document_digest, pending.reserved_start, pending.reserved_end)
        await PdfTBSDocument.async_finish_signing(output, prepared_digest=digest, signature_cms=sig_cms)
        pdf = output.getvalue()
        if level in (SignatureLevel.B_LT, SignatureLevel.B_LTA):
            pdf = await self._complete(pdf, pending.field_name, level)
        return SignOutcome(
            pdf=pdf,
            level=level,
            field_name=pending.field_name,
            warnings=pending.warnings,
            requested_level=pending.requested_level,
        )

    async def _complete(self, pdf: bytes, field_name: str, level: SignatureLevel) -> bytes:
        """B-LT: the signer's revocation data in the DSS; B-LTA: then a document timestamp."""
        from pyhanko.sign.general import SigningError as PyhankoSigningError
        from pyhanko.sign.signers import PdfTimeStamper
        from pyhanko.sign.timestamps.common_utils import TimestampRequestError
        from pyhanko.sign.validation.dss import async_add_validation_info
        from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

        context = self._validation_context()
        [signature] = [s for s in open_reader(pdf).embedded_regular_signatures if s.field_name == field_name]
        try:
            out = BytesIO()
            await async_add_validation_info(signature, context, output=out)
            if level is SignatureLevel.B_LTA:
                done = BytesIO()
                await PdfTimeStamper(self._stamper).async_timestamp_pdf(
                    open_incremental_writer(out.getvalue()), DIGEST, validation_context=context, output=done
                )
                out = done
        except TimestampRequestError as exc:
            raise TimestampUnavailableError(f"time-stamping authority {self.tsa_url} unreachable") from exc
        except (PathBuildingError, PathValidationError, ValidationError, PyhankoSigningError) as exc:
            raise SigningError(f"cannot collect validation data for {level}: {type(exc).__name__}") from exc
        return out.getvalue()


def signature_value_problem(certificate: bytes, signed: bytes, value: bytes) -> str | None:
    """Why a token's signature value is refused for these signed attributes (DER certificate), or None."""
    try:
        _check_signature_value(x509.Certificate.load(certificate), signed, value)
    except SigningError as exc:
        return str(exc)
    return None


def _check_signature_value(certificate: x509.Certificate, signed: bytes, value: bytes) -> None:
    """Refuse a signature value the certificate's key did not make over these signed attributes."""
    from cryptography import x509 as cx509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key: Any = cx509.load_der_x509_certificate(certificate.dump()).public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signed, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(value, signed, ec.ECDSA(hashes.SHA256()))
        else:
            raise SigningError(f"unsupported key type {type(key).__name__} for split signing")
    except InvalidSignature as exc:
        raise SigningError("the token's signature does not match the prepared document: request refused") from exc
