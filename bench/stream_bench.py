"""Streaming benchmark: MB/s of signed-PDF content through the API (`sohoa serve`) against the anchor, the same
verified read straight from the store without HTTP (`Vault.stream_content`: authorised, logged, hashed), in the same
run. Three clients: a raw socket, `wrk` (C; their own work is small, as a browser's) and httpx in this process
(Python: on 2 cores its own parsing competes with the server's, so its figure is lower). A Range row: a 64 KiB range
(pdf.js's request) of each object through the API, set against the store's full verified read of it. Beside the
rates, CPU milliseconds per read (the anchor's process; the server's process and the raw client's), which a busy
host changes far less than wall time: on a host whose cores are all taken, the ratio tends to the CPU ratio. The raw
client's time to the first byte of each reply splits its read in two: before the body (the request, the route, the
verified read: the anchor's work and the API's fixed cost) and the body's transfer.

Each store (the embedded folder store, S3 on a SeaweedFS started here) is measured in a process of its own; in each
round every object is read by the anchor and by the API clients in turn, so a change of the machine's load falls on
all alike; each figure is the median of the rounds, and each ratio a ratio of medians (the rounds' own spread beside).

`python -m bench.stream_bench [--stores local,s3 --blobs 8 --size-mb 2 --rounds 4]`; a small object's row, whose
time is the fixed cost of a request: `--size-mb 0.004` (4 KiB).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

OWNER = "045190007777"
PURPOSE = "gi%E1%BA%A3i%20quy%E1%BA%BFt%20h%E1%BB%93%20s%C6%A1"  # "giải quyết hồ sơ", URL-encoded
RANGE_BYTES = 64 * 1024  # pdf.js's range chunk
RANGE_REQUESTS = 5  # per object and round


def _cpu_seconds() -> float:
    """CPU seconds so far of this process, all threads, user and system."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _threads_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far of each thread of process `pid` (the scheduler's nanoseconds: /proc's ticks of 10 ms are
    too coarse for one read)."""
    found: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found[task.name] = int((task / "schedstat").read_text().split()[0]) / 1e9
        except (FileNotFoundError, ProcessLookupError):  # the thread ended meanwhile
            continue
    return found


def _cpu_since(pid: int, before: dict[str, float]) -> float:
    """CPU seconds the threads of `pid` used since `before` (a thread ended meanwhile is left out)."""
    return sum(used - before.get(tid, 0.0) for tid, used in _threads_cpu(pid).items())


def _store_blobs(blobs: int, size: int) -> list[str]:
    from core.types import Actor, Role
    from runtime import catalogue as runtime
    from vault.records import NewDocument

    vault = runtime.vault()
    admin = Actor("bench", Role.ADMIN)
    payload = b"%PDF-1.7\n" + random.randbytes(size)
    return [
        vault.store_document(
            NewDocument(owner_id=OWNER, name=f"Bản quét {n}"), payload + n.to_bytes(4, "big"), admin
        ).id
        for n in range(blobs)
    ]


def _store_read(vault: Any, actor: Any, doc_id: str) -> int:
    """The anchor: the vault's verified read of one object, as the API serves it (authorised, logged, hashed),
    without HTTP."""
    total = 0
    with vault.stream_content(doc_id, actor)[1] as content:
        for chunk in content:
            total += len(chunk)
    return total


def _httpx_read(client: httpx.Client, doc_id: str) -> int:
    total = 0
    with client.stream("GET", f"/api/v1/documents/{doc_id}/content") as response:
        response.raise_for_status()
        for chunk in response.iter_raw(1024 * 1024):
            total += len(chunk)
    return total


class RawClient:
    """A minimal keep-alive HTTP/1.1 client reading bodies with `recv_into` into one buffer: next to no work of its
    own (as a browser's network process), so the figure is the server's."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)))
        self.host, self.headers = f"{host}:{port}", "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.buffer = memoryview(bytearray(8 * 1024 * 1024))
        self.first_byte_s = 0.0  # the last request's time to its first byte (the reply's head)

    def get(self, path: str, byte_range: str | None = None) -> int:
        extra = f"Range: {byte_range}\r\n" if byte_range else ""
        sent = time.perf_counter()
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.headers}{extra}\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            got = self.sock.recv(65536)
            if not got:
                raise ConnectionError("the server closed the connection")
            if not head:
                self.first_byte_s = time.perf_counter() - sent
            head += got
        head, _, body = head.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 206" if byte_range else b"HTTP/1.1 200"):
            raise RuntimeError(head.split(b"\r\n")[0].decode())
        length = int(next(ln for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length:"))[15:])
        left = length - len(body)
        while left > 0:
            count = self.sock.recv_into(self.buffer, min(left, len(self.buffer)))
            if not count:
                raise ConnectionError("the reply broke off")
            left -= count
        return length

    def close(self) -> None:
        self.sock.close()


WRK_SCRIPT = """
local paths = {%s}
local n = 0
wrk.headers["Authorization"] = "Bearer %s"
wrk.headers["X-Purpose"] = "%s"
request = function() n = n + 1; return wrk.format("GET", paths[(n %% #paths) + 1]) end
done = function(summary, latency, requests)
  io.write(string.format("WRK %%d %%d %%d\\n", summary.bytes, summary.duration,
    summary.errors.status + summary.errors.read + summary.errors.connect + summary.errors.timeout))
end
"""


def _wrk_round(url: str, token: str, blob_ids: list[str], folder: Path, seconds: int) -> tuple[int, float]:
    """The same downloads from `wrk` (C, one connection, one after the other): a client whose own work does not
    take the 2 cores from the server, as a browser's would not."""
    paths = ",".join(f'"/api/v1/documents/{doc_id}/content"' for doc_id in blob_ids)
    script = folder / "stream.lua"
    script.write_text(WRK_SCRIPT % (paths, token, PURPOSE))
    command = ["wrk", "-t1", "-c1", f"-d{seconds}s", "--timeout", "30s", "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")
    got, micros, errors = (int(v) for v in line.split()[1:])
    if errors:
        raise RuntimeError(f"wrk saw {errors} failed downloads")
    return got, micros / 1e6


def _s3_env(folder: Path) -> tuple[Any, dict[str, str]]:
    from tests.support.s3server import SeaweedServer

    server = SeaweedServer(folder / "seaweed")
    server.start()
    endpoint = server.endpoint
    return server, {
        "SOHOA_VAULT_S3_ENDPOINT": endpoint.endpoint,
        "SOHOA_VAULT_S3_ACCESS_KEY": endpoint.access_key,
        "SOHOA_VAULT_S3_SECRET_KEY": endpoint.secret_key,
        "SOHOA_VAULT_S3_BUCKET": "sohoa-stream-bench",
    }


def measure(store: str, blobs: int, size_mb: float, rounds: int) -> dict[str, Any]:
    from core.types import Role
    from tests.support.stack import SohoaStack

    size = int(size_mb * 1024 * 1024)
    with tempfile.TemporaryDirectory(prefix="sohoa-stream-bench-") as tmp:
        folder = Path(tmp)
        data_dir = folder / "data"
        data_dir.mkdir()
        server, env = _s3_env(folder) if store == "s3" else (None, {})
        try:
            stack = SohoaStack(data_dir, env)
            if env:  # outside the embedded default: the operator's key files, the same ones the server is given
                env.update(stack.keys())
            os.environ.update({**env, "SOHOA_DATA_DIR": str(data_dir)})
            stack.migrate()
            blob_ids = _store_blobs(blobs, size)
            stack.start_server(timeout=300)
            try:
                token = stack.token(Role.ADMIN, "bench")
                headers = {"Authorization": f"Bearer {token}", "X-Purpose": PURPOSE}
                assert stack.server is not None
                rounds_seen = _measure_rounds(
                    stack.url, headers, token, blob_ids, folder, rounds, size, stack.server.pid
                )
            finally:
                stack.stop()
        finally:
            if server is not None:
                server.stop()
    return summary(store, rounds_seen, size)


def summary(store: str, rounds_seen: list[dict[str, list[float]]], size: int) -> dict[str, Any]:
    """Each client's median MB/s over the rounds and the ratio of medians to the store's; the spread of the rounds'
    own ratios beside it; the median milliseconds per read of an object of `size` bytes (store, raw client, httpx);
    the Range row: a 64 KiB range through the API against the store's full verified read."""
    rates = {
        name: statistics.median(r[name][0] / r[name][1] / 1e6 for r in rounds_seen)
        for name in rounds_seen[0]
        if not name.startswith(("range", "cpu", "first"))
    }
    result: dict[str, Any] = {"store": store, **{f"{name}_mb_s": round(rate, 1) for name, rate in rates.items()}}
    for name in ("store", "raw", "httpx"):  # per read: what a small object's row is read by (its fixed cost)
        result[f"{name}_read_ms"] = round(
            statistics.median(r[name][1] / r[name][0] * size * 1e3 for r in rounds_seen), 3
        )
    result["raw_first_byte_ms"] = round(  # the reply's head: everything before the body (request, route, read)
        statistics.median(r["first_byte"][1] / r["range_full"][0] * 1e3 for r in rounds_seen), 3
    )
    for name in ("raw", "wrk", "httpx"):
        if name in rates:
            each = [(r[name][0] / r[name][1]) / (r["store"][0] / r["store"][1]) for r in rounds_seen]
            result[f"{name}_ratio"] = round(rates[name] / rates["store"], 2)
            result[f"{name}_ratio_spread"] = (round(min(each), 2), round(max(each), 2))
    range_ms = statistics.median(r["range"][1] / r["range"][0] * 1e3 for r in rounds_seen)
    full_ms = statistics.median(r["range_full"][1] / r["range_full"][0] * 1e3 for r in rounds_seen)
    result.update(range_ms=round(range_ms, 2), full_read_ms=round(full_ms, 1), range_ratio=round(full_ms / range_ms, 1))
    reads = sum(r["range_full"][0] for r in rounds_seen)
    for name in ("cpu_store", "cpu_server", "cpu_client"):
        result[f"{name}_ms"] = round(sum(r[name][1] for r in rounds_seen) / reads * 1e3, 1)
    return result


def _measure_rounds(
    url: str,
    headers: dict[str, str],
    token: str,
    blob_ids: list[str],
    folder: Path,
    rounds: int,
    size: int,
    server_pid: int,
) -> list[dict[str, list[float]]]:
    """Per round: each object read straight from the store, then through the API by the raw client and by httpx,
    one after the other (so a change of load falls on all three alike), then a 64 KiB range of it through the API
    (raw client, as pdf.js asks: "range" counts requests and seconds, "range_full" the store's full reads they are
    set against); then `wrk` for 3 s. "cpu_store" sums the CPU seconds of this process over the anchor's reads,
    "cpu_server" and "cpu_client" those of the server's process and of this one over the raw client's."""
    from core.types import Actor, Role
    from runtime import catalogue as runtime

    vault = runtime.vault()
    actor = Actor("bench", Role.ADMIN, purpose="bench")
    raw = RawClient(url, headers)
    seen: list[dict[str, list[float]]] = []
    middle = size // 2 // RANGE_BYTES * RANGE_BYTES  # where pdf.js reads a page: a 64 KiB-aligned chunk
    wanted = f"bytes={middle}-{middle + RANGE_BYTES - 1}"
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        reads = {
            "store": lambda d: _store_read(vault, actor, d),
            "raw": lambda d: raw.get(f"/api/v1/documents/{d}/content"),
            "httpx": lambda d: _httpx_read(client, d),
        }
        for doc_id in blob_ids[:2]:  # warm-up, not measured: first imports, pools, page cache
            for read in reads.values():
                read(doc_id)
        for _ in range(rounds):
            names = (*reads, "first_byte", "range", "range_full", "cpu_store", "cpu_server", "cpu_client")
            sums: dict[str, list[float]] = {name: [0, 0.0] for name in names}
            for doc_id in blob_ids:
                for name, read in reads.items():
                    own, server = _cpu_seconds(), _threads_cpu(server_pid)
                    start = time.perf_counter()
                    sums[name][0] += read(doc_id)
                    sums[name][1] += time.perf_counter() - start
                    if name == "store":
                        sums["cpu_store"][1] += _cpu_seconds() - own
                    elif name == "raw":
                        sums["first_byte"][1] += raw.first_byte_s
                        sums["cpu_client"][1] += _cpu_seconds() - own
                        sums["cpu_server"][1] += _cpu_since(server_pid, server)
                for _ in range(RANGE_REQUESTS):
                    start = time.perf_counter()
                    raw.get(f"/api/v1/documents/{doc_id}/content", wanted)
                    sums["range"][1] += time.perf_counter() - start
                    sums["range"][0] += 1
            sums["range_full"] = [len(blob_ids), sums["store"][1]]
            if shutil.which("wrk"):
                sums["wrk"] = list(_wrk_round(url, token, blob_ids, folder, 3))
            seen.append(sums)
    raw.close()
    return seen


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stores", default="local,s3", help="local, s3 or both")
    parser.add_argument("--blobs", type=int, default=8)
    parser.add_argument("--size-mb", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--json", type=Path, help="append each store's figures to this file (one JSON per line)")
    args = parser.parse_args(argv)
    stores = args.stores.split(",")
    if len(stores) > 1:  # each in a process of its own: settings and the vault are made once per process
        for store in stores:
            others = [f"--blobs={args.blobs}", f"--size-mb={args.size_mb}", f"--rounds={args.rounds}"]
            others += [f"--json={args.json}"] if args.json else []
            subprocess.run([sys.executable, "-m", "bench.stream_bench", *others, f"--stores={store}"], check=True)
        return 0
    result = measure(stores[0], args.blobs, args.size_mb, args.rounds)
    load = os.getloadavg()
    clients = [
        f"API ({name}) {result[f'{name}_mb_s']} MB/s, ratio of medians {result[f'{name}_ratio']:.2f} "
        f"(rounds {result[f'{name}_ratio_spread'][0]:.2f}-{result[f'{name}_ratio_spread'][1]:.2f})"
        for name in ("raw", "wrk", "httpx")
        if f"{name}_mb_s" in result
    ]
    where = f"(load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores)"
    print(
        f"{result['store']:>5}: {args.blobs} × {args.size_mb:g} MB, {args.rounds} rounds, medians: "
        f"store {result['store_mb_s']} MB/s; " + "; ".join(clients) + f" {where}"
    )
    print(
        f"{result['store']:>5}: ms per {args.size_mb:g} MB read (medians): store {result['store_read_ms']}; API raw "
        f"client {result['raw_read_ms']} (its first byte after {result['raw_first_byte_ms']}), httpx "
        f"{result['httpx_read_ms']} {where}"
    )
    print(
        f"{result['store']:>5}: Range 64 KiB of {args.size_mb:g} MB through the API {result['range_ms']} ms against "
        f"the store's full verified read {result['full_read_ms']} ms: {result['range_ratio']}× {where}"
    )
    print(
        f"{result['store']:>5}: CPU per {args.size_mb:g} MB read: store {result['cpu_store_ms']} ms; API (raw) server "
        f"{result['cpu_server_ms']} ms + client {result['cpu_client_ms']} ms {where}"
    )
    if args.json:
        with args.json.open("a") as out:
            out.write(json.dumps({**result, "load": load[0]}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
