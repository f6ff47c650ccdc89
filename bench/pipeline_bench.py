"""End-to-end benchmark of the service: a batch of synthetic scans through `sohoa serve` and 2 worker
processes (upload, OCR, PDF/A, signing, vault), beside `sohoa ocr` on the same pages in the same run (the anchor).

Prints pages/min of both, the service's overhead (target ≤10%), and the peak RSS of each worker process
(target ≤600 MB on a 200-page batch). `python -m bench.pipeline_bench --pages 200`.
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

from api.client import StationClient
from bench.synthetic import generate_pages, write_pages
from core.types import Role
from tests.support.stack import SohoaStack
from tests.support.uploads import AGENCY, station_manifest


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_processes(group: int) -> list[int]:
    """Every process of a worker's process group (the Celery main process and its pool children)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == group:
                    pids.append(int(entry.name))
            except ProcessLookupError:
                continue
    return sorted(pids)


def run_anchor(images: list[Path], out: Path) -> float:
    start = time.perf_counter()
    command = [sys.executable, "-m", "cli", "ocr", *map(str, images), "-o", str(out), "--jobs", "2"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 3):
        raise RuntimeError(f"sohoa ocr failed: {done.stderr[-2000:]}")
    return time.perf_counter() - start


def run_service(
    images: list[Path], data_dir: Path, broker: str | None, per_document: int, page_threads: int
) -> tuple[float, dict[int, float], str]:
    env = {"SOHOA_INGEST_PAGE_THREADS": str(page_threads), "SOHOA_INGEST_MAX_PAGES": "1000"}
    if broker:
        env["SOHOA_INGEST_BROKER_URL"] = broker
    stack = SohoaStack(data_dir, env)
    data_dir.mkdir(parents=True)
    stack.start_server()
    worker = stack.start_worker(concurrency=2)
    try:
        client = StationClient(stack.url, stack.token(Role.STATION, "QT-01", agency=AGENCY), timeout=600)
        documents = [
            {
                "type_code": "TP",
                "name": f"Thành phần {n + 1}",
                "pages": f"{first + 1}-{min(first + per_document, len(images))}",
            }
            for n, first in enumerate(range(0, len(images), per_document))
        ]
        manifest = station_manifest("manifest", documents=documents)
        time.sleep(3)  # let the worker connect before the clock starts
        start = time.perf_counter()
        accepted = client.upload(images, manifest)
        final = client.wait(accepted["batch_id"], interval=0.5, timeout=7200)
        elapsed = time.perf_counter() - start
        rss = {pid: peak_rss_mb(pid) for pid in worker_processes(worker.pid)}
        return elapsed, rss, str(final["status"])
    finally:
        stack.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/8", help="'' for the embedded broker")
    parser.add_argument("--pages-per-document", type=int, default=10)
    parser.add_argument("--page-threads", type=int, default=1, help="SOHOA_INGEST_PAGE_THREADS of the workers")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sohoa-pipeline-bench-") as tmp:
        folder = Path(tmp)
        print(f"generating {args.pages} synthetic 300-dpi pages …", flush=True)
        images = write_pages(generate_pages(args.pages, seed=args.seed, blank_every=0), folder / "pages")
        anchor = run_anchor(images, folder / "anchor.pdf")
        service, rss, status = run_service(
            images, folder / "service", args.broker or None, args.pages_per_document, args.page_threads
        )
    anchor_ppm, service_ppm = args.pages / anchor * 60, args.pages / service * 60
    overhead = anchor_ppm / service_ppm - 1
    result = {
        "pages": args.pages,
        "pages_per_document": args.pages_per_document,
        "page_threads": args.page_threads,
        "broker": args.broker or "embedded",
        "sohoa_ocr_pages_per_min": round(anchor_ppm, 2),
        "service_pages_per_min": round(service_ppm, 2),
        "service_overhead": round(overhead, 4),
        "batch_status": status,
        "worker_peak_rss_mb": {str(pid): round(mb, 1) for pid, mb in rss.items()},
    }
    print(f"{'run':<34}{'wall s':>10}{'pages/min':>12}")
    print(f"{'sohoa ocr --jobs 2 (anchor)':<34}{anchor:>10.1f}{anchor_ppm:>12.2f}")
    print(f"{'sohoa serve + 2 workers':<34}{service:>10.1f}{service_ppm:>12.2f}")
    print(f"service overhead: {overhead:+.1%} (target ≤ +10%)  {'OK' if overhead <= 0.10 else 'MISSED'}")
    peak = max(rss.values(), default=0.0)
    print(f"peak RSS per worker process: {peak:.0f} MB (target ≤ 600 MB)  {'OK' if peak <= 600 else 'MISSED'}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
