"""Tesseract on sohoa's text blocks against Tesseract's own layout analysis of the whole page, in one process:
the page pipeline run twice per page of a split, the two readings alternated (order flipped each page).

Usage: `python -m bench.ocr_blocks [--split tuning] [--pages 4]`. Prints CER by kind per corpus, and per page the
thread CPU of the engine calls ("Tesseract") and of the whole `process_page` (docs/ocr.md, "Eighth round").
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

import numpy as np

import ocr.page as page_module
from bench.corpora import CORPORA
from bench.ocr_check import corpus_pages
from bench.ocr_errors import ErrorKinds, classify
from ocr.engine import Box, RawWord, TesserocrEngine
from ocr.inputs import load_pages
from ocr.models import OcrOptions


class TimedEngine(TesserocrEngine):
    """tesserocr counting its thread CPU; `blocks=False` reads every page whole (PSM 3), as before blocks."""

    def __init__(self, blocks: bool) -> None:
        super().__init__()
        self.blocks = blocks
        self.cpu = 0.0

    def recognise(
        self, grey: np.ndarray, dpi: float, lang: str, timeout: int, blocks: Sequence[Box] | None = None
    ) -> list[RawWord]:
        start = time.thread_time()
        try:
            return super().recognise(grey, dpi, lang, timeout, blocks if self.blocks else None)
        finally:
            self.cpu += time.thread_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=["tuning", "check"], default="tuning")
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--corpora", default=",".join(CORPORA))
    args = parser.parse_args(argv)
    engines = {"whole page": TimedEngine(False), "blocks": TimedEngine(True)}
    totals = {name: ErrorKinds() for name in engines}
    cpu = dict.fromkeys(engines, 0.0)
    pages = 0
    for corpus in args.corpora.split(","):
        images, truths = corpus_pages(corpus, args.split, args.pages)
        kinds = {name: ErrorKinds() for name in engines}
        for image, truth in zip(images, truths, strict=True):
            page = load_pages([image])[0]
            order = list(engines) if pages % 2 == 0 else list(engines)[::-1]
            for name in order:
                page_module.get_engine = lambda _name, engine=engines[name]: engine  # type: ignore[misc]
                start = time.thread_time()
                result = page_module.process_page(page, OcrOptions())
                cpu[name] += time.thread_time() - start
                kinds[name].add(classify(truth, result.text))
            pages += 1
        for name in engines:
            totals[name].add(kinds[name])
            r = kinds[name].rates()
            print(
                f"{corpus:9} {name:10} CER {r['total']:.2%} diacritics {r['diacritics']:.2%} letters "
                f"{r['letters']:.2%} order {r['order']:.2%} invented {r['invented']:.2%}",
                flush=True,
            )
    for name, engine in engines.items():
        print(
            f"all       {name:10} CER {totals[name].rates()['total']:.2%} Tesseract {engine.cpu / pages:.2f} "
            f"page {cpu[name] / pages:.2f} CPU s/page"
        )
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
