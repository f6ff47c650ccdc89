"""OCR benchmark: sohoa against OCRmyPDF on the same synthetic degraded pages, plus raw Tesseract on the
degraded pages and on their clean renders (the floor); prints speed, CPU, memory, CER, size and the ratios.

OCRmyPDF runs from its own virtualenv (`bench/.venv-ocrmypdf`, made here on first use) so that it never touches
the project's pinned pikepdf. Usage: `python -m bench.ocr_bench [--pages 20] [--jobs 2] [--seed 7]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from bench.synthetic import generate_pages, normalise_text, write_pages

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = ROOT / ".venv" / "bin"  # OCRmyPDF 17 and img2pdf come with the `bench` extra (`make bench-ocr`)
OCRMYPDF_FLAGS = ["-l", "vie", "--deskew", "--clean", "--rotate-pages", "--output-type", "pdfa"]
# Every run at the machine's normal priority: OCRmyPDF's own os.nice(5) (in its __main__) is neutralised by
# `bench.ocr_tools ocrmypdf`, so that wall-clock speeds compare like with like on a shared machine.
TARGETS = {"speed": 5.0, "cpu": 1.5, "cer": 0.6, "bytes": 1.0}


@dataclass
class Run:
    name: str
    pages: int
    wall: float
    cpu: float
    peak_rss_mb: float
    cer: float
    cer_text_pages: float
    bytes_per_page: float | None

    @property
    def pages_per_min(self) -> float:
        return self.pages / self.wall * 60

    @property
    def cpu_per_page(self) -> float:
        return self.cpu / self.pages


def ensure_ocrmypdf() -> Path:
    """OCRmyPDF from the bench extra; unpaper (for --clean) and Ghostscript must be on the PATH."""
    exe = BIN / "ocrmypdf"
    if not exe.exists():
        sys.exit("OCRmyPDF is missing: install the bench extra (make bench-ocr, or uv sync --extra bench)")
    if shutil.which("unpaper") is None:
        sys.exit("OCRmyPDF --clean needs unpaper: apt-get install unpaper")
    if shutil.which("gs") is None:  # OCRmyPDF 17 refuses --output-type pdfa without it, even when unused
        sys.exit("OCRmyPDF --output-type pdfa needs Ghostscript: apt-get install ghostscript")
    return exe


def image_pdf(images: list[Path], scan: Path) -> Path:
    """The image-only PDF both tools get (JPEGs embedded as they are; no date, so reruns are byte-identical)."""
    subprocess.run([str(BIN / "img2pdf"), "--nodate", *map(str, images), "-o", str(scan)], check=True)
    return scan


def sohoa_command(scan: Path, out: Path, jobs: int, work: Path) -> list[str]:
    report, sidecar = work / "sohoa-report.json", work / "sohoa.txt"
    return [
        *(str(BIN / "sohoa"), "ocr", str(scan), "-o", str(out), "--lang", "vie", "--jobs", str(jobs)),
        *("--report", str(report), "--sidecar", str(sidecar)),
    ]


def ocrmypdf_command(scan: Path, out: Path, jobs: int) -> list[str]:
    ensure_ocrmypdf()
    return [
        sys.executable,
        "-m",
        "bench.ocr_tools",
        "ocrmypdf",
        *OCRMYPDF_FLAGS,
        "--jobs",
        str(jobs),
        str(scan),
        str(out),
    ]


def measured(command: list[str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.ocr_tools", "measure", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("MEASURE "))
    stats: dict[str, float] = json.loads(line.removeprefix("MEASURE "))
    if stats["returncode"] not in (0, 3):
        sys.exit(f"{command[0]} failed ({stats['returncode']}): {done.stderr[-2000:]}")
    return stats


def cer(truths: list[str], outputs: list[str]) -> float:
    """Character error rate over all pages: edits / reference characters, after NFC and whitespace collapsing."""
    edits = sum(
        Levenshtein.distance(normalise_text(t), normalise_text(o)) for t, o in zip(truths, outputs, strict=True)
    )
    return edits / max(1, sum(len(normalise_text(t)) for t in truths))


def cer_pair(truths: list[str], outputs: list[str]) -> tuple[float, float]:
    """CER over all pages, and over the pages that have text (what a blank page's invented text costs aside)."""
    text_pages = [(t, o) for t, o in zip(truths, outputs, strict=True) if t.strip()]
    return cer(truths, outputs), cer([t for t, _ in text_pages], [o for _, o in text_pages])


def pdf_pages_text(pdf: Path, pages: int) -> list[str]:
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    parts = text.stdout.decode("utf-8").split("\f")
    return (parts + [""] * pages)[:pages]


def run_pdf_tool(name: str, command: list[str], out: Path, truths: list[str]) -> tuple[Run, list[str]]:
    """Run a tool that writes the PDF `out`; its resource use, CER and size, and each page's text."""
    stats = measured(command)
    n = len(truths)
    texts = pdf_pages_text(out, n)
    all_pages, text_pages = cer_pair(truths, texts)
    run = Run(name, n, stats["wall"], stats["cpu"], stats["peak_rss_mb"], all_pages, text_pages, out.stat().st_size / n)
    return run, texts


def run_raw(name: str, images: list[Path], out_dir: Path, jobs: int, truths: list[str]) -> tuple[Run, list[str]]:
    """Plain Tesseract on each image (`jobs` at a time), at the same niceness as the other runs."""
    stats = measured(
        [sys.executable, "-m", "bench.ocr_tools", "raw", str(jobs), "vie", str(out_dir), *map(str, images)]
    )
    texts = [(out_dir / f"{image.stem}.txt").read_text(encoding="utf-8") for image in images]
    all_pages, text_pages = cer_pair(truths, texts)
    run = Run(name, len(images), stats["wall"], stats["cpu"], stats["peak_rss_mb"], all_pages, text_pages, None)
    return run, texts


def table(runs: list[Run]) -> str:
    head = (
        f"{'run':<38} {'pages/min':>9} {'CPU s/page':>10} {'peak RSS MB':>11} {'CER':>7} "
        f"{'CER text pages':>14} {'bytes/page':>11}"
    )
    rows = [head, "-" * len(head)]
    for r in runs:
        size = f"{r.bytes_per_page:,.0f}" if r.bytes_per_page is not None else "-"
        rows.append(
            f"{r.name:<38} {r.pages_per_min:>9.1f} {r.cpu_per_page:>10.2f} {r.peak_rss_mb:>11.0f} "
            f"{r.cer:>7.2%} {r.cer_text_pages:>14.2%} {size:>11}"
        )
    return "\n".join(rows)


def ratios(sohoa: Run, ocrmypdf: Run, floor: Run) -> list[tuple[str, float, str, bool]]:
    speed = sohoa.pages_per_min / ocrmypdf.pages_per_min
    cpu = sohoa.cpu_per_page / floor.cpu_per_page
    cer_ratio = sohoa.cer / ocrmypdf.cer if ocrmypdf.cer else float("inf")
    size = (sohoa.bytes_per_page or 0) / (ocrmypdf.bytes_per_page or 1)
    return [
        ("pages/min sohoa / OCRmyPDF", speed, f">= {TARGETS['speed']}", speed >= TARGETS["speed"]),
        ("CPU s/page sohoa / raw Tesseract clean", cpu, f"<= {TARGETS['cpu']}", cpu <= TARGETS["cpu"]),
        ("CER sohoa / OCRmyPDF", cer_ratio, f"<= {TARGETS['cer']}", cer_ratio <= TARGETS["cer"]),
        ("bytes/page sohoa / OCRmyPDF", size, f"<= {TARGETS['bytes']}", size <= TARGETS["bytes"]),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=HERE / "results" / f"ocr-{dt.datetime.now():%Y%m%d-%H%M%S}")
    args = parser.parse_args(argv)

    work = args.out
    pages = generate_pages(args.pages, seed=args.seed)
    images = write_pages(pages, work / "pages")
    truths = [p.truth for p in pages]
    scan = image_pdf(images, work / "scan.pdf")
    print(f"{len(pages)} pages at 300 dpi in {work}; {args.jobs} jobs", flush=True)

    sohoa_out, omp_out = work / "sohoa.pdf", work / "ocrmypdf.pdf"
    runs = [run_pdf_tool("sohoa ocr", sohoa_command(scan, sohoa_out, args.jobs, work), sohoa_out, truths)[0]]
    print(table(runs), flush=True)
    runs.append(run_pdf_tool("OCRmyPDF", ocrmypdf_command(scan, omp_out, args.jobs), omp_out, truths)[0])
    runs.append(run_raw("raw Tesseract, degraded pages", images, work / "raw-degraded", args.jobs, truths)[0])
    cleans = [image.with_suffix(".png") for image in images]
    runs.append(run_raw("raw Tesseract, clean renders (floor)", cleans, work / "raw-clean", args.jobs, truths)[0])

    print()
    print(table(runs))
    print()
    results = ratios(runs[0], runs[1], runs[3])
    for label, value, target, ok in results:
        print(f"{label:<40} {value:>7.2f}  target {target:<7} {'met' if ok else 'NOT met'}")
    summary = {
        "pages": args.pages,
        "jobs": args.jobs,
        "seed": args.seed,
        "runs": [r.__dict__ | {"pages_per_min": r.pages_per_min, "cpu_per_page": r.cpu_per_page} for r in runs],
        "ratios": [{"what": a, "value": b, "target": c, "met": d} for a, b, c, d in results],
    }
    (work / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
