"""API benchmark at catalogue scale: 100,000 documents / 20,000 owners, `sohoa serve` on this machine, load
from a second process.

- Paced load at a fixed rate (default 200 requests/s): p50/p99 of GET a document's metadata and GET a dossier
  (goal: p99 < 50 ms at 200 requests/s); unpaced (16 in flight): the most requests/s it serves. The load comes
  from `wrk` (C, one thread, a Lua script pacing each connection), or from a Python generator without it.
- Streaming: MB/s of signed-PDF content through the API beside reading the same objects straight from the store
  (httpx here, while the catalogue is large; `bench.stream_bench` measures streaming alone, on both stores, with
  `wrk` as well).

Each catalogue (SQLite, PostgreSQL) is measured in a process of its own, two API processes each; both tables print
in the same run.

`python -m bench.api_bench [--documents 100000 --owners 20000 --rate 200 --seconds 20 --databases sqlite,postgresql]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

AGENCY = "000.00.12.H30"  # the agency of the generated dossiers (bench.vault_bench)
PG_SERVER = os.environ.get("SOHOA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/sohoa_obs_bench")
PURPOSE = quote("giải quyết hồ sơ")


# -- the load generator (runs as its own process) --------------------------------------------------------------
async def _open_loop(url: str, token: str, paths: list[str], rate: float, seconds: float) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": PURPOSE}
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30, limits=limits) as client:

        async def one(path: str) -> None:
            nonlocal errors
            start = time.perf_counter()
            try:
                ok = (await client.get(path)).status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok

        tasks = []
        begin = time.perf_counter()
        for n in range(int(rate * seconds)):
            delay = begin + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(random.choice(paths))))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - begin
    return _summary(latencies, errors, elapsed)


async def _closed_loop(url: str, token: str, paths: list[str], workers: int, seconds: float) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": PURPOSE}
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        deadline = time.perf_counter() + seconds

        async def loop() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    ok = (await client.get(random.choice(paths))).status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - start)
                errors += not ok

        begin = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(workers)))
        elapsed = time.perf_counter() - begin
    return _summary(latencies, errors, elapsed)


def _summary(latencies: list[float], errors: int, elapsed: float) -> dict[str, Any]:
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
    }


def load_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--token")
    parser.add_argument("--paths", type=Path)
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args(argv)
    paths = json.loads(args.paths.read_text())
    if args.rate:
        result = asyncio.run(_open_loop(args.url, args.token, paths, args.rate, args.seconds))
    else:
        result = asyncio.run(_closed_loop(args.url, args.token, paths, args.workers, args.seconds))
    print(json.dumps(result))
    return 0


# -- the benchmark --------------------------------------------------------------------------------------------
WRK_SCRIPT = """
local paths = {%s}
wrk.headers["Authorization"] = "Bearer %s"
wrk.headers["X-Purpose"] = "%s"
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
%s
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
    + summary.errors.timeout
  io.write(string.format(
    'WRK {"requests": %%d, "errors": %%d, "rps": %%.1f, "p50_ms": %%.2f, "p95_ms": %%.2f, "p99_ms": %%.2f}\\n',
    summary.requests, errors, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


PACING = """
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } sohoa_timespec; int clock_gettime(int, sohoa_timespec*); ]]
local clock = ffi.new("sohoa_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) * 1e3 + tonumber(clock.tv_nsec) / 1e6
end
local interval, next_slot = %f, nil
delay = function()
  local now = now_ms()
  next_slot = next_slot or now
  local wait = next_slot - now
  next_slot = next_slot + interval
  return math.max(wait, 0)
end
"""


def _run_wrk(url: str, token: str, paths: list[str], folder: Path, rate: float, seconds: float) -> dict[str, Any]:
    """Paced (rate > 0): requests sent on a fixed schedule of `rate` per second whatever the answers' latency
    (an open loop, over 32 connections; LuaJIT's clock through wrk's FFI); unpaced: 16 connections flat out."""
    connections = 32 if rate else 16
    pacing = PACING % (1000 / rate) if rate else ""
    table = ",".join(f'"{path}"' for path in paths)
    script = folder / f"load-{random.getrandbits(32)}.lua"
    script.write_text(WRK_SCRIPT % (table, token, PURPOSE, pacing))
    command = ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "10s", "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")
    result: dict[str, Any] = json.loads(line[4:])
    return result


def _run_load(stack: Any, token: str, paths: list[str], folder: Path, **options: Any) -> dict[str, Any]:
    if shutil.which("wrk"):
        return _run_wrk(stack.url, token, paths, folder, float(options.get("rate", 0)), float(options["seconds"]))
    paths_file = folder / f"paths-{random.getrandbits(32)}.json"
    paths_file.write_text(json.dumps(paths))
    command = [
        sys.executable,
        "-m",
        "bench.api_bench",
        "load",
        "--url",
        stack.url,
        "--token",
        token,
        "--paths",
        str(paths_file),
    ]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _cpu_seconds(root: int) -> float:
    """CPU time (user + system) of a process and all its descendants (`sohoa serve` and its API processes): per
    request, a figure the machine's load inflates much less than latency."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid and child not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0.0) for pid in tree)


def prepare_catalogue(data_dir: Path, owners: int, documents: int, blobs: int) -> dict[str, Any]:
    """Catalogue the generated documents, and store `blobs` real 2 MB PDFs for the streaming figures (shared with
    `bench.web_bench`)."""
    import os

    os.environ["SOHOA_DATA_DIR"] = str(data_dir)
    from bench.vault_bench import generate
    from core.types import Actor, Role
    from runtime import catalogue as runtime
    from vault.records import NewDocument

    sessions = runtime.catalogue()
    made = generate(sessions, owners, documents)
    vault = runtime.vault()
    payload = b"%PDF-1.7\n" + random.randbytes(2 * 1024 * 1024)
    stored = []
    admin = Actor("bench", Role.ADMIN)
    for n in range(blobs):
        record = vault.store_document(
            NewDocument(owner_id=made["owner_ids"][n], name=f"Bản quét {n}", source_dossier_code=made["codes"][n]),
            payload + n.to_bytes(4, "big"),
            admin,
        )
        stored.append(record.id)
    return {**made, "blobs": stored}


def _streaming(url: str, token: str, blob_ids: list[str], rounds: int) -> dict[str, Any]:
    """MB/s of the signed PDFs through the API (httpx) and straight from the store (`Vault.stream_content` in this
    process: authorised, logged, hashed, as the API reads them), interleaved object by object after a warm-up, so
    that both share the machine's load; with which store and catalogue both read (the two runs must say what
    they compare)."""
    from core.types import Actor, Role
    from runtime import catalogue as runtime

    vault = runtime.vault()
    admin = Actor("bench", Role.ADMIN, purpose="bench")
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": PURPOSE}
    got = {"api": [0, 0.0], "store": [0, 0.0]}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:

        def through_api(doc_id: str) -> int:
            with client.stream("GET", f"/api/v1/documents/{doc_id}/content") as response:
                return sum(len(chunk) for chunk in response.iter_bytes())

        def from_store(doc_id: str) -> int:
            with vault.stream_content(doc_id, admin)[1] as content:
                return sum(len(chunk) for chunk in content)

        for doc_id in blob_ids[:2]:  # warm-up, not measured: pools, page cache
            through_api(doc_id), from_store(doc_id)
        for _ in range(rounds):
            for doc_id in blob_ids:
                for name, read in (("store", from_store), ("api", through_api)):
                    start = time.perf_counter()
                    got[name][0] += read(doc_id)
                    got[name][1] += time.perf_counter() - start
    api_mb, store_mb = (got[name][0] / got[name][1] / 1e6 for name in ("api", "store"))
    store = "S3" if vault.store.name == "s3" else "local folder store"
    return {"api_mb": api_mb, "store_mb": store_mb, "store": store, "catalogue": vault.read_engine.dialect.name}


def _run_context() -> str:
    """When, on what code and what machine: the line a measurement is quoted with."""
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    commit = done.stdout.strip() or "not a git checkout"
    loads = ", ".join(f"{load:.1f}" for load in os.getloadavg())
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return f"{when}, code {commit}, {os.cpu_count()} cores, load average (1, 5, 15 min) {loads}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["load"]:
        return load_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--owners", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--blobs", type=int, default=10)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql or both")
    args = parser.parse_args(argv)
    databases = args.databases.split(",")
    if len(databases) > 1:  # each in a process of its own: settings and engines are made once per process
        for database in databases:
            others = [a for a in argv if not a.startswith("--databases")]
            subprocess.run([sys.executable, "-m", "bench.api_bench", *others, f"--databases={database}"], check=True)
        return 0
    with _catalogue_url(databases[0]) as url:
        return _measure(args, databases[0], url)


@contextlib.contextmanager
def _catalogue_url(database: str) -> Any:
    """None for SQLite (the data folder's file), else a private schema on the bench's PostgreSQL database."""
    if database == "sqlite":
        yield None
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.support.pgschema import private_schema

    server = make_url(PG_SERVER)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if (
            connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": server.database}).first()
            is None
        ):
            connection.execute(text(f'CREATE DATABASE "{server.database}"'))
    admin.dispose()
    with private_schema(
        PG_SERVER, "api_bench"
    ) as url:  # migrated: outside the embedded default, nothing migrates on start
        yield url


def _measure(args: argparse.Namespace, database: str, url: str | None) -> int:
    from core.types import Role
    from tests.support.stack import SohoaStack

    if url:
        os.environ["SOHOA_VAULT_DATABASE_URL"] = url
        os.environ["SOHOA_AUTO_MIGRATE"] = "true"  # the bench's own migrate job: both chains, before cataloguing
    with tempfile.TemporaryDirectory(prefix="sohoa-api-bench-") as tmp:
        folder = Path(tmp)
        data_dir = folder / "data"
        data_dir.mkdir()
        if url:  # outside the embedded default the operator's key files: the same ones the server is given
            os.environ.update(SohoaStack(data_dir, {}).keys())
        started = time.perf_counter()
        made = prepare_catalogue(data_dir, args.owners, args.documents, args.blobs)
        print(
            f"{database}: catalogued {args.documents} documents / {args.owners} owners in "
            f"{time.perf_counter() - started:.0f} s"
        )
        env = {"SOHOA_API_WORKERS": str(args.api_workers), **({"SOHOA_VAULT_DATABASE_URL": url} if url else {})}
        stack = SohoaStack(data_dir, env)
        try:
            stack.start_server(timeout=300)  # two API processes import everything: slow on a busy host
            token = stack.token(Role.HANDLER, "cb-bench", agency=AGENCY)
            documents = [
                f"/api/v1/documents/{d}" for d in random.sample(made["doc_ids"], min(2000, len(made["doc_ids"])))
            ]
            dossiers = [f"/api/v1/dossiers/{c}" for c in random.sample(made["codes"], min(2000, len(made["codes"])))]
            rows = []
            for paths in (documents, dossiers):  # warm-up, not measured: first compiles, caches, pools
                _run_load(stack, token, paths, folder, workers=16, seconds=3)
            # The anchor: /healthz at the same pace (the same HTTP stack and thread pool, no catalogue), before and
            # after the reads: what the machine alone costs at that moment.
            plan = [
                ("GET /healthz (anchor)", ["/healthz"], False),
                ("GET document metadata", documents, True),
                ("GET dossier", dossiers, True),
                ("GET /healthz (anchor)", ["/healthz"], False),
            ]
            assert stack.server is not None
            for name, paths, unpaced in plan:
                cpu = _cpu_seconds(stack.server.pid)
                fixed = _run_load(stack, token, paths, folder, rate=args.rate, seconds=args.seconds)
                fixed["cpu_ms"] = round((_cpu_seconds(stack.server.pid) - cpu) * 1000 / max(fixed["requests"], 1), 2)
                fixed["load"] = round(os.getloadavg()[0], 1)
                most = _run_load(stack, token, paths, folder, workers=16, seconds=args.seconds / 2) if unpaced else {}
                rows.append((name, fixed, most))
            streaming = _streaming(stack.url, stack.token(Role.ADMIN, "bench"), made["blobs"], rounds=3)
        finally:
            stack.stop()
        audit = subprocess.run(  # every read was recorded in one chain: it must still verify
            [sys.executable, "-m", "cli", "audit", "verify"],
            env=stack._environment(),
            capture_output=True,
            text=True,
            check=False,
        )
    print(f"-- {database}, {args.api_workers} API processes, {args.documents} documents, paced at {args.rate:.0f}/s --")
    print(_run_context())
    print(
        f"{'endpoint':<24}{'rate':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'max req/s':>11}"
        f"{'CPU ms/req':>12}{'load':>7}{'CPU - anchor':>14}"
    )
    anchor_cpu = min(fixed["cpu_ms"] for name, fixed, _ in rows if "anchor" in name)
    for name, fixed, most in rows:
        print(
            f"{name:<24}{fixed['rps']:>8}{fixed['p50_ms']:>9}{fixed.get('p95_ms', '-'):>9}{fixed['p99_ms']:>9}"
            f"{fixed['errors']:>8}{most.get('rps', '-'):>11}{fixed['cpu_ms']:>12}{fixed['load']:>7}"
            f"{fixed['cpu_ms'] - anchor_cpu:>14.2f}"
        )
        if most:
            verdict = "OK" if fixed["p99_ms"] < 50 and fixed["rps"] >= 0.95 * args.rate else "MISSED"
            print(f"  goal p99 < 50 ms at {args.rate:.0f} req/s: {verdict}")
    api_mb, store_mb = streaming["api_mb"], streaming["store_mb"]
    print(
        f"streaming {len(made['blobs'])} signed 2 MB PDFs from the {streaming['store']} (catalogue "
        f"{streaming['catalogue']}), interleaved: API (httpx) {api_mb:.0f} MB/s, straight from the store "
        f"{store_mb:.0f} MB/s (API/store {api_mb / store_mb:.2f}; load {os.getloadavg()[0]:.1f})"
    )
    print(f"sohoa audit verify (exit {audit.returncode}): {(audit.stdout + audit.stderr).strip()[-300:]}")
    summary = {
        "rows": rows,
        "api_mb_s": round(api_mb, 1),
        "store_mb_s": round(store_mb, 1),
        "store": streaming["store"],
        "audit": audit.returncode,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
