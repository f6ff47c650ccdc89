"""Where an API read's CPU goes inside one API process: the whole ASGI app (middlewares, routing, dependencies,
the route, the access log, JSON) driven in-process without sockets, on `bench.read_profile`'s catalogue.

`python -m bench.app_profile [--database sqlite|postgresql] [--requests 2000] [--profile dossier]`: CPU ms per
request (all threads of this process) for `/healthz`, a document and a dossier; with `--profile`, the functions
that cost most in that read (cProfile, the thread pool inlined so the route's own work is seen). What `sohoa
serve` adds on top (uvicorn's HTTP parsing, the socket) is the bench's `/healthz` figure less this one's.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import os
import pstats
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.read_profile import AGENCY, catalogue_options, prepared

PURPOSE = quote("giải quyết hồ sơ")


def _token(data_dir: Path) -> str:
    """A handler's token of the bench agency, signed by a key whose public half the app is told to trust."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from api.settings import ApiSettings
    from api.tokens import sign_token
    from core.types import Role

    key = Ed25519PrivateKey.generate()
    public = data_dir.parent / f"{data_dir.name}-issuer.pem"
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    os.environ["SOHOA_API_JWT_PUBLIC_KEY_FILE"] = str(public)
    return sign_token(key, ApiSettings(), role=Role.HANDLER, subject="cb-bench", agency_code=AGENCY)


def _scope(path: str, token: str) -> dict[str, Any]:
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"authorization", f"Bearer {token}".encode()),
        (b"x-purpose", PURPOSE.encode()),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _request(app: Any, path: str, token: str) -> tuple[int, bytes]:
    status, body = 0, bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(_scope(path, token), receive, send)
    return status, bytes(body)


def _inline_thread_pool() -> Callable[[], None]:
    """Run the thread pool's calls in the event loop's thread (so cProfile sees them); returns the undo."""
    import anyio.to_thread

    original = anyio.to_thread.run_sync

    async def run_sync(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = run_sync  # type: ignore[assignment]

    def undo() -> None:
        anyio.to_thread.run_sync = original

    return undo


async def _measure(app: Any, token: str, paths: list[str], requests: int, concurrency: int) -> tuple[float, float]:
    """CPU and wall ms per request (CPU: this process, every thread) over `requests` reads, `concurrency` at a
    time."""
    for path in paths[:50]:  # warm-up: compiled statements, pools, caches
        status, body = await _request(app, path, token)
        if status != 200:
            raise RuntimeError(f"{path}: {status} {body[:300]!r}")
    chosen = [random.choice(paths) for _ in range(requests)]
    queue = iter(chosen)

    async def worker() -> None:
        for path in queue:
            status, _ = await _request(app, path, token)
            if status != 200:
                raise RuntimeError(f"{path}: {status}")

    start, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - start) * 1000 / requests, (time.perf_counter() - wall) * 1000 / requests


def _gc_pause(pauses: list[tuple[int, float]], started: dict[str, float], phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        started["at"] = time.perf_counter()
    elif "at" in started:
        pauses.append((info["generation"], time.perf_counter() - started.pop("at")))


async def _statement_times(app: Any, token: str, paths: list[str], requests: int) -> None:
    """Wall time of each SQL statement the reads send (by its first words), with its count per request."""
    from sqlalchemy import event

    from runtime.catalogue import vault

    engine = vault().sessions.kw["bind"]
    times: dict[str, list[float]] = defaultdict(list)

    def before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        conn.info["sohoa_bench_started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        key = " ".join(statement.split()[:4])[:48]
        times[key].append(time.perf_counter() - conn.info.pop("sohoa_bench_started"))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        await _measure(app, token, paths, requests, 1)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    print(f"{'statement':<50}{'per req':>8}{'mean ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for key, samples in sorted(times.items(), key=lambda item: -sum(item[1])):
        samples.sort()
        p99 = samples[int(len(samples) * 0.99) - 1] if len(samples) > 1 else samples[0]
        print(
            f"{key:<50}{len(samples) / (requests + 50):>8.2f}{statistics.fmean(samples) * 1000:>9.3f}"
            f"{p99 * 1000:>9.3f}{samples[-1] * 1000:>9.3f}"
        )


async def _run(args: argparse.Namespace, made: dict[str, Any], token: str) -> None:
    from runtime.app import build_app

    app = build_app()
    plans = {
        "healthz": ["/healthz"],
        "document": [f"/api/v1/documents/{d}" for d in random.sample(made["doc_ids"], 2000)],
        "dossier": [f"/api/v1/dossiers/{c}" for c in random.sample(made["codes"], 2000)],
    }
    pauses: list[tuple[int, float]] = []
    gc.callbacks.append(partial(_gc_pause, pauses, {}))
    async with app.router.lifespan_context(app):  # as uvicorn runs it: gc.freeze() after start-up
        for name, paths in plans.items():
            pauses.clear()
            cpu, wall = await _measure(app, token, paths, args.requests, args.concurrency)
            longest = max((pause for _, pause in pauses), default=0) * 1000
            full = sum(generation == 2 for generation, _ in pauses)
            print(
                f"{name:<10} CPU {cpu:6.3f} ms/request, wall {wall:6.3f} ms ({args.requests} requests, "
                f"{args.concurrency} at a time, load {os.getloadavg()[0]:.1f}); "
                f"gc: {len(pauses)} passes ({full} full), {sum(p for _, p in pauses) * 1000:.1f} ms in all, "
                f"longest {longest:.2f} ms"
            )
        if args.statements:
            await _statement_times(app, token, plans[args.statements], args.requests)
        if args.profile:
            undo = _inline_thread_pool()
            profiler = cProfile.Profile(time.thread_time)  # CPU, not waits on the disk or the server
            profiler.enable()
            try:
                await _measure(app, token, plans[args.profile], args.requests, 1)
            finally:
                profiler.disable()
                undo()
            if args.dump:
                profiler.dump_stats(args.dump)
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(args.sort)
            stats.print_stats(args.lines)
            print(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    catalogue_options(parser)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--profile", choices=("healthz", "document", "dossier"))
    parser.add_argument("--statements", choices=("healthz", "document", "dossier"), help="time each SQL statement")
    parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative, tottime, ...")
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument("--dump", type=Path, help="write the profile there (pstats), for `pstats`' callers view")
    args = parser.parse_args()
    data_dir, made = prepared(args)
    if args.database == "postgresql":  # outside the embedded default the operator's key files (the owner's: prepare's)
        from tests.support.stack import operator_keys

        for setting, path in operator_keys(data_dir.parent / f"{data_dir.name}-keys").items():
            os.environ.setdefault(setting, path)
    token = _token(data_dir)
    gc.collect()
    asyncio.run(_run(args, made, token))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
