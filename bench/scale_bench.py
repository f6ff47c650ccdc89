"""Scale-out of the workers: pages/min of the same batch with one worker host and with two, printed side by side
from one run (target ≥1.8×). Each worker host has its own data folder and is pinned to its own core (taskset).

The catalogue is a PostgreSQL database made for the run, the broker Redis, staging and the vault SeaweedFS (S3):
the workers share no disk. The API and the servers are not pinned: on 2 cores they take CPU from the workers.
`python -m bench.scale_bench --pages 24`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
import sqlalchemy as sa

from api.client import StationClient
from bench.synthetic import generate_pages, write_pages
from core.types import Role
from runtime.cli import stop_worker_group
from tests.support.pki import RunningPki, free_port, start_pki
from tests.support.s3server import SeaweedServer
from tests.support.stack import SohoaStack
from tests.support.uploads import AGENCY, station_manifest


def _environment(tmp: Path, pki: RunningPki, seaweed: SeaweedServer, broker: str, database: str) -> dict[str, str]:
    password = tmp / "officer.password"
    password.write_text(pki.password)
    return {
        "SOHOA_INGEST_BROKER_URL": broker,
        "SOHOA_VAULT_DATABASE_URL": database,
        "SOHOA_VAULT_S3_ENDPOINT": seaweed.endpoint.endpoint,
        "SOHOA_VAULT_S3_ACCESS_KEY": seaweed.access_key,
        "SOHOA_VAULT_S3_SECRET_KEY": seaweed.secret_key,
        "SOHOA_SIGNING_TSA_URL": pki.tsa_url,
        "SOHOA_SIGNING_TRUST_DIR": str(pki.trust_dir),
        "SOHOA_INGEST_OFFICER_P12": str(pki.identity("officer").p12),
        "SOHOA_INGEST_OFFICER_P12_PASSWORD_FILE": str(password),
        "SOHOA_INGEST_PAGE_THREADS": "1",
        "SOHOA_INGEST_MAX_PAGES": "1000",
    }


def start_worker_host(stack: SohoaStack, name: str, core: int) -> subprocess.Popen[bytes]:
    """A worker on its own data folder (another machine's disk), pinned to one core, one task at a time."""
    environment = stack._environment()
    environment["SOHOA_DATA_DIR"] = str(stack.data_dir.parent / name)
    environment["SOHOA_INGEST_WORKER_NAME"] = f"celery@{name}"
    Path(environment["SOHOA_DATA_DIR"]).mkdir(exist_ok=True)
    log = (stack.data_dir.parent / f"{name}.log").open("ab")
    command = ["taskset", "-c", str(core), sys.executable, "-m", "cli", "worker", "--concurrency=1"]
    worker = subprocess.Popen(command, env=environment, stdout=log, stderr=log, start_new_session=True)
    log.close()
    return worker


def manifest(pages: int, per_document: int) -> dict[str, object]:
    documents = [
        {"type_code": "TP", "name": f"Thành phần {n + 1}", "pages": f"{first + 1}-{min(first + per_document, pages)}"}
        for n, first in enumerate(range(0, pages, per_document))
    ]
    return station_manifest("manifest", documents=documents)


def timed_batch(client: StationClient, images: list[Path], per_document: int) -> tuple[float, str]:
    start = time.perf_counter()
    accepted = client.upload(images, manifest(len(images), per_document))
    final = client.wait(accepted["batch_id"], interval=0.5, timeout=7200)
    return time.perf_counter() - start, str(final["status"])


def run(images: list[Path], tmp: Path, broker: str, database: str, per_document: int) -> dict[int, tuple[float, str]]:
    """After a warm-up batch, the same batch with 1, then 2 worker hosts; seconds and final status of each."""
    pki = start_pki(tmp / "pki")
    seaweed = SeaweedServer(tmp / "seaweed")
    seaweed.start()
    stack = SohoaStack(tmp / "api", _environment(tmp, pki, seaweed, broker, database))
    stack.data_dir.mkdir()
    results: dict[int, tuple[float, str]] = {}
    try:
        stack.start_server(timeout=300)  # a loaded machine starts the API slowly
        client = StationClient(stack.url, stack.token(Role.STATION, "QT-01", agency=AGENCY), timeout=600)
        # Untimed first: a small batch on both hosts warms what every phase shares (the API's first requests,
        # the catalogue's tables, the TSA and revocation fetches, the page cache of the programs and models), so
        # the first timed phase is not charged with it.
        for hosts, pages in ((2, images[: 2 * per_document]), (1, images), (2, images)):
            workers = [start_worker_host(stack, f"worker{n}", core=n) for n in range(hosts)]
            time.sleep(8)  # the workers connect and load before the clock starts
            try:
                seconds, status = timed_batch(client, pages, per_document)
            finally:
                for worker in workers:
                    stop_worker_group(worker, grace_seconds=20)
            if pages is images:
                results[hosts] = (seconds, status)
            label = "" if pages is images else " (warm-up, untimed)"
            print(f"{hosts} worker host(s){label}: {seconds:.1f} s, batch {status}", flush=True)
    finally:
        stack.stop()
        seaweed.stop()
        pki.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--pages-per-document", type=int, default=2)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--broker", default="", help="a Redis URL; default: a private redis-server for the run")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432", help="server URL")
    args = parser.parse_args(argv)
    private = None
    if not args.broker:
        port = free_port()
        command = ["redis-server", "--port", str(port), "--save", "", "--bind", "127.0.0.1"]
        private = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        args.broker = f"redis://127.0.0.1:{port}/0"
        time.sleep(1)
    redis.Redis.from_url(args.broker).flushdb()
    name = f"hosts_scale_{os.getpid()}"
    server = sa.create_engine(f"{args.postgres}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f"create database {name}"))
    try:
        with tempfile.TemporaryDirectory(prefix="sohoa-scale-bench-") as tmp:
            folder = Path(tmp)
            print(f"generating {args.pages} synthetic 300-dpi pages …", flush=True)
            images = write_pages(generate_pages(args.pages, seed=args.seed, blank_every=0), folder / "pages")
            results = run(images, folder, args.broker, f"{args.postgres}/{name}", args.pages_per_document)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f"drop database if exists {name} with (force)"))
        if private is not None:
            private.terminate()
            private.wait(timeout=20)
    one, two = (args.pages / results[n][0] * 60 for n in (1, 2))
    ratio = two / one
    print(f"{'worker hosts':<16}{'wall s':>10}{'pages/min':>12}{'batch':>14}")
    for hosts, rate in ((1, one), (2, two)):
        print(f"{hosts:<16}{results[hosts][0]:>10.1f}{rate:>12.2f}{results[hosts][1]:>14}")
    print(f"two hosts / one: {ratio:.2f}× (target ≥ 1.80×)  {'OK' if ratio >= 1.8 else 'MISSED'}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (API and services unpinned)")
    result = {
        "pages": args.pages,
        "pages_per_document": args.pages_per_document,
        "one_host_pages_per_min": round(one, 2),
        "two_hosts_pages_per_min": round(two, 2),
        "ratio": round(ratio, 3),
        "statuses": {str(n): results[n][1] for n in results},
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
