"""The signers of this process, one each, built on first use from their `SignerConfig`: the digitising officer's
(`SOHOA_INGEST_OFFICER_*`) and the agency's (`SOHOA_ISSUING_AGENCY_*`).
"""

from __future__ import annotations

from functools import lru_cache

from core.settings import core_settings
from ingest.settings import ingest_settings
from issuing.settings import issuing_settings
from signing.identity import officer_dev_identity
from signing.sign import DocumentSigner


@lru_cache(maxsize=1)
def officer_signer() -> DocumentSigner:
    """Who signs at intake (Circular 01/2023 art. 8): key loaded once, stamp font prepared once, TSA client reused."""
    return DocumentSigner(ingest_settings().officer.identity("officer", core_settings().data_dir))


@lru_cache(maxsize=64)
def _officer_dev_signer(sub: str, name: str | None) -> DocumentSigner:
    return DocumentSigner(officer_dev_identity(core_settings().data_dir, sub, name))


def officer_signer_for(sub: str, name: str | None = None) -> DocumentSigner:
    """The signer of one officer account: with no officer key configured (embedded default) a development
    certificate of their own (subject CN = `name`, else `sub`); otherwise the configured key or token."""
    if ingest_settings().officer.source == "development":
        return _officer_dev_signer(sub, name)
    return officer_signer()


@lru_cache(maxsize=1)
def agency_signer() -> DocumentSigner:
    """The agency's signer: seals results, certifies copies."""
    return DocumentSigner(issuing_settings().agency.identity("agency", core_settings().data_dir))
