"""Trust anchors and validation contexts: which roots sohoa trusts and how it fetches revocation data.

Anchors come from the configured PEM/DER folder, explicit files (`--trust`) and the development CA where it is used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import x509

from signing.errors import SigningError
from signing.network import NetworkPolicy
from signing.settings import SigningSettings, signing_settings

CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")


@dataclass(frozen=True)
class TrustSettings:
    """Trust for one validation: extra anchor files, whether to add the configured ones, network use."""

    anchors: tuple[Path, ...] = ()
    use_configured: bool = True
    allow_fetching: bool = True
    network: NetworkPolicy | None = None
    extra_certs: tuple[x509.Certificate, ...] = field(default=(), repr=False)

    def policy(self, settings: SigningSettings | None = None) -> NetworkPolicy:
        settings = settings or signing_settings()
        return self.network or NetworkPolicy(
            timeout=settings.network_timeout, retries=settings.network_retries, backoff=settings.retry_backoff
        )


def load_cert_files(paths: Iterable[Path]) -> list[x509.Certificate]:
    """Certificates from PEM (one or more per file) or DER files; a clear error for an unreadable file."""
    from pyhanko.keys import load_certs_from_pemder

    certs: list[x509.Certificate] = []
    for path in paths:
        try:
            certs.extend(load_certs_from_pemder([str(path)]))
        except (OSError, ValueError) as exc:
            # the file's name only: error details reach API answers and must not show server paths
            raise SigningError(f"cannot read trust anchor {path.name}: {type(exc).__name__}") from exc
    return certs


def anchor_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in CERT_SUFFIXES and p.is_file())


def trust_anchors(trust: TrustSettings, settings: SigningSettings | None = None) -> list[x509.Certificate]:
    """All anchors for `trust`: explicit files, then the configured folder and development CA if asked."""
    settings = settings or signing_settings()
    files = list(trust.anchors)
    if trust.use_configured:
        files.extend(anchor_files(settings.resolved_trust_dir()))
        dev_ca = development_ca(settings)
        if dev_ca is not None:
            files.append(dev_ca)
    return _unique([*load_cert_files(files), *trust.extra_certs])


def development_ca(settings: SigningSettings) -> Path | None:
    """sohoa's own development CA when it is trusted: always if `trust_development_ca` is true; by default (unset)
    when this data folder holds one, i.e. the deployment signs with development identities (embedded default).
    Its signatures are reported as valid development signatures with no legal value, never as plain valid."""
    dev_ca = settings.data_dir() / "dev" / "ca.pem"
    if settings.trust_development_ca is False or not dev_ca.exists():
        return None
    return dev_ca


def _unique(certs: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    seen: dict[bytes, x509.Certificate] = {}
    for cert in certs:
        seen.setdefault(cert.sha256, cert)
    return list(seen.values())


def signing_validation_context(
    anchors: list[x509.Certificate],
    extra_certs: Iterable[x509.Certificate],
    backend: Any,
    *,
    reused_for: float = 0.0,
) -> Any:
    """A validation context for signing (revocation data to embed): hard-fail on declared OCSP/CRL.

    Its moment is fixed when it is built, so an OCSP answer fetched later (a slow responder, a busy host, a
    context reused for `reused_for` seconds) would be "too recent": the tolerance covers that reuse plus a minute."""
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=anchors,
        other_certs=list(extra_certs),
        allow_fetching=True,
        fetcher_backend=backend,
        revocation_mode="hard-fail",
        time_tolerance=dt.timedelta(seconds=reused_for + 60),
    )


def validation_spec(anchors: list[x509.Certificate], backend: Any | None, allow_fetching: bool) -> Any:
    """A pyHanko PDF validation spec: these anchors, revocation checked when declared, fetching as allowed."""
    from pyhanko.sign.validation.policy_decl import (
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )
    from pyhanko_certvalidator.registry import SimpleTrustManager

    rule = RevocationCheckingRule.CHECK_IF_DECLARED
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=anchors),
        revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(rule, rule)),
    )
    gathering = RevocationInfoGatheringSpec(
        online_fetching_rule=(
            RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH if allow_fetching else RevinfoOnlineFetchingRule.LOCAL_ONLY
        ),
        fetcher_backend=backend if allow_fetching else None,
    )
    return PdfSignatureValidationSpec(
        signature_validation_spec=SignatureValidationSpec(
            cert_validation_policy=policy, revinfo_gathering_policy=gathering
        )
    )
