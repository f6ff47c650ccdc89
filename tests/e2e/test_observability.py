"""One batch followed through the logs and the metrics: `sohoa serve` and `sohoa worker` as separate processes on
Redis, logging JSON. Every line about the batch, from the API's acceptance to each task's step, carries the request
id the station sent; no line holds the owner's personal ID number; the worker's metrics endpoint counts the pages and
each step (OCR, PDF/A, sign, store) and both endpoints report the queue's depth read from the broker.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.client import StationClient
from core.types import Role
from tests.e2e.conftest import AGENCY, OWNER, ScanSet
from tests.e2e.test_pipeline import _manifest, _stack_env
from tests.support.pki import RunningPki, free_port
from tests.support.stack import SohoaStack

# The broker is the xdist worker's own Redis database (tests/conftest.py); RabbitMQ's one `celery` queue is kept to
# one worker by the `rabbitmq` group of `any_broker` (tests/e2e/conftest.py).
pytestmark = pytest.mark.slow


def _samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(url, timeout=30).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _json_lines(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The log's JSON events, and its other lines (Celery's start-up banner goes to stdout as plain text)."""
    events, other = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            other.append(line)
    return events, other


def test_a_batch_carries_its_request_id_from_upload_to_vault_and_is_counted(
    tmp_path: Path, pki: RunningPki, broker: str, scan_set: ScanSet
) -> None:
    metrics_port = free_port()
    env = {
        **_stack_env(tmp_path, pki, broker, None),
        "SOHOA_LOG_FORMAT": "json",
        "SOHOA_INGEST_METRICS_PORT": str(metrics_port),
    }
    stack = SohoaStack(tmp_path / "data", env)
    stack.data_dir.mkdir()
    stack.start_server()
    stack.start_worker()
    request_id = f"quay-07-{uuid.uuid4().hex}"
    try:
        client = StationClient(stack.url, stack.token(Role.STATION, "QT-01", agency=AGENCY))
        client.http.headers["X-Request-ID"] = request_id
        accepted = client.upload(scan_set.files, _manifest(scan_set))
        del client.http.headers["X-Request-ID"]  # the polls below are requests of their own
        final = client.wait(accepted["batch_id"], timeout=600)
        assert final["status"] == "done", (final, stack.log_tail("worker"))
        worker = _samples(f"http://127.0.0.1:{metrics_port}/metrics")
        api = _samples(f"{stack.url}/metrics")
    finally:
        stack.stop()
    batch_id = accepted["batch_id"]

    # Metrics: three one-page documents, each through every step once; the queue drained; the broker answered.
    assert worker[("sohoa_pipeline_pages_total", ())] == 3
    for step in ("ocr", "pdfa", "sign", "store"):
        assert worker[("sohoa_pipeline_step_seconds_count", (("step", step),))] == 3, step
    assert worker[("sohoa_pipeline_documents_total", (("outcome", "stored"),))] == 3
    for samples in (worker, api):
        assert samples[("sohoa_queue_depth", (("queue", "celery"),))] == 0
        assert samples[("sohoa_broker_up", ())] == 1
    accepted_key = (("method", "POST"), ("route", "/api/v1/batches"), ("status", "202"))
    assert api[("sohoa_http_requests_total", accepted_key)] == 1

    # Logs: every line that names the batch carries the station's request id, in both processes.
    api_events, _ = _json_lines(stack.data_dir / "server.log")
    worker_events, worker_other = _json_lines(stack.data_dir / "worker.log")
    about_batch = [e for e in api_events + worker_events if batch_id in json.dumps(e)]
    assert about_batch and all(e.get("request_id") == request_id for e in about_batch), about_batch
    assert [e["event"] for e in api_events if e.get("batch") == batch_id] == ["batch accepted"]
    steps = sorted((e["index"], e["step"]) for e in worker_events if e.get("event") == "step done")
    assert steps == sorted((i, s) for i in range(3) for s in ("ocr", "sign", "store"))
    assert all(e["request_id"] == request_id and e["batch"] == batch_id for e in worker_events if "step" in e)
    assert all(batch_id not in line for line in worker_other)  # nothing about the batch left out of JSON
    # No personal ID number anywhere in either log.
    for name in ("server.log", "worker.log"):
        assert OWNER not in (stack.data_dir / name).read_text(encoding="utf-8"), name
