"""Long-term jobs: raise B-B/B-T files to B-LTA once the TSA and revocation data are available, renew archive
timestamps; `lacks_timestamp` tells a B-B file from its structure, `check_tsa` whether the TSA answers at all.

Plain functions over PDF bytes (incremental updates only); the lead's scheduler decides when to call them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from io import BytesIO
from typing import Any, TypeVar

from signing.errors import SigningError, TimestampUnavailableError
from signing.network import fetcher_backend, new_session, timestamper
from signing.pdfio import open_incremental_writer, open_reader
from signing.settings import SigningSettings, signing_settings
from signing.trust import TrustSettings, signing_validation_context, trust_anchors

T = TypeVar("T")


def lacks_timestamp(pdf: bytes) -> bool:
    """Whether a PAdES signature of `pdf` has no proof of existence yet (PAdES B-B): neither a signature timestamp
    nor a document timestamp added after it. Read from the file's structure alone (no validation, no network)."""
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    reader = open_reader(pdf)
    stamped = [ts.signed_revision for ts in reader.embedded_timestamp_signatures]
    for signature in reader.embedded_regular_signatures:
        if signature.sig_object.get("/SubFilter") != "/ETSI.CAdES.detached":
            continue  # not PAdES (e.g. adbe.pkcs7.detached): no level to raise
        if any(True for _ in extract_tst_data_iter(signature.signer_info, signed=False)):
            continue
        if not any(revision > signature.signed_revision for revision in stamped):
            return True
    return False


def upgrade_to_lta(
    pdf: bytes,
    *,
    tsa_url: str | None = None,
    trust: TrustSettings | None = None,
    settings: SigningSettings | None = None,
) -> bytes:
    """Embed revocation data for every signature (DSS), then add a document timestamp: B-T → B-LTA. A B-B
    signature gets the same: the document timestamp over it is its proof of existence, so it reaches B-LTA too.

    Raises SigningError when revocation data cannot be had yet (try again later) or no TSA is set.
    """
    return _run(pdf, tsa_url, trust, settings, _upgrade)


def renew_archive_timestamp(
    pdf: bytes,
    *,
    margin: dt.timedelta | None = None,
    tsa_url: str | None = None,
    trust: TrustSettings | None = None,
    settings: SigningSettings | None = None,
    now: dt.datetime | None = None,
) -> bytes | None:
    """Add a new document timestamp (with validation data for the last one) when the last timestamp's TSA
    certificate expires within `margin` (default: the archive_renewal_margin_days setting); else None."""
    settings = settings or signing_settings()
    margin = margin if margin is not None else dt.timedelta(days=settings.archive_renewal_margin_days)
    reader = open_reader(pdf)
    stamps = list(reader.embedded_timestamp_signatures)
    if not stamps:
        raise SigningError("the file has no document timestamp: upgrade it to B-LTA first")
    last = max(stamps, key=lambda s: s.signed_revision)
    expires = last.signer_cert["tbs_certificate"]["validity"]["not_after"].native
    if expires - (now or dt.datetime.now(dt.UTC)) > margin:
        return None
    return _run(pdf, tsa_url, trust, settings, _renew)


def check_tsa(
    *, tsa_url: str | None = None, trust: TrustSettings | None = None, settings: SigningSettings | None = None
) -> None:
    """Ask the time-stamping authority for one timestamp over dummy data; TimestampUnavailableError when none is
    configured or it does not answer. A caller checks it before reading the files it would upgrade."""
    settings = settings or signing_settings()
    url = tsa_url or settings.tsa_url
    if not url:
        raise TimestampUnavailableError("no time-stamping authority configured")
    policy = (trust or TrustSettings()).policy(settings)

    async def main() -> None:
        session = new_session(policy)
        try:
            await timestamper(url, session, policy).async_dummy_response("sha256")
        finally:
            await session.close()

    asyncio.run(_translated(main()))


Job = Callable[[bytes, Any, Any], Awaitable[bytes]]


def _run(
    pdf: bytes, tsa_url: str | None, trust: TrustSettings | None, settings: SigningSettings | None, job: Job
) -> bytes:
    settings = settings or signing_settings()
    trust = trust or TrustSettings()
    url = tsa_url or settings.tsa_url
    if not url:
        raise TimestampUnavailableError("no time-stamping authority configured")
    open_reader(pdf)
    anchors = trust_anchors(trust, settings)
    policy = trust.policy(settings)

    async def main() -> bytes:
        session = new_session(policy)
        try:
            context = signing_validation_context(anchors, [], fetcher_backend(session, policy))
            return await job(pdf, context, timestamper(url, session, policy))
        finally:
            await session.close()

    return asyncio.run(_translated(main()))


async def _translated(coro: Awaitable[T]) -> T:
    from pyhanko.sign.general import SigningError as PyhankoSigningError
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

    try:
        return await coro
    except TimestampRequestError as exc:
        raise TimestampUnavailableError(f"time-stamping authority unreachable: {exc}") from exc
    except (PathBuildingError, PathValidationError, ValidationError, PyhankoSigningError) as exc:
        raise SigningError(f"validation data not available yet: {exc}") from exc


async def _upgrade(pdf: bytes, context: Any, stamper: Any) -> bytes:
    from pyhanko.sign.signers import PdfTimeStamper
    from pyhanko.sign.validation.dss import async_add_validation_info

    current = pdf
    count = len(list(open_reader(pdf).embedded_regular_signatures))
    for index in range(count):
        signature = list(open_reader(current).embedded_regular_signatures)[index]
        out = BytesIO()
        await async_add_validation_info(signature, context, output=out)
        current = out.getvalue()
    out = BytesIO()
    await PdfTimeStamper(stamper).async_timestamp_pdf(
        open_incremental_writer(current), "sha256", validation_context=context, output=out
    )
    return out.getvalue()


async def _renew(pdf: bytes, context: Any, stamper: Any) -> bytes:
    from pyhanko.sign.signers import PdfTimeStamper

    out = BytesIO()
    await PdfTimeStamper(stamper).async_update_archival_timestamp_chain(
        open_reader(pdf), context, in_place=False, output=out
    )
    return out.getvalue()
