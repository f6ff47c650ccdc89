"""A signed PDF's fixed cost per request, in one process: the whole ASGI app (middlewares, routing, dependencies,
the route, the vault) against `Vault.stream_content` alone, in CPU time per read, for a 4 KiB and a 2 MB PDF.

`python -m bench.content_profile [--reads 300] [--profile tottime|cumulative]`: each read of the app follows one of
the vault alone, so both share the machine's load; "API's own" is the difference. With `--profile`, the functions a
4 KiB read through the app spends its CPU in (cProfile, the thread pool inlined). No sockets: what `sohoa serve`
adds (uvicorn's parsing, the socket) is `bench.stream_bench`'s to measure.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.app_profile import _inline_thread_pool, _scope

SIZES = {"4 KiB": 4096, "2 MB": 2 * 1024 * 1024}


async def _get(app: Any, path: str, token: str) -> int:
    """One GET through the app; the body's bytes counted, not kept (no copy on the client's side)."""
    status, delivered = 0, False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client never hangs up
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(_scope(path, token), receive, send)
    return status


def _vault_read(vault: Any, actor: Any, doc_id: str) -> None:
    with vault.stream_content(doc_id, actor)[1] as content:
        for _ in content:
            pass


async def _measure(app: Any, vault: Any, token: str, ids: dict[str, str], reads: int) -> None:
    from core.types import Actor, Role

    actor = Actor("bench", Role.ADMIN, purpose="bench")
    for label, doc_id in ids.items():
        path = f"/api/v1/documents/{doc_id}/content"
        alone = through = 0.0
        for n in range(reads + 20):  # the first 20: warm-up
            started = time.process_time()
            _vault_read(vault, actor, doc_id)
            middle = time.process_time()
            if await _get(app, path, token) != 200:
                raise RuntimeError(f"{path} was not served")
            if n >= 20:
                alone, through = alone + middle - started, through + time.process_time() - middle
        print(
            f"{label:>6}: CPU ms per read: app {through / reads * 1e3:.3f}, vault alone {alone / reads * 1e3:.3f}, "
            f"API's own {(through - alone) / reads * 1e3:.3f} (load {os.getloadavg()[0]:.1f})"
        )


async def _profile(app: Any, path: str, token: str, reads: int, order: str) -> None:
    undo = _inline_thread_pool()
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    try:
        for _ in range(reads):
            await _get(app, path, token)
    finally:
        profiler.disable()
        undo()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(50)
    print(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--profile", help="pstats order (tottime, cumulative) of a 4 KiB read's profile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sohoa-content-profile-") as tmp:
        from core.types import Actor, Role
        from tests.support.stack import SohoaStack

        stack = SohoaStack(Path(tmp) / "data", {})
        stack.data_dir.mkdir()
        os.environ["SOHOA_DATA_DIR"] = str(stack.data_dir)
        os.environ["SOHOA_API_JWT_PUBLIC_KEY_FILE"] = str(stack.issuer_public_key_file)
        stack.migrate()
        from runtime import catalogue as runtime
        from runtime.app import build_app
        from vault.records import NewDocument

        vault, admin = runtime.vault(), Actor("bench", Role.ADMIN)
        ids = {
            label: vault.store_document(
                NewDocument(owner_id="045190007777", name=label), b"%PDF-1.7\n" + random.randbytes(size), admin
            ).id
            for label, size in SIZES.items()
        }
        app, token = build_app(), stack.token(Role.ADMIN, "bench")

        async def run() -> None:
            async with app.router.lifespan_context(app):
                await _measure(app, vault, token, ids, args.reads)
                if args.profile:
                    await _profile(app, f"/api/v1/documents/{ids['4 KiB']}/content", token, args.reads, args.profile)

        asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
