"""Where one API read spends its time, in-process: a document's metadata and a dossier, step by step, on the
bench catalogue (SQLite or PostgreSQL), with the number of SQL statements each step sends.

`python -m bench.read_profile [--database sqlite|postgresql] [--documents 100000 --owners 20000] [--reads 300]
[--threads 1,8]`: the catalogue is built once in `--data-dir` and reused by later runs. With several threads the
reads run concurrently, as the API's thread pool runs them, so the access log's group commit is measured too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

AGENCY = "000.00.12.H30"


class Steps:
    """Time and statements per named step, summed over the reads of all threads."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statements: dict[str, int] = defaultdict(int)
        self.local = threading.local()
        self.lock = threading.Lock()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.local.step = name
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            with self.lock:
                self.times[name].append(elapsed)
            self.local.step = None

    def count(self, *_: Any) -> None:
        name = getattr(self.local, "step", None)
        if name is not None:
            with self.lock:
                self.statements[name] += 1


def catalogue_options(parser: argparse.ArgumentParser) -> None:
    """The options that choose the bench catalogue (this bench's and `bench.app_profile`'s: the same one)."""
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--owners", type=int, default=20_000)


def prepared(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """The bench catalogue the parsed `catalogue_options` name: its data folder and what `prepare` made there."""
    data_dir = args.data_dir or Path(f"/tmp/sohoa-read-profile-{args.database}")
    return data_dir, prepare(data_dir, args.database, args.owners, args.documents)


def prepare(data_dir: Path, database: str, owners: int, documents: int) -> dict[str, Any]:
    """The bench catalogue in `data_dir` (made on the first run, its ids kept in `made.json`)."""
    made_file = data_dir / "made.json"
    if database == "postgresql":
        os.environ.setdefault("SOHOA_VAULT_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/readp_profile")
        os.environ["SOHOA_AUTO_MIGRATE"] = "true"
        os.environ["SOHOA_OWNER_KEY_FILE"] = str(_key(data_dir))
    os.environ["SOHOA_DATA_DIR"] = str(data_dir)
    if made_file.exists():
        made: dict[str, Any] = json.loads(made_file.read_text())
        return made
    from bench.api_bench import prepare_catalogue

    data_dir.mkdir(parents=True, exist_ok=True)
    made = prepare_catalogue(data_dir, owners, documents, blobs=0)
    made_file.write_text(json.dumps({"doc_ids": made["doc_ids"], "codes": made["codes"]}))
    return made


def _key(data_dir: Path) -> Path:
    path = data_dir.parent / f"{data_dir.name}-owner.key"
    if not path.exists():
        path.write_bytes(os.urandom(32))
        path.chmod(0o600)
    return path


def profile(made: dict[str, Any], reads: int, threads: int) -> Steps:
    from sqlalchemy import event

    from runtime import catalogue as runtime

    steps = Steps()
    vault = runtime.vault()
    engine = vault.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", steps.count)
    try:
        _profile(steps, vault, made, reads, threads)
    finally:
        event.remove(engine, "before_cursor_execute", steps.count)
    return steps


def _profile(steps: Steps, vault: Any, made: dict[str, Any], reads: int, threads: int) -> None:
    from api.dossier_views import dossier_status, event_out
    from api.routers.dossiers import DossierLifeOut
    from api.schemas import document_out, dossier_documents_out
    from api.services import Services
    from api.views import model_json
    from core.types import Actor, Role
    from vault.access import readable_record_row
    from vault.audit import Link
    from vault.convert import document_record

    actor = Actor("cb-bench", Role.HANDLER, agency_code=AGENCY, purpose="giải quyết hồ sơ")
    svc: Any = Services.__new__(Services)
    svc.vault = vault

    def document(doc_id: str) -> None:
        with steps.step("document: fetch + authorise"), vault.read_engine.connect() as connection:
            record = document_record(readable_record_row(connection, doc_id, actor))
        with steps.step("document: access log (group commit)"):
            vault.access_log.append([Link(actor, "view", doc_id)])
        with steps.step("document: serialise"):
            model_json(document_out(record))

    def dossier(code: str) -> None:  # as `api.routers.dossiers.get_dossier`
        with steps.step("dossier: read (dossier, documents, events) + log"):
            read = vault.read_dossier(code, actor)
        with steps.step("dossier: status (clock, moves)"):
            life = dossier_status(svc, read.dossier, read.events, actor, completed=read.completed)
        with steps.step("dossier: serialise"):
            model_json(
                DossierLifeOut(
                    **read.dossier.model_dump(),
                    documents=dossier_documents_out(read.documents),
                    life=life,
                    events=[event_out(e) for e in read.events],
                )
            )

    def run(call: Callable[[str], None], items: list[str], name: str) -> None:
        for item in items[:20]:  # warm-up: compiled statements, pools
            call(item)
        steps.times.clear()
        steps.statements.clear()
        chosen = [random.choice(items) for _ in range(reads)]
        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(call, chosen))
        wall = time.perf_counter() - start
        _print(steps, name, reads, threads, wall)
        steps.times.clear()
        steps.statements.clear()

    run(document, made["doc_ids"], "document metadata")
    run(dossier, made["codes"], "dossier")


def _print(steps: Steps, name: str, reads: int, threads: int, wall: float) -> None:
    load = os.getloadavg()[0]
    print(f"-- {name}: {reads} reads on {threads} thread(s), {reads / wall:.0f} reads/s, load {load:.1f}")
    print(f"{'step':<40}{'mean ms':>9}{'p50 ms':>9}{'p99 ms':>9}{'stmts/read':>12}")
    for step, samples in steps.times.items():
        cuts = statistics.quantiles(samples, n=100) if len(samples) > 1 else [samples[0]] * 99
        print(
            f"{step:<52}{statistics.fmean(samples) * 1000:>9.2f}{cuts[49] * 1000:>9.2f}{cuts[98] * 1000:>9.2f}"
            f"{steps.statements[step] / len(samples):>12.1f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    catalogue_options(parser)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--threads", default="1,8")
    args = parser.parse_args()
    _data_dir, made = prepared(args)
    for threads in (int(t) for t in args.threads.split(",")):
        profile(made, args.reads, threads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
