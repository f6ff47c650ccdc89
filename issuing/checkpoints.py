"""Checkpoints of the access log: the chain's head (sequence number, hash, time) signed by the agency's identity,
timestamped by the TSA, stored write-once; and checking the chain against every checkpoint or a citizen's copy.

A database administrator can edit rows and recompute the hash chain, but cannot sign with the agency's key (a
PKCS#11 token or a key file the database does not hold), nor remove or replace a locked checkpoint object.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import x509

from issuing.agency import agency_lock
from signing.cms import CmsVerdict, NotSignedData, verify_encapsulated
from signing.sign import DocumentSigner
from vault.anchors import ChainHead, StoredCheckpoint, checkpoint_key
from vault.service import Vault

FORMAT = "sohoa-audit-checkpoint/1"


class InvalidCheckpoint(ValueError):
    """The signed content is not a checkpoint of sohoa's access log."""


class ChainBroken(RuntimeError):
    """The chain no longer verifies since the last checkpoint: a new checkpoint would anchor a rewrite."""


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint vouches for: the chain's head at `at` (UTC)."""

    seq: int
    hash: str
    at: dt.datetime

    def payload(self) -> bytes:
        body = {"format": FORMAT, "seq": self.seq, "hash": self.hash, "at": self.at.astimezone(dt.UTC).isoformat()}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def parse(cls, payload: bytes) -> Checkpoint:
        try:
            body = json.loads(payload)
            if body["format"] != FORMAT:
                raise InvalidCheckpoint(f"unknown checkpoint format {str(body['format'])[:40]!r}")
            seq, digest, at = body["seq"], body["hash"], dt.datetime.fromisoformat(body["at"])
        except (ValueError, TypeError, KeyError) as exc:
            raise InvalidCheckpoint("the signed content is not an access-log checkpoint") from exc
        if not isinstance(seq, int) or seq < 0 or not isinstance(digest, str) or len(digest) != 64:
            raise InvalidCheckpoint("the checkpoint's sequence number or hash is malformed")
        return cls(seq, digest, at)

    @property
    def head(self) -> ChainHead:
        return ChainHead(self.seq, self.hash)


@dataclass(frozen=True)
class Taken:
    """A checkpoint just stored: its content, object key and version, and why it has no timestamp if not."""

    checkpoint: Checkpoint
    key: str
    version_id: str
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Checked:
    """One checkpoint checked: its signature's verdict, and what the chain says at its sequence number."""

    source: str
    checkpoint: Checkpoint | None
    verdict: CmsVerdict | None
    refused: str | None = None  # why the checkpoint itself cannot be trusted (forged, unreadable, untrusted)
    mismatch: str | None = None  # how the chain departs from it (rewritten, cut)

    @property
    def holds(self) -> bool:
        return self.refused is None and self.mismatch is None


def check_checkpoint(blob: bytes, source: str, vault: Vault, anchors: list[x509.Certificate]) -> Checked:
    """The checkpoint's signature and timestamp against `anchors`, then the chain's row at its sequence number."""
    try:
        verdict = verify_encapsulated(blob, anchors)
        checkpoint = Checkpoint.parse(verdict.payload)
    except (NotSignedData, InvalidCheckpoint) as exc:
        return Checked(source, None, None, refused=refused_message(source, str(exc)))
    if not verdict.valid:
        return Checked(source, checkpoint, verdict, refused=refused_message(source, "; ".join(verdict.problems)))
    return Checked(source, checkpoint, verdict, mismatch=_compare(vault, checkpoint, verdict))


def _compare(vault: Vault, checkpoint: Checkpoint, verdict: CmsVerdict) -> str | None:
    stored = vault.audit_hash_at(checkpoint.seq)
    when = _when(checkpoint, verdict)
    if stored is None or vault.audit_chain_head().seq < checkpoint.seq:
        end = vault.audit_chain_end().seq
        return (
            f"Nhật ký truy cập đã bị cắt: điểm neo ký {when} có {checkpoint.seq} dòng, nhật ký chỉ còn {end} dòng"
            f" / access log cut: the checkpoint signed {when} by {verdict.signer} records {checkpoint.seq} rows,"
            f" the log now ends at row {end}"
        )
    if stored != checkpoint.hash:
        return (
            f"Nhật ký truy cập đã bị sửa: dòng {checkpoint.seq} không khớp với điểm neo ký {when}"
            f" / access log rewritten: row {checkpoint.seq} no longer matches the checkpoint signed {when}"
            f" by {verdict.signer}"
        )
    return None


def refused_message(source: str, why: str) -> str:
    return f"Điểm neo {source} bị từ chối / checkpoint {source} refused: {why}"


def _when(checkpoint: Checkpoint, verdict: CmsVerdict) -> str:
    moment = verdict.timestamp if verdict.timestamp_trusted and verdict.timestamp else checkpoint.at
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


def check_stored(vault: Vault, anchors: list[x509.Certificate]) -> list[Checked]:
    """Every checkpoint in the store, checked; a key holding more than one version was written to twice
    (only possible past the vault's own writes) and each version is checked on its own."""
    return [_check_one(stored, vault, anchors) for stored in vault.audit_checkpoints()]


def _check_one(stored: StoredCheckpoint, vault: Vault, anchors: list[x509.Certificate]) -> Checked:
    return check_checkpoint(stored.data, f"{stored.key}@{stored.version_id}", vault, anchors)


def _newest_holding(vault: Vault, anchors: list[x509.Certificate]) -> Checkpoint | None:
    """The newest checkpoint whose signature is valid, which must still match the chain: a rewrite or cut
    anywhere before it changes its row's hash (every later hash is recomputed), so this one comparison finds
    what the chain walk cannot see. `ChainBroken` then: never anchor a rewrite. Refused (forged, planted)
    objects are passed over, so that one cannot stop the checkpoints; `sohoa audit verify` reports them."""
    for stored in vault.audit_checkpoints(newest_first=True):
        checked = _check_one(stored, vault, anchors)
        if checked.refused is not None or checked.checkpoint is None:
            continue
        if checked.mismatch is not None:
            raise ChainBroken(checked.mismatch)
        return checked.checkpoint
    return None


def take_checkpoint(vault: Vault, signer: DocumentSigner, anchors: list[x509.Certificate]) -> Taken | None:
    """Sign and store the chain's head, after checking the chain from the last valid checkpoint on; None when
    the head has not moved since that checkpoint. `ChainBroken` (nothing stored) when the chain fails."""
    head = vault.audit_chain_head(durable=True)
    since = _newest_holding(vault, anchors)
    if since is not None and since.seq == head.seq and since.hash == head.hash:
        return None
    bad = vault.verify_audit_chain(since.head if since else None)
    if bad:
        raise ChainBroken(
            "Nhật ký truy cập không còn nguyên vẹn, không tạo điểm neo / access log chain broken since the last"
            f" checkpoint (rows {', '.join(map(str, bad[:10]))}): no checkpoint taken"
        )
    checkpoint = Checkpoint(head.seq, head.hash, dt.datetime.now(dt.UTC))
    with agency_lock:  # a DocumentSigner runs its own event loop: one signature at a time
        signed = signer.sign_data(checkpoint.payload())
    key = checkpoint_key(checkpoint.seq, checkpoint.at)
    return Taken(checkpoint, key, vault.store_audit_checkpoint(key, signed.der), signed.warnings)


def summary(checked: Checked) -> dict[str, Any]:
    """One checked checkpoint as plain data (JSON output, logs): no personal data in it."""
    verdict = checked.verdict
    return {
        "source": checked.source,
        "seq": checked.checkpoint.seq if checked.checkpoint else None,
        "signer": verdict.signer if verdict else None,
        "timestamp": verdict.timestamp.isoformat() if verdict and verdict.timestamp else None,
        "holds": checked.holds,
        "problem": checked.refused or checked.mismatch,
    }
