"""`DocumentSigner`: PAdES B-B, B-T, B-LT and B-LTA signatures as incremental updates, one per identity.

The key is loaded once, the stamp font prepared once, and one event loop, HTTP session, TSA client and
validation context are reused across documents. Signatures are approval signatures locking their own field
(FieldMDP); certifying the first one (DocMDP P=2) is a setting, off by default: see docs/signing.md.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any, Self, TypeVar

from core.logging import get_logger
from core.types import SignatureLevel
from signing.cms import sign_encapsulated
from signing.errors import RevocationUnknownError, SigningError, TimestampUnavailableError
from signing.fonts import prepared_font
from signing.glyphs import outline_font
from signing.identity import SigningIdentity, check_not_revoked, check_validity_period
from signing.network import NetworkPolicy, fetcher_backend, new_session, timestamper
from signing.pdfio import open_incremental_writer, page_box
from signing.placement import Placed, place_stamp
from signing.settings import SigningSettings, signing_settings
from signing.stamps import StampSpec, stamp_style
from signing.trust import TrustSettings, signing_validation_context, trust_anchors

log = get_logger(__name__)

T = TypeVar("T")


def _loop_running_here() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


TIMESTAMPED = (SignatureLevel.B_T, SignatureLevel.B_LT, SignatureLevel.B_LTA)
DIGEST = "sha256"


@dataclass(frozen=True)
class SignOutcome:
    """The signed PDF, the level actually reached, and warnings (e.g. B-B fallback) to show the operator."""

    pdf: bytes
    level: SignatureLevel
    field_name: str
    warnings: tuple[str, ...] = field(default=())
    requested_level: SignatureLevel | None = None
    stamp: Placed | None = None  # the visible stamp's form and rectangle, when there is one


@dataclass(frozen=True)
class SignedData:
    """A CMS SignedData (DER) over a payload, and why it carries no timestamp when it has none."""

    der: bytes
    warnings: tuple[str, ...] = field(default=())


class DocumentSigner:
    """Signs many documents with one identity; call `close()` (or use `with`) when done."""

    def __init__(
        self,
        identity: SigningIdentity,
        settings: SigningSettings | None = None,
        *,
        tsa_url: str | None = None,
        allow_bb_fallback: bool | None = None,
        trust: TrustSettings | None = None,
    ) -> None:
        self.identity = identity
        self.settings = settings or signing_settings()
        self.tsa_url = tsa_url or self.settings.tsa_url
        fallback = self.settings.allow_bb_fallback if allow_bb_fallback is None else allow_bb_fallback
        # development signatures have no legal value: they may always fall back to B-B
        self.allow_bb_fallback = fallback or identity.is_development
        self.trust = trust or TrustSettings()
        self.policy: NetworkPolicy = self.trust.policy(self.settings)
        check_validity_period(identity.certificate)
        self._anchors = trust_anchors(self.trust, self.settings) + _self_signed(identity)
        self._font: Path | None = None
        self._loop = asyncio.new_event_loop()
        self._session: Any = None
        self._stamper: Any = None
        self._backend: Any = None
        self._context: Any = None
        self._context_built = 0.0
        self._revocation_checked = -1e18

    # -- lifecycle -------------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        if self._session is not None:
            self._run(self._session.close())
            self._session = None
        self._loop.close()
        self.identity.close()

    # -- public API ------------------------------------------------------------------------------------
    def sign(
        self,
        pdf: bytes,
        *,
        level: SignatureLevel,
        stamp: StampSpec | None = None,
        reason: str | None = None,
        field_name: str | None = None,
    ) -> bytes:
        """Sign `pdf` at `level` (visible when `stamp` is given); returns it with an incremental update."""
        return self.sign_with_outcome(pdf, level=level, stamp=stamp, reason=reason, field_name=field_name).pdf

    def sign_with_outcome(
        self,
        pdf: bytes,
        *,
        level: SignatureLevel,
        stamp: StampSpec | None = None,
        reason: str | None = None,
        field_name: str | None = None,
    ) -> SignOutcome:
        """Like `sign`, also telling the level reached and any warnings."""
        return self._run(self._sign(pdf, level, stamp, reason, field_name))

    def sign_data(self, data: bytes) -> SignedData:
        """A CMS SignedData (DER) holding `data`, with an RFC 3161 signature timestamp when a TSA is configured
        (without one, or with the TSA down and the B-B fallback allowed: untimestamped, with a warning)."""
        return self._run(self._sign_data(data))

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run one of the signer's coroutines on its own loop; a closed signer refuses (the coroutine is closed).
        A caller whose thread already runs an event loop (an async framework, Playwright's sync API) cannot run a
        second one there: the signer's loop then runs in a thread of its own for the call."""
        if self._loop.is_closed():
            work.close()
            raise SigningError(f"this {type(self).__name__} is closed")
        if not _loop_running_here():
            return self._loop.run_until_complete(work)
        with ThreadPoolExecutor(1, thread_name_prefix="signer-loop") as pool:
            return pool.submit(self._loop.run_until_complete, work).result()

    def font_path(self) -> Path:
        """The prepared stamp font (rescaled to 1000 upm, subset), built on first use and cached on disk."""
        if self._font is None:
            self._font = prepared_font(self.settings.resolved_font_path(), self.settings.resolved_font_cache_dir())
        return self._font

    # -- internals -------------------------------------------------------------------------------------
    async def _sign(
        self,
        pdf: bytes,
        level: SignatureLevel,
        stamp: StampSpec | None,
        reason: str | None,
        field_name: str | None,
    ) -> SignOutcome:
        requested = level
        writer, level, warnings = await self._start(pdf, level)
        try:
            args = _below(requested, level, stamp, reason)
            signed, name, placed = await self._sign_at(pdf, writer, level, *args, field_name)
        except TimestampUnavailableError as exc:
            if not self.allow_bb_fallback:
                raise
            warnings.append(f"{exc}; signed at B-B instead of {level}")
            level = SignatureLevel.B_B
            args = _below(requested, level, stamp, reason)
            signed, name, placed = await self._sign_at(pdf, open_incremental_writer(pdf), level, *args, field_name)
        for warning in warnings:
            log.warning("signing_fallback", detail=warning)
        return SignOutcome(
            pdf=signed,
            level=level,
            field_name=name,
            warnings=tuple(warnings),
            requested_level=requested,
            stamp=placed,
        )

    async def _start(self, pdf: bytes, level: SignatureLevel) -> tuple[Any, SignatureLevel, list[str]]:
        """Before any signature: the certificate in its validity period, the PDF opened for an incremental update
        (a clear error for encrypted or broken input before any network use), the signer not revoked. Returns the
        writer, the level to sign at (B-B without a TSA, where falling back is allowed) and why it is lower."""
        check_validity_period(self.identity.certificate)
        writer = open_incremental_writer(pdf)
        await self._ensure_network()
        await self._ensure_not_revoked()
        if level not in TIMESTAMPED or self.tsa_url:
            return writer, level, []
        if not self.allow_bb_fallback:
            raise TimestampUnavailableError(f"level {level} needs a time-stamping authority: set a TSA URL")
        return writer, SignatureLevel.B_B, [f"no TSA configured: signed at B-B instead of {level}"]

    def _metadata(self, name: str, reason: str | None, **more: Any) -> Any:
        """pyHanko's metadata of a PAdES signature by this identity in field `name` (`more`: further settings)."""
        from pyhanko.sign import fields, signers

        return signers.PdfSignatureMetadata(
            field_name=name,
            md_algorithm=DIGEST,
            reason=reason,
            name=self.identity.display_name,
            subfilter=fields.SigSeedSubFilter.PADES,
            **more,
        )

    def _new_field(self, pdf: bytes, writer: Any, stamp: StampSpec | None, name: str) -> tuple[Any, Any, Placed | None]:
        """The new signature field `name` (locking itself, on the stamp's page), the style drawing its visible
        stamp, and where that stamp was placed; no style and no place for an invisible signature."""
        from pyhanko.sign import fields

        page = _page_index(stamp, writer)
        font = outline_font(self.font_path())
        placed = place_stamp(stamp, font, pdf, page, page_box(writer, page)) if stamp else None
        spec = fields.SigFieldSpec(
            sig_field_name=name,
            on_page=page,
            box=placed.box if placed else None,
            field_mdp_spec=fields.FieldMDPSpec(fields.FieldMDPAction.INCLUDE, [name]),
            # what the stamp says, readable by machines and screen readers (/TU), outside the text layer
            readable_field_name="\n".join(placed.layout.spec.lines) if placed else None,
        )
        return spec, stamp_style(placed.layout, font) if placed else None, placed

    async def _sign_at(
        self,
        pdf: bytes,
        writer: Any,
        level: SignatureLevel,
        stamp: StampSpec | None,
        reason: str | None,
        field_name: str | None,
    ) -> tuple[bytes, str, Placed | None]:
        from pyhanko.sign import fields, signers
        from pyhanko.sign.general import SigningError as PyhankoSigningError
        from pyhanko.sign.timestamps.common_utils import TimestampRequestError
        from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

        existing = list(writer.prev.embedded_signatures)
        name = field_name or _default_field_name(stamp, writer)
        certify = not existing and self.settings.certify_first_signature
        meta = self._metadata(
            name,
            reason,
            certify=certify,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
            embed_validation_info=level in (SignatureLevel.B_LT, SignatureLevel.B_LTA),
            use_pades_lta=level is SignatureLevel.B_LTA,
            validation_context=self._validation_context() if level in TIMESTAMPED[1:] else None,
        )
        spec, style, placed = self._new_field(pdf, writer, stamp, name)
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self.identity.signer,
            timestamper=self._stamper if level in TIMESTAMPED else None,
            stamp_style=style,
            new_field_spec=spec,
        )
        out = BytesIO()
        try:
            await pdf_signer.async_sign_pdf(writer, output=out)
        except TimestampRequestError as exc:
            raise TimestampUnavailableError(f"time-stamping authority {self.tsa_url} unreachable: {exc}") from exc
        except (PathBuildingError, PathValidationError, ValidationError) as exc:
            raise SigningError(f"cannot collect validation data for {level}: {exc}") from exc
        except PyhankoSigningError as exc:
            if isinstance(exc.__cause__, TimestampRequestError):
                raise TimestampUnavailableError(f"time-stamping authority {self.tsa_url} unreachable") from exc
            raise SigningError(f"signing failed: {exc}") from exc
        return out.getvalue(), name, placed

    async def _sign_data(self, data: bytes) -> SignedData:
        check_validity_period(self.identity.certificate)
        await self._ensure_network()
        await self._ensure_not_revoked()
        if self._stamper is None:
            if not self.allow_bb_fallback:
                raise TimestampUnavailableError(
                    "a timestamped signature needs a time-stamping authority: set a TSA URL"
                )
            return SignedData(await sign_encapsulated(self.identity.signer, data, None), ("no TSA configured",))
        try:
            return SignedData(await sign_encapsulated(self.identity.signer, data, self._stamper))
        except TimestampUnavailableError as exc:
            if not self.allow_bb_fallback:
                raise
            log.warning("signing_fallback", detail=str(exc))
            return SignedData(await sign_encapsulated(self.identity.signer, data, None), (str(exc),))

    async def _ensure_network(self) -> None:
        if self._session is None:
            self._session = new_session(self.policy)
            self._backend = fetcher_backend(self._session, self.policy)
            if self.tsa_url:
                self._stamper = timestamper(self.tsa_url, self._session, self.policy)

    def _validation_context(self) -> Any:
        """Reused across documents; rebuilt after `revocation_recheck_seconds` so OCSP answers stay fresh."""
        now = time.monotonic()
        if self._context is None or now - self._context_built > self.settings.revocation_recheck_seconds:
            self._context = signing_validation_context(
                self._anchors, self.identity.chain, self._backend, reused_for=self.settings.revocation_recheck_seconds
            )
            self._context_built = now
        return self._context

    async def _ensure_not_revoked(self) -> None:
        now = time.monotonic()
        if now - self._revocation_checked <= self.settings.revocation_recheck_seconds:
            return
        try:
            await check_not_revoked(self.identity, self._validation_context())
        except RevocationUnknownError as exc:
            self._context = None  # it keeps what it failed to fetch: the next attempt asks the responder again
            if self.settings.require_revocation_check:
                raise
            log.warning("revocation_unknown", detail=str(exc))
        self._revocation_checked = now


def _self_signed(identity: SigningIdentity) -> list[Any]:
    return [c for c in identity.chain if c.self_signed]


def _page_index(stamp: StampSpec | None, writer: Any) -> int:
    """0-based page of the stamp (a negative setting counts from the end)."""
    if stamp is None:
        return 0
    page = stamp.placement.page
    if page > 0:
        return page - 1
    return int(writer.root["/Pages"]["/Count"]) + page


LEVEL_NOTE = "Mức ký {level}, thấp hơn {requested} yêu cầu"
LEVEL_REASON = "ký ở mức {level} thay vì {requested}: chưa có dấu thời gian"


def _below(
    requested: SignatureLevel, level: SignatureLevel, stamp: StampSpec | None, reason: str | None
) -> tuple[StampSpec | None, str | None]:
    """Stamp and reason saying, on the document itself, that it was signed below the requested level."""
    if level == requested:
        return stamp, reason
    note = LEVEL_REASON.format(level=level, requested=requested)
    if stamp is not None:
        stamp = stamp.with_note(
            LEVEL_NOTE.format(level=level, requested=requested), (f"Mức ký {level}, thấp hơn", f"{requested} yêu cầu")
        )
    return stamp, f"{reason} ({note})" if reason else note[0].upper() + note[1:]


def _default_field_name(stamp: StampSpec | None, writer: Any) -> str:
    from pyhanko.sign.fields import enumerate_sig_fields

    taken = {name for name, _, _ in enumerate_sig_fields(writer)}
    stem = f"sohoa_{stamp.kind.value}" if stamp else "sohoa_signature"
    n = 1
    while f"{stem}_{n}" in taken:
        n += 1
    return f"{stem}_{n}"
