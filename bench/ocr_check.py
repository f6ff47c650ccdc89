"""OCR benchmark on independent corpora (`bench/corpora.py`): sohoa, OCRmyPDF and raw Tesseract on the clean
renders (the floor) in the same run, per corpus of one split, with errors by kind and the issue's targets.

Usage: `python -m bench.ocr_check --split tuning|check [--pages 6] [--corpora project,augraphy,scanner,photo]
[--only-sohoa]`. Tune on `tuning`, quote `check`. Pages are cached under bench/results/corpora/ (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from bench.corpora import CORPORA, make_corpus
from bench.ocr_bench import (
    Run,
    image_pdf,
    ocrmypdf_command,
    run_pdf_tool,
    run_raw,
    sohoa_command,
)
from bench.ocr_errors import ErrorKinds, classify
from bench.synthetic import write_pages

HERE = Path(__file__).resolve().parent
TARGETS = {"cer": 0.6, "speed": 8.0, "cpu": 1.0, "bytes": 0.5}
FLOOR = "raw Tesseract, clean renders"


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


# (what, sohoa's field, anchor run, "higher is better"): the four comparisons, each against its anchor
COMPARISONS = (
    ("CER", "cer", "omp", False),
    ("pages/min", "pages_per_min", "omp", True),
    ("CPU s/page", "cpu_per_page", "floor", False),
    ("KB/page", "bytes_per_page", "omp", False),
)
TARGET_OF = {"cer": "cer", "pages_per_min": "speed", "cpu_per_page": "cpu", "bytes_per_page": "bytes"}


def verdicts(corpus: str, sohoa: dict, omp: dict | None, floor: dict | None) -> list[dict[str, object]]:
    """Per comparison: sohoa's figure, the anchor's (OCRmyPDF, or raw Tesseract on the clean renders for CPU),
    their ratio and whether the issue's target is met."""
    out: list[dict[str, object]] = []
    for what, key, anchor_name, higher in COMPARISONS:
        anchor = omp if anchor_name == "omp" else floor
        if not anchor or not anchor[key]:
            continue
        ratio = (sohoa[key] or 0.0) / anchor[key]
        target = TARGETS[TARGET_OF[key]]
        out.append(
            {
                "corpus": corpus,
                "what": what,
                "sohoa": sohoa[key],
                "anchor": anchor[key],
                "anchor_run": anchor["run"],
                "value": ratio,
                "target": f"{'>=' if higher else '<='} {target:g}",
                "met": ratio >= target if higher else ratio <= target,
            }
        )
    return out


def _figure(what: str, value: float) -> str:
    if what == "CER":
        return f"{value:.2%}"
    return f"{value / 1024:,.0f}" if what == "KB/page" else f"{value:.2f}"


def ratio_table(ratios: list[dict[str, object]]) -> str:
    head = f"{'corpus':<9} {'what':<11} {'sohoa':>8} {'anchor':>8} {'anchor run':<29} {'ratio':>6}  target"
    lines = [head, "-" * (len(head) + 12)]
    for r in ratios:
        what = str(r["what"])
        lines.append(
            f"{r['corpus']:<9} {what:<11} {_figure(what, float(r['sohoa'])):>8} "  # type: ignore[arg-type]
            f"{_figure(what, float(r['anchor'])):>8} {r['anchor_run']!s:<29} {r['value']:>6.2f}  "  # type: ignore[arg-type]
            f"{r['target']} {'met' if r['met'] else 'NOT met'}"
        )
    return "\n".join(lines)


def _anchor_rows(folder: Path, corpus: str, scan: Path) -> tuple[dict, dict] | None:
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


def _floor(corpus: str, images: list[Path], truths: list[str], work: Path, jobs: int) -> dict[str, object]:
    """Raw Tesseract on the clean renders of the corpus's pages: the CPU floor."""
    cleans = [image.with_suffix(".png") for image in images]
    floor_run, floor_texts = run_raw(FLOOR, cleans, work / "raw-clean", jobs, truths)
    return row(corpus, floor_run, kinds_of(truths, floor_texts))


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
        help="an earlier run's folder: take OCRmyPDF's row from it for byte-identical scans (when OCRmyPDF is too "
        "slow on a shared machine to run again; its speed is then from that run); the floor runs again here",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results" / f"ocr-check-{dt.datetime.now():%Y%m%d-%H%M%S}")
    args = parser.parse_args(argv)
    rows: list[dict[str, object]] = []
    ratios: list[dict[str, object]] = []
    for corpus in args.corpora.split(","):
        images, truths = corpus_pages(corpus, args.split, args.pages)
        work = args.out / corpus
        work.mkdir(parents=True, exist_ok=True)
        scan = image_pdf(images, work / "scan.pdf")
        out = work / "sohoa.pdf"
        run, texts = run_pdf_tool("sohoa ocr", sohoa_command(scan, out, args.jobs, work), out, truths)
        sohoa = row(corpus, run, kinds_of(truths, texts))
        rows.append(sohoa)
        omp = floor = None
        earlier = _anchor_rows(args.anchors, corpus, scan) if args.anchors else None
        if earlier:  # OCRmyPDF from the earlier run; the floor (cheap) again in this one, beside sohoa
            omp = earlier[0]
            floor = _floor(corpus, images, truths, work, args.jobs)
            rows += [omp, earlier[1], floor]
        elif not args.only_sohoa:
            omp_out = work / "ocrmypdf.pdf"
            omp_run, omp_texts = run_pdf_tool("OCRmyPDF", ocrmypdf_command(scan, omp_out, args.jobs), omp_out, truths)
            omp = row(corpus, omp_run, kinds_of(truths, omp_texts))
            floor = _floor(corpus, images, truths, work, args.jobs)
            rows += [omp, floor]
        ratios += verdicts(corpus, sohoa, omp, floor)
        print(table([r for r in rows if r["corpus"] == corpus]), flush=True)
        summary = {"split": args.split, "pages": args.pages, "jobs": args.jobs, "rows": rows, "ratios": ratios}
        (args.out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")  # after each corpus
    load = os.getloadavg()
    print(f"\nsplit {args.split}, {args.pages} pages per corpus, {args.jobs} jobs, results in {args.out}")
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    print(table(rows))
    print()
    print(ratio_table(ratios))
    summary = {"split": args.split, "pages": args.pages, "jobs": args.jobs, "rows": rows, "ratios": ratios}
    summary["load_average"] = list(load)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
