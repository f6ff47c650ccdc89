"""Atomic file writes: a temporary file with a unique name in the target's folder, fsync, rename, fsync the folder.

A reader sees the old file or the whole new one, never a part; a failure leaves no temporary file behind.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

PRIVATE = 0o600  # the default: what sohoa writes is mostly personal data (scans, OCR text, signed PDFs, keys)


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new link in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temporary_name(target: Path) -> Path:
    """A hidden, unique name beside `target` (same folder, so the rename stays on one file system)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


@contextmanager
def atomic_writer(target: Path, *, mode: int = PRIVATE, replace: bool = True) -> Iterator[BinaryIO]:
    """Yield a binary handle on a new temporary file; on a clean exit it becomes `target` with `mode`.

    `replace=False` never overwrites: the file is linked in place and `FileExistsError` is raised when the name
    is taken (write-once objects). On any error the temporary file is removed and `target` is left as it was.
    """
    temporary = temporary_name(target)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fchmod(handle.fileno(), mode)  # exactly `mode`, whatever the umask
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, target)
        else:
            os.link(temporary, target)
            temporary.unlink()
        fsync_dir(target.parent)
    finally:
        temporary.unlink(missing_ok=True)


def write_atomically(target: Path, data: bytes, *, mode: int = PRIVATE, replace: bool = True) -> None:
    """Write `data` as `target` in one step (see `atomic_writer`)."""
    with atomic_writer(target, mode=mode, replace=replace) as handle:
        handle.write(data)


PRIVATE_DIR = 0o700


def private_folder(folder: Path, *, exist_ok: bool = False) -> Path:
    """Make `folder` (and missing parents) readable by this user only, whatever the umask."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=exist_ok)
    for created in (folder, *missing):
        os.chmod(created, PRIVATE_DIR)
    return folder


def open_new_private(target: Path) -> BinaryIO:
    """A new file (never an existing one) opened for writing, mode 0600 whatever the umask."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    os.fchmod(fd, PRIVATE)
    return os.fdopen(fd, "wb")
