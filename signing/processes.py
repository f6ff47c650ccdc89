"""The ETSI EN 319 102-1 validation process a signature's level calls for, run with pyHanko 0.38 (pinned version),
with past signature validation (§ 5.6.2.4) of a B-B signature whose only proof of existence is a document timestamp.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from core.types import SignatureLevel

# current-time sub-indications the past signature validation process may improve (EN 319 102-1 § 5.6.2.4)
PAST_PROCESS = frozenset(
    {
        "OUT_OF_BOUNDS_NO_POE",
        "OUT_OF_BOUNDS_NOT_REVOKED",
        "REVOKED_NO_POE",
        "REVOKED_CA_NO_POE",
        "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
        "REVOCATION_OUT_OF_BOUNDS_NO_POE",
        "TRY_LATER",
    }
)


@dataclasses.dataclass(frozen=True)
class ProcessResult:
    """What `_signature` reads of a process: pyHanko's sub-indication and status, and when existence is proven."""

    ades_subindic: Any
    api_status: Any
    failure_msg: str | None
    best_signature_time: dt.datetime | None = None
    proven_at: dt.datetime | None = None


def is_stamped(sig: Any) -> bool:
    """Whether the signature carries a signature timestamp (B-T and above without a document timestamp alone)."""
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    return any(True for _ in extract_tst_data_iter(sig.signer_info, signed=False))


async def ades_process(sig: Any, pdf_spec: Any, reader: Any, level: SignatureLevel | None) -> Any:
    """The process the signature's level calls for: basic (5.3), with time (5.5), LTA (5.6.3); a B-B signature raised
    to B-LTA by a document timestamp alone: basic, then past signature validation with the document timestamps'
    proofs of existence when the basic verdict is one that process may improve (e.g. the certificate expired since)."""
    from pyhanko.sign.validation import ades
    from pyhanko.sign.validation.status import PdfSignatureStatus

    stamped = is_stamped(sig)
    if level is SignatureLevel.B_LTA and stamped:
        return await ades.ades_lta_validation(sig, pdf_spec)
    spec = _with_dss(pdf_spec.signature_validation_spec, reader)
    if level in (None, SignatureLevel.B_B) or not stamped:
        # pyHanko 0.38's with-time and LTA processes require a signature timestamp (SIG_CONSTRAINTS_FAILURE "No
        # signature timestamp present" otherwise), so a B-B signature goes through the basic process; its basic
        # validation ignores status_cls: integrity info is reported separately
        basic = await ades.ades_basic_validation(
            signed_data=sig.signed_data, validation_spec=spec, raw_digest=sig.compute_digest()
        )
        if level is SignatureLevel.B_LTA and getattr(basic.ades_subindic, "name", "") in PAST_PROCESS:
            return await past_with_document_timestamps(sig, pdf_spec, spec, basic)
        return basic
    return await ades.ades_with_time_validation(
        signed_data=sig.signed_data,
        validation_spec=spec,
        raw_digest=sig.compute_digest(),
        extra_status_kwargs=sig.summarise_integrity_info(),
        status_cls=PdfSignatureStatus,
    )


def _with_dss(spec: Any, reader: Any) -> Any:
    """The spec with the revocation data and certificates of the file's DSS as local knowledge."""
    from pyhanko.sign.validation import ades
    from pyhanko.sign.validation.policy_decl import LocalKnowledge

    dss = ades._dss_to_local_knowledge(reader)  # pyHanko 0.38 helper, pinned version
    known = spec.local_knowledge
    return dataclasses.replace(
        spec,
        local_knowledge=LocalKnowledge(
            known_ocsps=[*known.known_ocsps, *dss.known_ocsps],
            known_crls=[*known.known_crls, *dss.known_crls],
            known_certs=[*known.known_certs, *dss.known_certs],
            known_poes=list(known.known_poes),
            nonrevoked_assertions=list(known.nonrevoked_assertions),
        ),
    )


async def past_with_document_timestamps(sig: Any, pdf_spec: Any, spec: Any, basic: Any) -> ProcessResult:
    """EN 319 102-1 § 5.6.3 steps 1, 4, 6 for a signature without a signature timestamp: the chain of document
    timestamps (validated, past validation included) gives proofs of existence for the signature value, the DSS
    contents and the certificates; past signature validation (§ 5.6.2.4, with its time-sliding process § 5.6.2.1)
    then decides. It needs revocation data for every certificate of the chain with a proof of existence before the
    signing certificate expired: a chain that declares none (sohoa's development CA) stays INDETERMINATE."""
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation import ades
    from pyhanko.sign.validation.errors import SignatureValidationError

    poe_list = ades._build_prima_facie_poe_index_from_pdf_timestamps(  # pyHanko 0.38 helpers, pinned version
        sig.reader, include_content_ts=True, diff_policy=pdf_spec.diff_policy
    )
    later = [poe.timestamp_dt for poe in poe_list if poe.pdf_revision > sig.signed_revision]
    if not later:
        return ProcessResult(basic.ades_subindic, basic.api_status, basic.failure_msg)
    try:
        poes = await ades._validate_prima_facie_poe(poe_list, validation_spec=spec)
    except SignatureValidationError as exc:
        message = f"the document timestamps do not validate: {exc.failure_message}"
        return ProcessResult(basic.ades_subindic, basic.api_status, message)
    proven_at = min(later)
    sub = await ades.ades_past_signature_validation(
        signed_data=sig.signed_data,
        validation_spec=spec,
        poe_manager=poes,
        current_time_sub_indic=basic.ades_subindic,
    )
    status = basic.api_status
    if sub is AdESPassed.OK:
        if status is not None:
            status = dataclasses.replace(status, trust_problem_indic=None)
        return ProcessResult(sub, status, None, best_signature_time=proven_at, proven_at=proven_at)
    message = f"a document timestamp proves the signature existed at {proven_at:%Y-%m-%d %H:%M:%S%z}, but "
    name = str(getattr(sub, "name", sub))
    if name in ("NO_POE", "REVOCATION_OUT_OF_BOUNDS_NO_POE"):
        message += "the file holds no revocation data for the chain from before the certificate expired"
    else:
        message += f"past signature validation did not improve the verdict ({name})"
    return ProcessResult(sub, status, message, proven_at=proven_at)


async def proven_after(sig: Any, pdf_spec: Any, revoked_at: dt.datetime | None) -> bool:
    """Does a valid signature timestamp (EN 319 102-1 § 5.4) prove the signature exists after `revoked_at`?"""
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation import ades, generic_cms

    if revoked_at is None:
        return False
    for token in generic_cms.extract_tst_data_iter(sig.signer_info, signed=False):
        result = await ades.ades_timestamp_validation(
            token, pdf_spec.signature_validation_spec, generic_cms.message_imprint_checker(sig.signer_info)
        )
        status = result.api_status
        if result.ades_subindic is AdESPassed.OK and status is not None and status.timestamp >= revoked_at:
            return True
    return False
