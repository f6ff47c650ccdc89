"""Where a batch waits between intake and the vault: a folder on the embedded default, the object store when the
vault is on S3 (`ingest.staging_s3`), so that the API and the workers share no disk. One contract, two areas.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.files import private_folder, write_atomically


@dataclass(frozen=True)
class StagedBatch:
    """One batch's staging as a sweep sees it: its id, its location and when anything in it was last written."""

    batch_id: str
    location: str
    modified: float  # seconds since the epoch


class BatchStaging(Protocol):
    """One batch's files by relative name (`files.json`, `pages/0001-x.jpg`, `doc-000/ocr.pdf`, …)."""

    location: str  # what `Batch.staging_dir` records

    def put(self, name: str, data: bytes) -> None: ...
    def put_file(self, name: str, path: Path) -> None: ...
    def get(self, name: str) -> bytes: ...
    def exists(self, name: str) -> bool: ...
    def local_copy(self, name: str, into: Path) -> Path: ...
    def remove(self, prefix: str = "") -> None: ...  # everything under `prefix` (the whole batch by default)


class StagingArea(Protocol):
    """Every batch's staging: where a new batch is published, how a recorded location is opened, what is left."""

    kind: str  # "folder" | "object"

    def publish(self, batch_id: str, spool: Path, names: list[str]) -> str: ...
    def open(self, location: str) -> BatchStaging: ...
    def listing(self) -> list[StagedBatch]: ...


class FolderBatch:
    """A batch's staging folder (0700, files 0600, written atomically)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.location = str(folder)

    def _path(self, name: str) -> Path:
        path = self.folder / name
        if self.folder.resolve() not in path.resolve().parents:
            raise ValueError(f"{name!r} is not a name inside the batch's staging")
        return path

    def put(self, name: str, data: bytes) -> None:
        target = self._path(name)
        private_folder(target.parent, exist_ok=True)
        write_atomically(target, data)

    def put_file(self, name: str, path: Path) -> None:
        target = self._path(name)
        if target != path:
            self.put(name, path.read_bytes())

    def get(self, name: str) -> bytes:
        return self._path(name).read_bytes()

    def exists(self, name: str) -> bool:
        return self._path(name).exists()

    def local_copy(self, name: str, into: Path) -> Path:
        return self._path(name)  # already on this host's disk

    def remove(self, prefix: str = "") -> None:
        shutil.rmtree(self._path(prefix) if prefix else self.folder, ignore_errors=True)


def _newest_mtime(folder: Path) -> float:
    """The newest modification time in the folder's tree (an intake still writing keeps it fresh)."""
    newest = folder.stat().st_mtime
    for parent, _, files in os.walk(folder):
        for name in files:
            try:
                newest = max(newest, os.stat(os.path.join(parent, name)).st_mtime)
            except FileNotFoundError:
                continue
    return newest


class FolderArea:
    """The embedded default: each batch in `<root>/<batch id>`, where the API wrote it (one machine)."""

    kind = "folder"

    def __init__(self, root: Path) -> None:
        self.root = root

    def publish(self, batch_id: str, spool: Path, names: list[str]) -> str:
        return str(spool)  # the spool folder is the staging: the workers share this disk

    def open(self, location: str) -> BatchStaging:
        return FolderBatch(Path(location))

    def listing(self) -> list[StagedBatch]:
        if not self.root.is_dir():
            return []
        found = []
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir():
                found.append(StagedBatch(folder.name, str(folder), _newest_mtime(folder)))
        return found


def spool_leftovers(root: Path, older_than_seconds: float) -> list[Path]:
    """Spool folders under `root` untouched for a while: an intake the API process did not finish (killed)."""
    if not root.is_dir():
        return []
    cutoff = time.time() - older_than_seconds
    return [folder for folder in sorted(root.iterdir()) if folder.is_dir() and _newest_mtime(folder) <= cutoff]
