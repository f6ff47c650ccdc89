"""Archival image bytes against legibility, per encoding of the same levelled pages (issue #16: bytes/page at equal
legibility): each page goes through sohoa's pipeline once; its archived page, written into a PDF by `ocr.pdf` and
rendered by Poppler (`pdftoppm`) as a viewer shows it, is read again through the same pipeline.

Usage: `python -m bench.archive_check --split tuning [--pages 6] [--corpora augraphy,photo] [--encoders a,b]`.
Prints per corpus and encoding the image KB/page and the CER of reading the rendered archive again, with errors by
kind; keeps a 100-dpi render of each archived page in the results folder for a look.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

import ocr.page
from bench.archive_variants import ENCODERS, Encoder
from bench.ocr_bench import cer
from bench.ocr_check import corpus_pages, kinds_of
from core.types import DocumentInfo
from ocr.archive import encode_archival
from ocr.inputs import load_file
from ocr.models import ArchivalImage, Cleanup, OcrOptions, PageImage, PageResult
from ocr.pdf import assemble_pdf

HERE = Path(__file__).resolve().parent
Levelled = tuple[np.ndarray, PageImage, tuple[float, float]]


def levelled_pages(paths: list[Path], options: OcrOptions) -> list[Levelled]:
    """Each page through the pipeline, the image handed to the archival encoder captured (the pipeline's own)."""
    captured: list[Levelled] = []

    def capture(image, page, dpi, quality, untouched, mixed=True):  # type: ignore[no-untyped-def]
        captured.append((image, page, dpi))
        return encode_archival(image, page, dpi, quality, untouched, mixed)

    real = ocr.page.encode_archival
    ocr.page.encode_archival = capture  # type: ignore[assignment]
    try:
        for path in paths:
            ocr.page.process_page(load_file(path)[0], options)
    finally:
        ocr.page.encode_archival = real
    return captured


def rendered(archival: ArchivalImage, dpi: int) -> np.ndarray:
    """The archived page as a viewer shows it: a one-page PDF by `ocr.pdf`, rendered by `pdftoppm`."""
    result = PageResult(1, "archive", archival, (), "", (), Cleanup(), 0.0, 0.0)
    pdf = assemble_pdf([result], DocumentInfo(title="archive check"))
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "page.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "page.pdf", "page"], cwd=tmp, check=True)
        return np.asarray(Image.open(next(Path(tmp).glob("page*.png"))).convert("RGB"))


def reread(archival: ArchivalImage, page: PageImage, options: OcrOptions) -> str:
    dpi = round(archival.dpi[0])
    pixels = rendered(archival, dpi)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG", dpi=(dpi, dpi))
    again = PageImage(page.source, 1, out.getvalue(), "png", pixels.shape[1], pixels.shape[0], "RGB", (dpi, dpi))
    return ocr.page.process_page(again, options).text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=("tuning", "check"), default="tuning")
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--corpora", default="augraphy,photo")
    parser.add_argument("--encoders", default="")
    parser.add_argument("--out", type=Path, default=HERE / "results" / f"archive-{dt.datetime.now():%Y%m%d-%H%M%S}")
    args = parser.parse_args(argv)
    names = args.encoders.split(",") if args.encoders else list(ENCODERS)
    options = OcrOptions(lang="vie")
    args.out.mkdir(parents=True, exist_ok=True)
    print(
        f"{'corpus':<9} {'encoding':<18} {'KB/page':>8} {'CER':>7} {'diacr':>6} {'letters':>7} {'order':>6} {'inv':>6}"
    )
    for corpus in args.corpora.split(","):
        paths, truths = corpus_pages(corpus, args.split, args.pages)
        pages = levelled_pages(paths, options)
        for name in names:
            encoder: Encoder = ENCODERS[name]
            sizes, texts = [], []
            for index, (image, page, dpi) in enumerate(pages):
                archival = encoder(image, page, dpi, options.jpeg_quality, False)
                sizes.append(len(archival.data) + len(archival.mask))
                texts.append(reread(archival, page, options))
                Image.fromarray(rendered(archival, 100)).save(args.out / f"{corpus}-{index}-{name}.png")
            rates = kinds_of(truths, texts).rates()
            print(
                f"{corpus:<9} {name:<18} {sum(sizes) / len(sizes) / 1024:>8,.0f} {cer(truths, texts):>7.2%} "
                f"{rates['diacritics']:>6.2%} {rates['letters']:>7.2%} {rates['order']:>6.2%} {rates['invented']:>6.2%}"
                f"  KB by page {[round(s / 1024) for s in sizes]}",
                flush=True,
            )
    print(f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}; renders in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
