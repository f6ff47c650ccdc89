"""`core.files`: atomic writes leave the old file or the whole new one, the asked mode, and no temporary file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.files import atomic_writer, write_atomically
from core.settings import CoreSettings, data_secret
from tests.support.concurrency import run_concurrently


@pytest.fixture()
def open_umask() -> Iterator[None]:
    """A permissive umask, so that a mode that comes out right is the helper's doing."""
    previous = os.umask(0o000)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_content_is_complete_and_replaces_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "doc.pdf"
    target.write_bytes(b"old")
    data = os.urandom(3 * 1024 * 1024)
    write_atomically(target, data)
    assert target.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.pdf"]


def test_mode_is_private_by_default_and_as_asked(tmp_path: Path, open_umask: None) -> None:
    write_atomically(tmp_path / "private", b"x")
    write_atomically(tmp_path / "public.pem", b"x", mode=0o644)
    write_atomically(tmp_path / "read-only", b"x", mode=0o444)
    assert _mode(tmp_path / "private") == 0o600
    assert _mode(tmp_path / "public.pem") == 0o644
    assert _mode(tmp_path / "read-only") == 0o444


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "ocr.json"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk gone"), atomic_writer(target) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("disk gone")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ocr.json"]


def test_a_failed_rename_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    (target / "inside").mkdir(parents=True)  # a non-empty folder cannot be replaced by a file
    with pytest.raises(OSError):
        write_atomically(target, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_write_once_refuses_a_taken_name(tmp_path: Path) -> None:
    target = tmp_path / "v1.data"
    write_atomically(target, b"first", replace=False)
    with pytest.raises(FileExistsError):
        write_atomically(target, b"second", replace=False)
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1.data"]


def test_two_writers_of_one_file_do_not_share_a_temporary(tmp_path: Path) -> None:
    target = tmp_path / "font.ttf"
    with atomic_writer(target) as first, atomic_writer(target) as second:
        first.write(b"A" * 1000)
        second.write(b"B" * 10)
        assert len([p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]) == 2
    assert target.read_bytes() in (b"A" * 1000, b"B" * 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["font.ttf"]


def test_a_secret_made_by_racing_processes_is_one_secret(tmp_path: Path) -> None:
    """`data_secret` on first use from many threads at once: every caller reads the same full secret (with a
    create-then-write file, a caller could read it empty)."""
    settings = CoreSettings(data_dir=tmp_path)
    read: list[bytes] = [b""] * 16
    for round_ in range(5):

        def first_use(index: int, name: str = f"secret-{round_}") -> None:
            read[index] = data_secret(settings, name)

        run_concurrently(len(read), first_use)
        assert len(set(read)) == 1 and len(read[0]) == 32
        assert _mode(tmp_path / "secrets" / f"secret-{round_}") == 0o600
    assert not [p for p in (tmp_path / "secrets").iterdir() if p.name.startswith(".")]
