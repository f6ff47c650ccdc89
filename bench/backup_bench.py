"""Backup bench: time and size of a full `sohoa backup create` and of an incremental one (new object versions
only) on a vault of real stored documents, beside a plain `tar` and `cp -a` of the same data folder.

`python -m bench.backup_bench [--documents 600 --kilobytes 200 --more 60]`
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PASSPHRASE = "bench passphrase"
PROCEDURE = "1.000001.000.00.00.H30"


@dataclass(frozen=True)
class Figure:
    name: str
    seconds: float
    megabytes: float
    files: int


def _size(path: Path) -> tuple[float, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6, len(files)


def _store(vault: Any, count: int, kilobytes: int, start: int) -> None:
    """`count` documents of `kilobytes` each (distinct contents), in dossiers of ten, through the vault."""
    from bench.vault_bench import store_documents

    body = random.randbytes(kilobytes * 1024)
    store_documents(
        vault,
        lambda n: b"%PDF-1.7\n" + n.to_bytes(8, "big") + body + b"\n%%EOF\n",
        count,
        start=start,
        procedure=PROCEDURE,
    )


def _timed(name: str, target: Path, run: Any) -> Figure:
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    megabytes, files = _size(target) if target.is_dir() else (target.stat().st_size / 1e6, 1)
    return Figure(name, seconds, megabytes, files)


def _backup(engine: Any, store: Any, target: Path) -> Any:
    from vault.backup import create_backup
    from vault.settings import vault_settings

    keys = {"owner_partition_key": vault_settings().partition_key()}
    return create_backup(engine, store, target, keys, PASSPHRASE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=600)
    parser.add_argument("--kilobytes", type=int, default=200)
    parser.add_argument("--more", type=int, default=60, help="documents added before the incremental backup")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="sohoa-backup-bench-") as tmp:
        folder = Path(tmp)
        data = folder / "data"
        os.environ["SOHOA_DATA_DIR"] = str(data)
        for name in ("SOHOA_VAULT_DATABASE_URL", "SOHOA_VAULT_S3_ENDPOINT"):
            os.environ.pop(name, None)
        from runtime.catalogue import open_vault

        vault = open_vault()
        engine = vault.sessions.kw["bind"]
        started = time.perf_counter()
        _store(vault, args.documents, args.kilobytes, 0)
        print(f"stored {args.documents} documents of {args.kilobytes} KB in {time.perf_counter() - started:.0f} s")
        subprocess.run(["sync"], check=True)
        figures = [
            _timed("anchor: tar -cf of the data folder", folder / "data.tar", lambda: _tar(data, folder / "data.tar")),
            _timed("anchor: cp -a of the data folder", folder / "copy", lambda: _copy(data, folder / "copy")),
        ]
        backup = folder / "backup"
        figures.append(_timed("sohoa backup create (full)", backup, lambda: _backup(engine, vault.store, backup)))
        _store(vault, args.more, args.kilobytes, args.documents)
        before, _ = _size(backup)
        incremental = _timed(f"… incremental (+{args.more} docs)", backup, lambda: _backup(engine, vault.store, backup))
        grown, _ = _size(backup)
        figures.append(Figure(incremental.name, incremental.seconds, grown - before, incremental.files))
    print(f"{'what':<40}{'seconds':>9}{'MB':>9}{'files':>8}{'× tar time':>12}")
    anchor = figures[0].seconds
    for figure in figures:
        ratio = figure.seconds / anchor
        print(f"{figure.name:<40}{figure.seconds:>9.2f}{figure.megabytes:>9.1f}{figure.files:>8}{ratio:>12.2f}")
    print("(incremental MB: what the second backup added to the folder)")
    return 0


def _tar(source: Path, target: Path) -> None:
    subprocess.run(["tar", "-cf", str(target), "-C", str(source.parent), source.name], check=True)


def _copy(source: Path, target: Path) -> None:
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)


if __name__ == "__main__":
    raise SystemExit(main())
