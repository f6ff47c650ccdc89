"""Prometheus metrics of the pipeline: pages processed, each step's latency and its failures.

Defined here, below every stage, so that OCR (PDF/A assembly) and the Celery tasks count into the same families.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

STEPS = ("ocr", "pdfa", "sign", "store")
STEP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)

PAGES = Counter("sohoa_pipeline_pages_total", "Pages OCR'd by the pipeline (rate × 60: pages per minute)")
DOCUMENTS = Counter("sohoa_pipeline_documents_total", "Documents that ended their chain", ["outcome"])
STEP_SECONDS = Histogram(
    "sohoa_pipeline_step_seconds", "Time a pipeline step took when it succeeded", ["step"], buckets=STEP_BUCKETS
)
STEP_FAILURES = Counter(
    "sohoa_pipeline_step_failures_total", "Pipeline step attempts that failed, by outcome", ["step", "outcome"]
)
DOCUMENT_OUTCOMES = ("stored", "failed")
FAILURE_OUTCOMES = ("retried", "failed", "timed_out")

# Every labelled series exists at 0 from the start. A series born at its first increment has no earlier sample for
# rate() to compare with: the dashboard showed "0 documents per minute" and no step times after a worker's first
# batch (walked 1 Dec 2026 with a real Prometheus).
for _outcome in DOCUMENT_OUTCOMES:
    DOCUMENTS.labels(_outcome)
for _step in STEPS:
    STEP_SECONDS.labels(_step)
    for _outcome in FAILURE_OUTCOMES:
        STEP_FAILURES.labels(_step, _outcome)


@contextmanager
def timed_step(step: str) -> Iterator[None]:
    """Observe the block's duration under `step` when it returns (a raised fault is counted by its caller)."""
    started = time.perf_counter()
    yield
    STEP_SECONDS.labels(step).observe(time.perf_counter() - started)
