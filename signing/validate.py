"""Validation of every signature in a PDF (pyHanko AdES-LTA process), reported in ETSI EN 319 102-1 terms.

`validate_pdf` (sync) and `async_validate_pdf` (for the API's event loop) return a `ValidationReport`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import logging
from typing import Any

from core.timezone import to_vn
from core.types import SignatureLevel, Verdict
from signing.devca import is_development_name
from signing.errors import PdfBrokenError
from signing.network import fetcher_backend, new_session
from signing.pdfio import open_reader
from signing.processes import ades_process, proven_after
from signing.report import (
    DocumentTimestampReport,
    SignatureReport,
    TimestampInfo,
    ValidationReport,
    file_verdict,
)
from signing.settings import SigningSettings, signing_settings
from signing.trust import TrustSettings, trust_anchors, validation_spec


class _ExpectedFailures(logging.Filter):
    """pyHanko logs an untrusted chain or a failed check as a warning with a traceback, for every signature of
    every stored document; the report carries the verdict, so such records become one-line debug messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        from pyhanko.sign.general import SigningError as PyhankoError
        from pyhanko.sign.validation.errors import SignatureValidationError
        from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

        # with a traceback, or the error itself as the message (past signature validation's "Unable to construct
        # plausible past validation path [NO_POE]")
        error = record.exc_info[1] if record.exc_info else record.msg
        expected = (PathBuildingError, PathValidationError, ValidationError, SignatureValidationError, PyhankoError)
        if isinstance(error, expected):
            record.msg = f"{record.getMessage()}: {type(error).__name__}"
            record.args = None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


_FILTER = _ExpectedFailures()
for _name in ("generic_cms", "status", "ades", "pdf_embedded"):
    logging.getLogger(f"pyhanko.sign.validation.{_name}").addFilter(_FILTER)


CHANGE_TEXT = {
    "none": "no change after signing",
    "lta_updates": "only long-term validation data added after signing (DSS, document timestamps)",
    "form_filling": "harmless: form fields filled or further signatures added after signing",
    "annotations": "annotations added after signing",
    "other": "content changed after signing (pages added or page content modified)",
}


def validate_pdf(
    data: bytes, trust: TrustSettings | None = None, settings: SigningSettings | None = None
) -> ValidationReport:
    """Validate every signature and document timestamp in `data`; PdfInputError for encrypted/broken files."""
    coro = async_validate_pdf(data, trust, settings)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:  # called from inside an event loop
        return pool.submit(asyncio.run, coro).result()


async def async_validate_pdf(
    data: bytes, trust: TrustSettings | None = None, settings: SigningSettings | None = None
) -> ValidationReport:
    """The coroutine behind `validate_pdf`, for callers already in an event loop."""
    settings = settings or signing_settings()
    trust = trust or TrustSettings()
    reader = open_reader(data)
    regular, stamped = _embedded_signatures(reader)
    anchors = trust_anchors(trust, settings)
    policy = trust.policy(settings)
    session = new_session(policy) if trust.allow_fetching else None
    try:
        backend = fetcher_backend(session, policy) if session is not None else None
        spec = validation_spec(anchors, backend, trust.allow_fetching)
        timestamps = [await _document_timestamp(sig, anchors, backend, trust.allow_fetching) for sig in stamped]
        signatures = [await _guarded_signature(sig, spec, reader, timestamps) for sig in regular]
    finally:
        if session is not None:
            await session.close()
    verdict, sub = file_verdict([(s.verdict, s.sub_indication) for s in signatures])
    return ValidationReport(
        signatures=signatures,
        document_timestamps=timestamps,
        verdict=verdict,
        sub_indication=sub,
        validated_at=to_vn(dt.datetime.now(dt.UTC)),
    )


def _embedded_signatures(reader: Any) -> tuple[list[Any], list[Any]]:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.validation.errors import SignatureValidationError

    try:
        return list(reader.embedded_regular_signatures), list(reader.embedded_timestamp_signatures)
    except (PdfError, SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        raise PdfBrokenError(f"unreadable signature in the PDF: {exc}") from exc


async def _guarded_signature(
    sig: Any, spec: Any, reader: Any, timestamps: list[DocumentTimestampReport]
) -> SignatureReport:
    """A malformed signature gets a TOTAL-FAILED/FORMAT_FAILURE entry instead of stopping the whole report."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.validation.errors import SignatureValidationError

    try:
        return await _signature(sig, spec, reader, timestamps)
    except (PdfError, SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        try:
            subject = sig.signer_cert.subject.human_friendly
        except (ValueError, KeyError, TypeError, AttributeError):
            subject = "unknown"
        return SignatureReport(
            field_name=str(sig.field_name),
            signer_subject=subject,
            signer_name="",
            intact=False,
            valid=False,
            trusted=False,
            signed_revision=int(sig.signed_revision),
            revisions=int(reader.xrefs.total_revisions),
            coverage="unclear",
            changes_after_signing="unknown",
            verdict=Verdict.TOTAL_FAILED,
            sub_indication="FORMAT_FAILURE",
            message=f"malformed signature: {exc}",
        )


def _verdict(subindic: Any) -> tuple[Verdict, str | None]:
    from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESPassed

    if isinstance(subindic, AdESPassed):
        return Verdict.TOTAL_PASSED, None
    if isinstance(subindic, AdESFailure):
        return Verdict.TOTAL_FAILED, subindic.name
    if isinstance(subindic, AdESIndeterminate):
        return Verdict.INDETERMINATE, subindic.name
    return Verdict.INDETERMINATE, str(subindic)


def _when(moment: dt.datetime | None) -> dt.datetime | None:
    return to_vn(moment) if moment is not None else None


def _timestamp_info(status: Any) -> TimestampInfo | None:
    if status is None:
        return None
    return TimestampInfo(
        time=_when(getattr(status, "timestamp", None)),
        tsa=status.signing_cert.subject.human_friendly,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
    )


def _chain(status: Any) -> tuple[list[str], str | None]:
    path = getattr(status, "validation_path", None)
    if path is None:
        return [], None
    subjects = [cert.subject.human_friendly for cert in reversed(list(path.iter_certs(include_root=True)))]
    return subjects, str(path.trust_anchor.authority.name.human_friendly)


def _revocation(status: Any, sub: str | None, cert: Any) -> tuple[str, dt.datetime | None]:
    details = getattr(status, "revocation_details", None)
    if details is not None:
        return "revoked", _when(details.revocation_date)
    if sub is not None and sub.startswith("REVOKED"):
        return "revoked", None
    if not (cert.ocsp_urls or cert.crl_distribution_points):
        return "not_declared", None  # the certificate names no OCSP responder or CRL (e.g. development CA)
    if sub in ("TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE") or not getattr(status, "trusted", False):
        return "unknown", None
    return "good", None


def _pades_level(sig: Any, reader: Any, timestamps: list[DocumentTimestampReport]) -> SignatureLevel | None:
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    if sig.sig_object.get("/SubFilter") != "/ETSI.CAdES.detached":
        return None
    later_ts = [ts for ts in timestamps if ts.signed_revision > sig.signed_revision]
    has_sig_ts = any(True for _ in extract_tst_data_iter(sig.signer_info, signed=False))
    if not (has_sig_ts or later_ts):
        return SignatureLevel.B_B
    dss = DocumentSecurityStore.read_dss(reader) if "/DSS" in reader.root else None
    if dss is None or not (dss.ocsps or dss.crls):
        return SignatureLevel.B_T
    # revocation data in the DSS, then a document timestamp over it (the DSS is updated again after each
    # document timestamp, so its last revision says nothing): B-LTA
    return SignatureLevel.B_LTA if later_ts else SignatureLevel.B_LT


async def _signature(sig: Any, spec: Any, reader: Any, timestamps: list[DocumentTimestampReport]) -> SignatureReport:
    from pyhanko.sign.validation.status import ModificationInfo

    sig.compute_integrity_info()
    integrity = ModificationInfo(**sig.summarise_integrity_info())
    detected = _pades_level(sig, reader, timestamps) if _digest_matches(sig) else None
    result = await ades_process(sig, spec, reader, detected)
    status = result.api_status
    verdict, sub = _verdict(result.ades_subindic)
    message = result.failure_msg if verdict is not Verdict.TOTAL_PASSED else None
    level = integrity.modification_level
    level_name = level.name.lower() if level is not None else None
    changes_ok = integrity.docmdp_ok
    if verdict is Verdict.TOTAL_PASSED and changes_ok is False:
        # the signature is sound, but the file changed in a way its signer did not permit (DocMDP/FieldMDP)
        verdict, sub = Verdict.TOTAL_FAILED, "SIG_CONSTRAINTS_FAILURE"
        message = "the document was changed after signing in a way the signature does not permit"
    chain, anchor = _chain(status)
    revocation, revoked_at = _revocation(status, sub, sig.signer_cert)
    if sub == "REVOKED_NO_POE" and await proven_after(sig, spec, revoked_at):
        # EN 319 102-1 table 5: revoked, with proof (a trusted signature timestamp) that the signature was made
        # after the revocation time: TOTAL-FAILED/REVOKED (pyHanko 0.38 stops at REVOKED_NO_POE here)
        verdict, sub = Verdict.TOTAL_FAILED, "REVOKED"
        message = f"signed after its certificate was revoked on {revoked_at:%Y-%m-%d %H:%M:%S%z}"
    docmdp = sig.docmdp_level
    intact = bool(status.intact) if status is not None else False
    subject = sig.signer_cert.subject.human_friendly
    reason, stamp_text = sig.sig_object.get("/Reason"), sig.sig_field.get("/TU")
    return SignatureReport(
        field_name=str(sig.field_name),
        signer_subject=subject,
        signer_name=str(sig.signer_cert.subject.native.get("common_name", "")),
        signer_organisation=_organisation(sig.signer_cert),
        issuer_name=str(sig.signer_cert.issuer.native.get("common_name", "")) or None,
        development=is_development_name(subject) or any(is_development_name(name) for name in chain),
        reason=str(reason) if reason is not None else None,
        stamp_text=str(stamp_text) if stamp_text is not None else None,
        signing_time=_when(sig.self_reported_timestamp),
        timestamp=_timestamp_info(getattr(status, "timestamp_validity", None)),
        best_signature_time=_when(getattr(result, "best_signature_time", None)),
        proven_at=_when(getattr(result, "proven_at", None)),
        certificate_expires=_when(sig.signer_cert["tbs_certificate"]["validity"]["not_after"].native),
        intact=intact,
        valid=bool(status.valid) if status is not None else False,
        trusted=bool(status.trusted) if status is not None else False,
        chain=chain,
        trust_anchor=anchor,
        revocation=revocation,
        revocation_date=revoked_at,
        certification=docmdp.name.lower() if docmdp is not None and _is_certification(sig) else None,
        signed_revision=int(sig.signed_revision),
        revisions=int(reader.xrefs.total_revisions),
        coverage=sig.coverage.name.lower() if sig.coverage is not None else "unclear",
        modification_level=level_name,
        changes_after_signing=_change_text(integrity, level_name),
        changes_permitted=changes_ok,
        pades_level=detected if intact else None,
        verdict=verdict,
        sub_indication=sub,
        message=message,
    )


def _digest_matches(sig: Any) -> bool:
    from pyhanko.sign.validation.utils import extract_message_digest

    try:
        return bool(extract_message_digest(sig.signer_info) == sig.compute_digest())
    except (ValueError, KeyError):
        return False


def _organisation(cert: Any) -> str | None:
    org = cert.subject.native.get("organization_name")
    if isinstance(org, list):
        org = ", ".join(org)
    return str(org) if org else None


def _is_certification(sig: Any) -> bool:
    refs = sig.sig_object.get("/Reference", ())
    return any(ref.get("/TransformMethod") == "/DocMDP" for ref in refs)


def _change_text(status: Any, level_name: str | None) -> str:
    from pyhanko.sign.diff_analysis import SuspiciousModification

    diff = getattr(status, "diff_result", None)
    if isinstance(diff, SuspiciousModification):
        return f"content changed after signing: {diff}"
    if level_name is None:
        return "unknown"
    return CHANGE_TEXT.get(level_name, level_name)


async def _document_timestamp(
    sig: Any, anchors: list[Any], backend: Any, allow_fetching: bool
) -> DocumentTimestampReport:
    from pyhanko.sign.validation import async_validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(
        trust_roots=anchors,
        allow_fetching=allow_fetching,
        fetcher_backend=backend if allow_fetching else None,
        revocation_mode="soft-fail",
        crls=[],
        ocsps=[],
    )
    status = await async_validate_pdf_timestamp(sig, validation_context=context)
    info = _timestamp_info(status)
    assert info is not None
    if not (info.intact and info.valid):
        verdict, sub = Verdict.TOTAL_FAILED, "HASH_FAILURE" if not info.intact else "SIG_CRYPTO_FAILURE"
    elif not info.trusted:
        verdict, sub = Verdict.INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND"
    else:
        verdict, sub = Verdict.TOTAL_PASSED, None
    expires = sig.signer_cert["tbs_certificate"]["validity"]["not_after"].native
    return DocumentTimestampReport(
        field_name=str(sig.field_name),
        timestamp=info,
        signed_revision=int(sig.signed_revision),
        coverage=sig.coverage.name.lower() if sig.coverage is not None else "unclear",
        tsa_certificate_expires=_when(expires),
        verdict=verdict,
        sub_indication=sub,
    )
