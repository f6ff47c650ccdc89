"""OCR benchmark on independent corpora (`bench/corpora.py`): sohoa, OCRmyPDF and raw Tesseract on the clean
renders (the floor) in the same run, per corpus of one split, with errors by kind and the issue's targets.

Usage: `python -m bench.ocr_check --split tuning|check [--pages 6] [--corpora project,augraphy,scanner,photo]
[--only-sohoa]`. Tune on `tuning`, quote `check`. Pages are cached under bench/results/corpora/ (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from bench.corpora import CORPORA, make_corpus
from bench.ocr_bench import (
    OCRMYPDF_FLAGS,
    OCRMYPDF_VENV,
    ROOT,
    Run,
    cer_pair,
    ensure_ocrmypdf,
    measured,
    pdf_pages_text,
)
from bench.ocr_errors import ErrorKinds, classify
from bench.synthetic import write_pages

HERE = Path(__file__).resolve().parent
# OCRmyPDF lowers its own priority (os.nice(5) in its __main__); on a shared machine the others run at the
# same niceness, so that wall-clock speeds compare like with like.
NICE = ["nice", "-n", "5"]
TARGETS = {"cer": 0.6, "speed": 8.0, "cpu": 1.0}


def corpus_pages(name: str, split: str, count: int) -> tuple[list[Path], list[str]]:
    """The corpus written once (JPEGs, clean PNGs, truths) and reused: generation is slow (augraphy)."""
    folder = HERE / "results" / "corpora" / f"{split}-{name}-{count}"
    jpegs = [folder / f"page-{i:03d}.jpg" for i in range(count)]
    if not all(p.exists() and p.with_suffix(".txt").exists() for p in jpegs):
        write_pages(make_corpus(name, split, count), folder)
    return jpegs, [p.with_suffix(".txt").read_text(encoding="utf-8") for p in jpegs]


def kinds_of(truths: list[str], outputs: list[str]) -> ErrorKinds:
    total = ErrorKinds()
    for truth, output in zip(truths, outputs, strict=True):
        total.add(classify(truth, output))
    return total


def run_tool(name: str, command: list[str], out: Path, truths: list[str]) -> tuple[Run, ErrorKinds]:
    stats = measured(command)
    texts = pdf_pages_text(out, len(truths))
    all_pages, text_pages = cer_pair(truths, texts)
    size = out.stat().st_size / len(truths)
    run = Run(name, len(truths), stats["wall"], stats["cpu"], stats["peak_rss_mb"], all_pages, text_pages, size)
    return run, kinds_of(truths, texts)


def run_floor(images: list[Path], out_dir: Path, jobs: int, truths: list[str]) -> tuple[Run, ErrorKinds]:
    cleans = [image.with_suffix(".png") for image in images]
    stats = measured(
        [*NICE, sys.executable, "-m", "bench.ocr_tools", "raw", str(jobs), "vie", str(out_dir), *map(str, cleans)]
    )
    texts = [(out_dir / f"{image.stem}.txt").read_text(encoding="utf-8") for image in cleans]
    all_pages, text_pages = cer_pair(truths, texts)
    run = Run(
        "raw Tesseract, clean renders",
        len(truths),
        stats["wall"],
        stats["cpu"],
        stats["peak_rss_mb"],
        all_pages,
        text_pages,
        None,
    )
    return run, kinds_of(truths, texts)


def row(corpus: str, run: Run, kinds: ErrorKinds) -> dict[str, object]:
    rates = kinds.rates()
    return {
        "corpus": corpus,
        "run": run.name,
        "pages": run.pages,
        "pages_per_min": run.pages_per_min,
        "cpu_per_page": run.cpu_per_page,
        "cer": run.cer,
        "bytes_per_page": run.bytes_per_page,
        "diacritics": rates["diacritics"],
        "letters": rates["letters"],
        "order": rates["order"],
        "invented": rates["invented"],
    }


def table(rows: list[dict[str, object]]) -> str:
    head = (
        f"{'corpus':<9} {'run':<29} {'pg/min':>6} {'CPU s/pg':>8} {'CER':>7} {'diacr':>6} {'letters':>7} "
        f"{'order':>6} {'invent':>6} {'KB/page':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        size = f"{r['bytes_per_page'] / 1024:,.0f}" if r["bytes_per_page"] else "-"  # type: ignore[operator]
        lines.append(
            f"{r['corpus']:<9} {r['run']:<29} {r['pages_per_min']:>6.1f} {r['cpu_per_page']:>8.2f} {r['cer']:>7.2%} "
            f"{r['diacritics']:>6.2%} {r['letters']:>7.2%} {r['order']:>6.2%} {r['invented']:>6.2%} {size:>8}"
        )
    return "\n".join(lines)


def verdicts(corpus: str, sohoa: dict, omp: dict | None, floor: dict | None) -> list[dict[str, object]]:  # type: ignore[type-arg]
    out: list[dict[str, object]] = []
    if omp:
        cer = sohoa["cer"] / omp["cer"] if omp["cer"] else float("inf")
        speed = sohoa["pages_per_min"] / omp["pages_per_min"]
        size = (sohoa["bytes_per_page"] or 0) / (omp["bytes_per_page"] or 1)
        out += [
            {"corpus": corpus, "what": "CER sohoa / OCRmyPDF", "value": cer, "target": "<= 0.6", "met": cer <= 0.6},
            {
                "corpus": corpus,
                "what": "pages/min sohoa / OCRmyPDF",
                "value": speed,
                "target": ">= 8",
                "met": speed >= 8,
            },
            {
                "corpus": corpus,
                "what": "bytes/page sohoa / OCRmyPDF",
                "value": size,
                "target": "<= 0.5",
                "met": size <= 0.5,
            },
        ]
    if floor:
        cpu = sohoa["cpu_per_page"] / floor["cpu_per_page"]
        out.append(
            {"corpus": corpus, "what": "CPU s/page sohoa / floor", "value": cpu, "target": "<= 1", "met": cpu <= 1}
        )
    return out


def _anchor_rows(folder: Path, corpus: str, scan: Path) -> tuple[dict, dict] | None:  # type: ignore[type-arg]
    """OCRmyPDF's and the floor's rows of `corpus` from an earlier run whose scan.pdf is byte-identical."""
    summary = folder / "summary.json"
    if not summary.exists() or (folder / corpus / "scan.pdf").read_bytes() != scan.read_bytes():
        return None
    rows = [r for r in json.loads(summary.read_text(encoding="utf-8"))["rows"] if r["corpus"] == corpus]
    omp = next((r for r in rows if r["run"] == "OCRmyPDF"), None)
    floor = next((r for r in rows if r["run"].startswith("raw Tesseract")), None)
    if omp is None or floor is None:
        return None
    return omp | {"run": "OCRmyPDF (anchor run)"}, floor | {"run": "raw Tesseract clean (anchor)"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=["tuning", "check"], required=True)
    parser.add_argument("--pages", type=int, default=6, help="pages per corpus")
    parser.add_argument("--corpora", default=",".join(CORPORA))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only-sohoa", action="store_true", help="skip OCRmyPDF and the floor (for tuning)")
    parser.add_argument(
        "--anchors",
        type=Path,
        help="an earlier run's folder: take OCRmyPDF's and the floor's rows from it for byte-identical scans "
        "(when OCRmyPDF is too slow on a shared machine to run again; its speed is then from that run)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results" / f"ocr-check-{dt.datetime.now():%Y%m%d-%H%M%S}")
    args = parser.parse_args(argv)
    ocrmypdf = ensure_ocrmypdf()
    rows: list[dict[str, object]] = []
    ratios: list[dict[str, object]] = []
    for corpus in args.corpora.split(","):
        images, truths = corpus_pages(corpus, args.split, args.pages)
        work = args.out / corpus
        work.mkdir(parents=True, exist_ok=True)
        scan = work / "scan.pdf"
        subprocess.run(
            [str(OCRMYPDF_VENV / "bin" / "img2pdf"), "--nodate", *map(str, images), "-o", str(scan)], check=True
        )
        out = work / "sohoa.pdf"
        cmd = [
            *NICE,
            str(ROOT / ".venv" / "bin" / "sohoa"),
            "ocr",
            str(scan),
            "-o",
            str(out),
            "--lang",
            "vie",
            "--jobs",
            str(args.jobs),
            "--report",
            str(work / "sohoa-report.json"),
            "--sidecar",
            str(work / "sohoa.txt"),
        ]
        run, kinds = run_tool("sohoa ocr", cmd, out, truths)
        sohoa = row(corpus, run, kinds)
        rows.append(sohoa)
        omp = floor = None
        earlier = _anchor_rows(args.anchors, corpus, scan) if args.anchors else None
        if earlier:
            omp, floor = earlier
            rows += [omp, floor]
        elif not args.only_sohoa:
            omp_out = work / "ocrmypdf.pdf"
            omp_cmd = [str(ocrmypdf), *OCRMYPDF_FLAGS, "--jobs", str(args.jobs), str(scan), str(omp_out)]
            omp = row(corpus, *run_tool("OCRmyPDF", omp_cmd, omp_out, truths))
            floor = row(corpus, *run_floor(images, work / "raw-clean", args.jobs, truths))
            rows += [omp, floor]
        ratios += verdicts(corpus, sohoa, omp, floor)
        print(table([r for r in rows if r["corpus"] == corpus]), flush=True)
        summary = {"split": args.split, "pages": args.pages, "jobs": args.jobs, "rows": rows, "ratios": ratios}
        (args.out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")  # after each corpus
    print(f"\nsplit {args.split}, {args.pages} pages per corpus, {args.jobs} jobs, results in {args.out}\n")
    print(table(rows))
    print()
    for r in ratios:
        print(
            f"{r['corpus']:<9} {r['what']:<30} {r['value']:>6.2f}  target {r['target']:<6} "
            f"{'met' if r['met'] else 'NOT met'}"
        )
    summary = {"split": args.split, "pages": args.pages, "jobs": args.jobs, "rows": rows, "ratios": ratios}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
