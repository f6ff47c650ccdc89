"""The long fuzzing run: every property of `tests/security/properties.py` with many random examples.

`python -m bench.fuzz [--examples N] [--seed S] [--only NAME]` prints, per property, the examples run and the
time taken; a failure prints hypothesis's smallest failing input and exits 1. CI runs the same properties with
40 deterministic examples each (`tests/security/test_fuzz.py`).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.security import properties as p

PROPERTIES: dict[str, tuple[Callable[..., None], tuple[st.SearchStrategy[Any], ...], int]] = {
    # name: (property, strategies, share of the examples: the readers cost more per example)
    "manifest": (p.check_manifest, (p.manifests(),), 4),
    "page-ranges": (p.check_page_ranges, (p.page_ranges, st.integers(1, 500)), 4),
    "identifiers": (p.check_identifier, (p.identifier_text,), 4),
    "zip": (p.check_zip, (p.zips(),), 2),
    "images": (lambda file: p.check_image(*file), (p.image_files(),), 1),
}


def run(name: str, examples: int, rng_seed: int | None) -> float:
    check, strategies, share = PROPERTIES[name]
    config = settings(
        max_examples=examples * share,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    test = config(given(*strategies)(check))
    if rng_seed is not None:
        test = seed(rng_seed)(test)
    started = time.perf_counter()
    test()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per property (x its share)")
    parser.add_argument("--seed", type=int, default=None, help="a fixed seed (default: random)")
    parser.add_argument("--only", choices=sorted(PROPERTIES), action="append")
    args = parser.parse_args(argv)
    failed = False
    for name in args.only or list(PROPERTIES):
        examples = args.examples * PROPERTIES[name][2]
        try:
            took = run(name, args.examples, args.seed)
        except Exception as exc:  # hypothesis has printed the falsifying example
            traceback.print_exc()
            print(f"{name:12} FAILED after its search: {type(exc).__name__}: {exc}", flush=True)
            failed = True
            continue
        print(f"{name:12} {examples:7d} examples  {took:7.1f} s  ok", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
