"""Long-term enrolment bench: the nightly job's `enrol` over N documents signed at B-B, with the level stored with
each version (this release) beside the anchor, the same documents stored without it (the file read once each).

`python -m bench.longterm_bench [--documents 300 --pages 10]` — prints seconds, files read and access-log lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROCEDURE = "1.000001.000.00.00.H30"


@dataclass(frozen=True)
class Figure:
    name: str
    seconds: float
    cpu_seconds: float
    files_read: int
    log_lines: int


def _signed_bb(pages: int, data_dir: Path) -> bytes:
    """A `pages`-page PDF signed by the development identity with no TSA: B-B, as with the TSA down."""
    from bench.signing_sample import sample_pdf
    from core.types import SignatureLevel
    from signing.identity import development_identity
    from signing.settings import SigningSettings
    from signing.sign import DocumentSigner

    settings = SigningSettings(tsa_url=None, font_cache_dir=data_dir / "fonts", allow_bb_fallback=True)
    with DocumentSigner(development_identity(data_dir, "officer"), settings) as signer:
        outcome = signer.sign_with_outcome(sample_pdf(pages), level=SignatureLevel.B_LTA)
    assert outcome.level is SignatureLevel.B_B
    return outcome.pdf


def _catalogue(folder: Path, pdf: bytes, count: int, stored_level: bool) -> tuple[Any, Any]:
    """A SQLite catalogue and local store with `count` copies of `pdf`, their level stored or not."""
    from bench.vault_bench import store_documents
    from core.types import SignatureLevel
    from ingest.db import migrate, sessions
    from vault.service import Vault
    from vault.settings import VaultSettings
    from vault.store import LocalStore

    url = f"sqlite:///{folder / 'catalogue.sqlite3'}"
    migrate(url)
    factory = sessions(url)
    vault = Vault(factory, LocalStore(folder / "objects"), VaultSettings())
    level = SignatureLevel.B_B if stored_level else None
    store_documents(
        vault, lambda n: pdf + b"%" + str(n).encode() + b"\n", count, procedure=PROCEDURE, signature_level=level
    )
    return factory, vault


def _enrol(name: str, factory: Any, vault: Any, count: int) -> Figure:
    from sqlalchemy import func, select

    from issuing.longterm import SYSTEM, enrol
    from signing.settings import SigningSettings
    from vault.models import AccessLog

    opened: list[str] = []
    original = vault.open_content

    def counted(doc_id: str, actor: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(doc_id)
        return original(doc_id, actor, *args, **kwargs)

    vault.open_content = counted
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    enrolled = enrol(factory, vault, SigningSettings(tsa_url=None), dt.datetime.now(dt.UTC), count)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    assert enrolled == count, enrolled
    with factory() as session:
        lines = session.scalar(select(func.count()).where(AccessLog.subject == SYSTEM.subject)) or 0
    cpu_seconds = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
    return Figure(name, seconds, cpu_seconds, len(opened), lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--pages", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="longterm-bench-", ignore_cleanup_errors=True) as root:
        folder = Path(root)
        pdf = _signed_bb(args.pages, folder / "data")
        figures = []
        for name, stored in (("anchor: level not stored (file read)", False), ("level stored", True)):
            (folder / str(stored)).mkdir()
            factory, vault = _catalogue(folder / str(stored), pdf, args.documents, stored)
            figures.append(_enrol(name, factory, vault, args.documents))
    print(f"{args.documents} documents of {len(pdf) / 1024:.0f} KiB ({args.pages} pages, signed at B-B)")
    print(f"{'enrolment':<40} {'s':>8} {'CPU s':>8} {'ms/doc':>8} {'files read':>11} {'log lines':>10}")
    for f in figures:
        per = f.seconds * 1000 / args.documents
        print(f"{f.name:<40} {f.seconds:8.3f} {f.cpu_seconds:8.3f} {per:8.2f} {f.files_read:11d} {f.log_lines:10d}")


if __name__ == "__main__":
    main()
