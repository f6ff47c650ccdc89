"""The signers of this process, one each, built on first use from their `SignerConfig`: the digitising officer's
(`SOHOA_INGEST_OFFICER_*`, or the officer's own entry in `SOHOA_INGEST_OFFICERS_FILE`) and the agency's.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from core.settings import SettingsError, core_settings
from ingest.settings import ingest_settings
from issuing.settings import issuing_settings
from signing.config import SignerConfig
from signing.errors import SigningError
from signing.identity import officer_dev_identity
from signing.officers import OfficerIdentity, OfficerTable, load_officer_table
from signing.settings import SigningSettings, signing_settings
from signing.sign import TIMESTAMPED, DocumentSigner
from signing.split import SplitSigner


@lru_cache(maxsize=1)
def officer_signer() -> DocumentSigner:
    """Who signs at intake (Circular 01/2023 art. 8): key loaded once, stamp font prepared once, TSA client reused."""
    return DocumentSigner(ingest_settings().officer.identity("officer", core_settings().data_dir))


@lru_cache(maxsize=64)
def _officer_dev_signer(sub: str, name: str | None) -> DocumentSigner:
    return DocumentSigner(officer_dev_identity(core_settings().data_dir, sub, name))


@lru_cache(maxsize=4)
def _table(path: Path, modified_ns: int) -> OfficerTable:
    return load_officer_table(path)


def officer_identity(sub: str) -> tuple[OfficerIdentity, int] | None:
    """The officer's entry in the officers file (read again when the file changes) and the file's version."""
    path = ingest_settings().officers_file
    if path is None:
        return None
    modified = path.stat().st_mtime_ns
    entry = _table(path, modified).officers.get(sub)
    return (entry, modified) if entry is not None else None


@lru_cache(maxsize=64)
def _own_signer(sub: str, version: int) -> DocumentSigner:
    found = officer_identity(sub)
    assert found is not None
    return DocumentSigner(found[0].identity("officer", core_settings().data_dir))


@lru_cache(maxsize=64)
def _split_signer(sub: str, version: int) -> SplitSigner:
    found = officer_identity(sub)
    assert found is not None
    certificate, chain = found[0].certificates()
    return SplitSigner(certificate, chain)


def officer_signer_for(sub: str, name: str | None = None) -> DocumentSigner:
    """The signer of one officer account: their own key from the officers file; else, with no officer key
    configured (embedded default), a development certificate of their own (subject CN = `name`, else `sub`);
    otherwise the configured key or token. An officer who signs on their own machine gets a `SplitSigner`."""
    found = officer_identity(sub)
    if found is not None:
        entry, version = found
        return _split_signer(sub, version) if entry.splits else _own_signer(sub, version)
    if ingest_settings().officer.source == "development":
        return _officer_dev_signer(sub, name)
    return officer_signer()


@lru_cache(maxsize=1)
def agency_signer() -> DocumentSigner:
    """The agency's signer: seals results, certifies copies."""
    return DocumentSigner(issuing_settings().agency.identity("agency", core_settings().data_dir))


def _legal(key: SignerConfig) -> bool:
    """A key whose signatures carry legal value: an operator's key, or an officer's own token (split mode)."""
    return key.source != "development" or (isinstance(key, OfficerIdentity) and key.splits)


def require_timestamping(signing: SigningSettings, keys: tuple[SignerConfig, ...]) -> None:
    """Stop at start when an operator's key or an officer's own (not the development identity) signs at a
    timestamped level and no time-stamping authority is set: otherwise every document's signature is retried for
    hours, then fails. Only the development identity falls back to B-B by itself (docs/signing.md)."""
    if signing.tsa_url or signing.allow_bb_fallback or not any(_legal(key) for key in keys):
        return
    levels = sorted({level.value for level in signing.levels.values() if level in TIMESTAMPED})
    if levels:
        raise SettingsError(
            f"SOHOA_SIGNING_TSA_URL is not set: documents are signed at {', '.join(levels)} (SOHOA_SIGNING_LEVELS), "
            "which needs a time-stamping authority: set its URL "
            "(or SOHOA_SIGNING_ALLOW_BB_FALLBACK=true to sign at B-B)"
        )


def configured_keys() -> tuple[SignerConfig, ...]:
    """Every key this process may sign with: the officer's, the agency's and each entry of the officers file."""
    keys: tuple[SignerConfig, ...] = (ingest_settings().officer, issuing_settings().agency)
    path = ingest_settings().officers_file
    if path is None:
        return keys
    try:
        table = _table(path, path.stat().st_mtime_ns)
    except (OSError, SigningError) as exc:
        raise SettingsError(f"SOHOA_INGEST_OFFICERS_FILE: {exc}") from exc
    return keys + tuple(table.officers.values())


def check_signing() -> None:
    """This process's signing settings, checked before a worker takes any task (`require_timestamping`)."""
    require_timestamping(signing_settings(), configured_keys())
