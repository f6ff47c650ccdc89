"""Vault benchmark: catalogue look-ups at 100,000 documents / 20,000 owners, and S3 put+get overhead.

`python -m bench.vault_bench [--backends sqlite,postgresql] [--objects 1000]`: p95 of listing one owner's
vault, a dossier's documents and a grant check (SQLite and PostgreSQL); put+get of 200 KB objects through
S3Store against the raw `minio` SDK doing the same (SSE-C, COMPLIANCE retention) on SeaweedFS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

PG_URL = os.environ.get("SOHOA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AGENCY = "000.00.12.H30"
PROCEDURE = "1.011442.000.00.00.H30"


def personal_ids(count: int) -> list[str]:
    """Distinct valid 12-digit personal IDs (province 001, born 1950-1999)."""
    return [f"0010{50 + n % 50:02d}{n:06d}" for n in range(count)]


def store_documents(
    vault: Any,
    contents: Callable[[int], bytes],
    count: int,
    *,
    start: int = 0,
    procedure: str = PROCEDURE,
    signature_level: Any = None,
) -> None:
    """Documents `start` … `start + count - 1` (`contents(n)` each) stored through `vault` by a bench station of
    AGENCY, in dossiers of ten for four owners (`signature_level` stored with each version when given)."""
    from core.types import Actor, Role
    from vault.records import NewDocument

    owners = personal_ids(4)
    station = Actor("station-bench", Role.STATION, agency_code=AGENCY)
    dossier = None
    for n in range(start, start + count):
        if dossier is None or n % 10 == 0:
            dossier = vault.create_dossier(AGENCY, procedure, owners[n % len(owners)])
        new = NewDocument(owner_id=dossier.owner_id, name=f"Giấy tờ {n}", source_dossier_code=dossier.code)
        vault.store_document(new, contents(n), station, signature_level=signature_level)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94] * 1000


@contextmanager
def catalogue(kind: str, workdir: Path) -> Iterator[str]:
    from tests.support.pgschema import private_schema
    from vault.db import migrate

    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        migrate(url)
        yield url
        return
    with private_schema(PG_URL, "vault_bench") as url:
        yield url


def generate(sessions: Any, owners: int, documents: int, batch: int = 5000) -> dict[str, list[Any]]:
    """Bulk-insert owners, one dossier per owner, documents linked to them, one grant per owner."""
    from vault.models import Document, Dossier, DossierDocument, Grant, Owner

    ids = personal_ids(owners)
    now = dt.datetime.now(dt.UTC)
    with sessions.begin() as session:
        session.execute(
            insert(Owner),
            [{"id": n + 1, "owner_id": oid, "partition": f"{n:032x}", "kind": "person"} for n, oid in enumerate(ids)],
        )
        session.execute(
            insert(Dossier),
            [
                {
                    "id": n + 1,
                    "code": f"{AGENCY}-{(now - dt.timedelta(days=n // 9000)):%y%m%d}-{n % 9000 + 1:04d}",
                    "agency_code": AGENCY,
                    "procedure_code": PROCEDURE,
                    "owner_pk": n + 1,
                    "received_at": now,
                    "status": "received",
                }
                for n in range(owners)
            ],
        )
    doc_ids = [uuid.uuid4().hex for _ in range(documents)]
    for start in range(0, documents, batch):
        rows, links = [], []
        for n in range(start, min(start + batch, documents)):
            owner_pk = n % owners + 1
            rows.append(
                {
                    "id": doc_ids[n],
                    "owner_pk": owner_pk,
                    "type_code": f"T{n % 40}",
                    "name": f"Giấy tờ {n}",
                    "kind": "component",
                    "size": 200_000,
                    "sha256": "0" * 64,
                    "status": "valid",
                    "current_version": 1,
                    "extracted_fields": {"n": n},
                    "created_at": now - dt.timedelta(seconds=n),
                    "updated_at": now,
                }
            )
            links.append({"dossier_id": owner_pk, "document_id": doc_ids[n], "component_name": "thành phần"})
        with sessions.begin() as session:
            session.execute(insert(Document), rows)
            session.execute(insert(DossierDocument), links)
    with sessions.begin() as session:
        session.execute(
            insert(Grant),
            [
                {
                    "owner_pk": n + 1,
                    "grantee": AGENCY,
                    "type_code": "T1",
                    "purpose": "giải quyết hồ sơ",
                    "valid_until": now + dt.timedelta(days=365),
                    "created_by": "bench",
                }
                for n in range(owners)
            ],
        )
    with sessions.begin() as session:  # committed: PostgreSQL's statistics are rolled back with a transaction
        codes = [row[0] for row in session.execute(text("SELECT code FROM dossiers"))]
        session.execute(text("ANALYZE"))
    return {"owner_ids": ids, "doc_ids": doc_ids, "codes": codes}


def timed(call: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return p95(samples)


def bench_catalogue(kind: str, owners: int, documents: int, runs: int) -> dict[str, float]:
    from core.types import Actor, Role
    from vault.db import make_engine, session_factory
    from vault.service import Vault
    from vault.settings import VaultSettings
    from vault.store import LocalStore

    with tempfile.TemporaryDirectory() as tmp, catalogue(kind, Path(tmp)) as url:
        engine = make_engine(url)
        sessions = session_factory(engine)
        started = time.perf_counter()
        data = generate(sessions, owners, documents)
        generated = time.perf_counter() - started
        vault = Vault(sessions, LocalStore(Path(tmp) / "objects"), VaultSettings(database_url=url))
        rng = random.Random(4)
        handler = Actor("bench", Role.HANDLER, agency_code="000.00.15.H38", purpose="giải quyết hồ sơ")
        admin = Actor("bench-admin", Role.ADMIN)  # every listing is authorised and logged, as the API's are
        for _ in range(50):  # warm the pool and caches
            vault.list_owner_documents(rng.choice(data["owner_ids"]), admin)
        result = {
            "generate_s": round(generated, 1),
            "list_owner_p95_ms": timed(lambda: vault.list_owner_documents(rng.choice(data["owner_ids"]), admin), runs),
            "dossier_documents_p95_ms": timed(lambda: vault.dossier_documents(rng.choice(data["codes"]), admin), runs),
            "check_grant_p95_ms": timed(lambda: vault.check_grant(rng.choice(data["doc_ids"]), handler), runs),
        }
        engine.dispose()
        return result


def bench_s3(count: int, size: int) -> dict[str, float]:
    from minio.commonconfig import COMPLIANCE
    from minio.retention import Retention
    from minio.sse import SseCustomerKey

    from tests.support.s3server import SeaweedServer, endpoint_from_env
    from vault.store import S3Store

    with tempfile.TemporaryDirectory() as tmp:
        server = None
        endpoint = endpoint_from_env()
        if endpoint is None:
            server = SeaweedServer(Path(tmp) / "weed")
            server.start()
            endpoint = server.endpoint
        try:
            key = secrets.token_bytes(32)
            store = S3Store(
                endpoint.endpoint,
                endpoint.access_key,
                endpoint.secret_key,
                "bench-vault-" + secrets.token_hex(4),
                secure=endpoint.secure,
                sse="ssec",
                sse_key=key,
            )
            raw = store.client  # the same SDK client and connection pool, used directly
            raw_bucket = "bench-raw-" + secrets.token_hex(4)
            raw.make_bucket(raw_bucket, object_lock=True)
            ssec = SseCustomerKey(key)
            until = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
            payloads = [os.urandom(size) for _ in range(20)]

            def vault_round(n: int) -> None:
                stored = store.put(f"p/{n}/v1.pdf", payloads[n % 20], retain_until=until, new_key=True)
                with store.open(stored.key, stored.version_id, stored.sha256) as content:
                    for _chunk in content:
                        pass

            def raw_round(n: int) -> None:
                import io

                data = payloads[n % 20]
                written = raw.put_object(
                    raw_bucket,
                    f"p/{n}/v1.pdf",
                    io.BytesIO(data),
                    len(data),
                    content_type="application/pdf",
                    sse=ssec,
                    retention=Retention(COMPLIANCE, until),
                )
                response = raw.get_object(raw_bucket, written.object_name, version_id=written.version_id, ssec=ssec)
                try:
                    for _chunk in response.stream(256 * 1024):
                        pass
                finally:
                    response.close()
                    response.release_conn()

            totals = {"vault": 0.0, "raw": 0.0}
            for n in range(count):  # interleaved, so both see the same server state
                for name, call in (
                    (("raw", raw_round), ("vault", vault_round))
                    if n % 2
                    else (("vault", vault_round), ("raw", raw_round))
                ):
                    start = time.perf_counter()
                    call(n)
                    totals[name] += time.perf_counter() - start
            return {
                "objects": count,
                "size_bytes": size,
                "raw_total_s": round(totals["raw"], 2),
                "vault_total_s": round(totals["vault"], 2),
                "overhead_pct": round(100 * (totals["vault"] / totals["raw"] - 1), 1),
            }
        finally:
            if server:
                server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--owners", type=int, default=20_000)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--skip-s3", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("SOHOA_DATA_DIR", tempfile.mkdtemp(prefix="sohoa-bench-"))
    results: dict[str, Any] = {}
    for kind in filter(None, args.backends.split(",")):
        results[kind] = bench_catalogue(kind, args.owners, args.documents, args.runs)
        print(kind, json.dumps({k: round(v, 2) for k, v in results[kind].items()}), flush=True)
    if not args.skip_s3:
        results["s3"] = bench_s3(args.objects, args.size)
        print("s3", json.dumps(results["s3"]), flush=True)
    out = Path("bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "vault_bench.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
