"""LocalStore: the embedded object store on the filesystem, with the behaviour of a locked S3 bucket.

Each version is a read-only file `<root>/<key>/<version id>.data` written via temp file + fsync + link (never
replaced), beside a `<version id>.json` holding its SHA-256, size, retention and legal hold.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.files import atomic_writer, fsync_dir, write_atomically
from vault.errors import InvalidInput, ObjectLocked, ObjectMissing
from vault.store.base import LockState, ObjectStore, ObjectVersion
from vault.store.source import PreparedSource
from vault.store.verify import CHUNK

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_VERSION = re.compile(r"^\d{19}[0-9a-f]{8}$")


def _new_version_id() -> str:
    """Sortable by time: nanoseconds since the epoch, then 4 random bytes."""
    return f"{time.time_ns():019d}{secrets.token_hex(4)}"


def _file_chunks(path: Path, size: int, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
    """`length` bytes of the file from `offset` (None: to its end), in pieces of `size`."""
    try:
        handle = path.open("rb")
    except FileNotFoundError as exc:
        raise ObjectMissing(f"no object file {path.name}") from exc
    left = -1 if length is None else length
    with handle:
        if offset:
            handle.seek(offset)
        while left and (chunk := handle.read(size if left < 0 else min(left, size))):
            left -= len(chunk) if left > 0 else 0
            yield chunk


class LocalStore(ObjectStore):
    """Write-once versioned files; delete and overwrite refused under retention or legal hold."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    # -- paths -------------------------------------------------------------------------------------------
    def _key_dir(self, key: str) -> Path:
        parts = key.split("/")
        if not key or not all(_SEGMENT.fullmatch(part) for part in parts):
            raise InvalidInput("object key must be '/'-separated segments of A-Z a-z 0-9 . _ -")
        return self.root.joinpath(*parts)

    def _paths(self, key: str, version_id: str) -> tuple[Path, Path]:
        if not _VERSION.fullmatch(version_id):
            raise ObjectMissing(f"no version {version_id} of {key}")
        folder = self._key_dir(key)
        return folder / f"{version_id}.data", folder / f"{version_id}.json"

    def _meta(self, key: str, version_id: str) -> dict[str, Any]:
        data, meta = self._paths(key, version_id)
        if not data.exists() or not meta.exists():
            raise ObjectMissing(f"no version {version_id} of {key}")
        loaded: dict[str, Any] = json.loads(meta.read_text())
        return loaded

    def _write_meta(self, meta_path: Path, meta: dict[str, Any]) -> None:
        write_atomically(meta_path, json.dumps(meta).encode())

    # -- contract ----------------------------------------------------------------------------------------
    def _latest_lock(self, key: str, *, new_key: bool) -> LockState | None:
        current = self.versions(key)  # checked also for a new key: a listing costs no round trip here
        return self.lock_state(key, current[0].version_id) if current else None

    def _write(self, key: str, src: PreparedSource, *, retain_until: dt.datetime | None, legal_hold: bool) -> str:
        self._key_dir(key).mkdir(parents=True, exist_ok=True)
        version_id = _new_version_id()
        data_path, meta_path = self._paths(key, version_id)
        # Linked in place, never replaced (FileExistsError if the name is taken); read-only for the service.
        with atomic_writer(data_path, mode=0o400, replace=False) as handle:
            while chunk := src.stream.read(CHUNK):
                handle.write(chunk)
            meta = {
                "sha256": src.sha256,
                "size": src.size,
                "retain_until": retain_until.isoformat() if retain_until else None,
                "legal_hold": legal_hold,
                "created": dt.datetime.now(dt.UTC).isoformat(),
            }
            self._write_meta(meta_path, meta)  # before the data's name appears: a version is never half-described
        return version_id

    def _chunks(
        self, key: str, version_id: str, size: int, offset: int = 0, length: int | None = None
    ) -> Iterator[bytes]:
        data_path, _ = self._paths(key, version_id)  # no metadata read: a missing data file fails on its opening
        return _file_chunks(data_path, size, offset, length)

    def delete(self, key: str, version_id: str) -> None:
        if self.lock_state(key, version_id).locked():
            raise ObjectLocked(f"{key} version {version_id} is under retention or legal hold")
        data_path, meta_path = self._paths(key, version_id)
        data_path.unlink()
        meta_path.unlink()
        fsync_dir(data_path.parent)

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        meta = self._meta(key, version_id)
        meta["legal_hold"] = on
        self._write_meta(self._paths(key, version_id)[1], meta)

    def lock_state(self, key: str, version_id: str) -> LockState:
        meta = self._meta(key, version_id)
        until = meta.get("retain_until")
        return LockState(dt.datetime.fromisoformat(until) if until else None, bool(meta.get("legal_hold")))

    def versions(self, key: str) -> list[ObjectVersion]:
        folder = self._key_dir(key)
        if not folder.is_dir():
            return []
        found = [self._version(key, path) for path in folder.glob("*.data") if not path.name.startswith(".")]
        return sorted((v for v in found if v), key=lambda v: v.version_id, reverse=True)

    def _version(self, key: str, data_path: Path) -> ObjectVersion | None:
        meta_path = data_path.with_suffix(".json")
        if not meta_path.exists():
            return None
        stat = data_path.stat()
        modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
        return ObjectVersion(key, data_path.stem, stat.st_size, modified)

    def exists(self, key: str, version_id: str | None = None) -> bool:
        if version_id is None:
            return bool(self.versions(key))
        try:
            self._meta(key, version_id)
        except ObjectMissing:
            return False
        return True

    def iter_objects(self, prefix: str = "") -> Iterator[ObjectVersion]:
        for data_path in sorted(self.root.rglob("*.data")):
            if data_path.name.startswith("."):
                continue
            key = data_path.parent.relative_to(self.root).as_posix()
            if key.startswith(prefix) and (version := self._version(key, data_path)):
                yield version
