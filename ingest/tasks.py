"""Celery tasks of the pipeline: per document a chain of OCR, PDF/A assembly, signing and vault storage."""

from __future__ import annotations

from ingest.celery_app import celery_app


@celery_app.task(name="sohoa.ping")
def ping() -> str:
    """A no-op task used by readiness checks and tests to prove a worker consumes the broker."""
    return "pong"
