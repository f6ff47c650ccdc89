"""Helpers the OCR benchmark runs as child processes: `measure` (run a command, print its resource use as JSON),
`raw` (plain Tesseract on image files, N at a time with OMP_THREAD_LIMIT=1, text files out) and `ocrmypdf`.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def measure(command: list[str]) -> int:
    """Run command; print wall seconds, CPU seconds (user+sys of all descendants) and peak RSS (MB) as JSON."""
    start = time.perf_counter()
    done = subprocess.run(command, check=False)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = {
        "returncode": done.returncode,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }
    print("MEASURE " + json.dumps(stats), flush=True)
    return 0


def raw(jobs: int, lang: str, out_dir: Path, images: list[Path]) -> int:
    """Tesseract on each image as is (no cleanup), `jobs` at a time, text to out_dir/<stem>.txt."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    out_dir.mkdir(parents=True, exist_ok=True)

    def one(image: Path) -> int:
        base = out_dir / image.stem
        return subprocess.run(
            ["tesseract", str(image), str(base), "-l", lang], env=env, capture_output=True, check=False
        ).returncode

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        codes = list(pool.map(one, images))
    return max(codes, default=0)


def ocrmypdf(args: list[str]) -> int:
    """OCRmyPDF's command line at this process's priority: its __main__ lowers it (os.nice(5)), which on a loaded
    machine would slow it against the runs it is compared with."""
    import multiprocessing

    from ocrmypdf.__main__ import run

    with contextlib.suppress(RuntimeError):
        multiprocessing.set_start_method("forkserver")  # as its __main__ does
    os.nice = lambda increment: os.getpriority(os.PRIO_PROCESS, 0)
    return int(run(args))


def main(argv: list[str]) -> int:
    if argv[:1] == ["ocrmypdf"]:
        return ocrmypdf(argv[1:])
    if argv[:1] == ["measure"]:
        return measure(argv[1:])
    if argv[:1] == ["raw"]:
        jobs, lang, out_dir, *images = argv[1:]
        return raw(int(jobs), lang, Path(out_dir), [Path(i) for i in images])
    print("usage: python -m bench.ocr_tools measure CMD... | raw JOBS LANG OUT_DIR IMAGES...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
