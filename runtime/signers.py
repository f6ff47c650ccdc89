"""The signers of this process, one each, built on first use from their `SignerConfig`: the digitising officer's
(`SOHOA_INGEST_OFFICER_*`) and the agency's (`SOHOA_ISSUING_AGENCY_*`).
"""

from __future__ import annotations

from functools import lru_cache

from core.settings import core_settings
from ingest.settings import ingest_settings
from issuing.settings import issuing_settings
from signing.sign import DocumentSigner


@lru_cache(maxsize=1)
def officer_signer() -> DocumentSigner:
    """Who signs at intake (Circular 01/2023 art. 8): key loaded once, stamp font prepared once, TSA client reused."""
    return DocumentSigner(ingest_settings().officer.identity("officer", core_settings().data_dir))


@lru_cache(maxsize=1)
def agency_signer() -> DocumentSigner:
    """The agency's signer: seals results, certifies copies."""
    return DocumentSigner(issuing_settings().agency.identity("agency", core_settings().data_dir))
