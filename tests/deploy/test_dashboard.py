"""deploy/grafana-dashboard.json queries only what sohoa exports: metric names, their labels, and routes that
exist in the API; and on a running `sohoa serve` and `sohoa worker`, every panel's metric is served, the queue
depth shows a batch waiting and pages per minute a batch done."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from celery import Celery
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

import api.metrics
import core.metrics
from api.routers import batches
from core.types import Role
from runtime.metrics import QueueDepth
from tests.deploy.test_readme import _scans
from tests.support.pki import free_port
from tests.support.stack import SohoaStack

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
SUFFIXES = ("_total", "_bucket", "_sum", "_count")


def _exported() -> dict[str, set[str]]:
    """Sample names sohoa exports and the labels each carries (histograms add `le` to their buckets)."""
    names: dict[str, set[str]] = {}
    registered = {metric.name for metric in REGISTRY.collect()}  # counters are registered without `_total`
    families = (
        api.metrics.REQUESTS,
        api.metrics.LATENCY,
        core.metrics.PAGES,
        core.metrics.DOCUMENTS,
        core.metrics.STEP_SECONDS,
        core.metrics.STEP_FAILURES,
    )
    for family in families:
        assert family._name.removesuffix("_total") in registered
        for suffix in ("", *SUFFIXES):
            names[family._name.removesuffix("_total") + suffix] = set(family._labelnames) | {"le"}
    # Read from the broker at scrape time (an in-memory one here): gauges, their labels as collected.
    for metric in QueueDepth(Celery(broker="memory://", set_as_current=False)).collect():
        names[metric.name] = {label for sample in metric.samples for label in sample.labels}
    return names


def test_every_panel_queries_exported_metrics_and_labels() -> None:
    exported = _exported()
    expressions = [target["expr"] for panel in DASHBOARD["panels"] for target in panel["targets"]]
    assert len(expressions) >= 12
    for expr in expressions:
        metrics = set(re.findall(r"\bsohoa_\w+", expr))
        assert metrics and metrics <= exported.keys(), expr
        labels = set(re.findall(r"\b(\w+)\s*(?:=~|!=|=)\s*\"", expr)) | {
            label.strip() for group in re.findall(r"by \(([^)]*)\)", expr) for label in group.split(",")
        }
        allowed = set().union(*(exported[name] for name in metrics)) | {"job"}
        assert labels <= allowed, (expr, labels - allowed)


def test_routes_named_in_the_dashboard_exist() -> None:
    routes = {(route.path, method) for route in batches.router.routes for method in route.methods}  # type: ignore[attr-defined]
    for panel in DASHBOARD["panels"]:
        for target in panel["targets"]:
            for route in re.findall(r'route="([^"]+)"', target["expr"]):
                method = re.search(r'method="(\w+)"', target["expr"])
                assert (route, method.group(1) if method else "GET") in routes, route


def _scrape(url: str) -> dict[str, list[Sample]]:
    """The samples of one `/metrics` endpoint by sample name; a family without a sample yet (a counter never
    incremented, a histogram never observed) is listed under its sample names with none."""
    samples: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(httpx.get(url, timeout=30).text):
        if not family.name.startswith("sohoa_"):
            continue
        names = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}.get(family.type, ("",))
        for suffix in names:
            samples.setdefault(family.name + suffix, [])
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def _value(samples: dict[str, list[Sample]], name: str, **labels: str) -> float:
    return sum(s.value for s in samples.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items()))


@pytest.mark.slow
def test_every_panel_finds_its_metric_on_a_running_serve_and_worker(tmp_path: Path) -> None:
    """Chị Mai's dashboard against the real endpoints: `sohoa serve` and a `sohoa worker` with its metrics port (as
    `deploy/prometheus.yml` scrapes them). A batch waits with no worker running: the API's queue depth shows it; a
    worker started then takes it: pages per minute and the step times have samples on the worker's endpoint. Every
    panel's metric is served by one of the two."""
    metrics_port = free_port()
    stack = SohoaStack(tmp_path / "data", {"SOHOA_INGEST_METRICS_PORT": str(metrics_port)}, development_sign_in=True)
    stack.data_dir.mkdir()
    scans = tmp_path / "scans"
    scans.mkdir()
    _scans(scans)
    try:
        stack.start_server(embedded_worker=False, timeout=120)
        token = stack.token(Role.STATION, "QT-01", agency="000.00.00.H30")
        pages = [str(scans / name) for name in ("scan-1.jpg", "scan-2.jpg", "scan-3.jpg")]
        upload = stack.cli(
            *("upload", *pages, "--owner", "045190001234", "--agency", "000.00.00.H30"),
            *("--procedure", "1.011442.000.00.00.H30", "--split", "blank", "--no-wait"),
            *("--server", stack.url, "--token", token),
        )
        assert upload.returncode == 0, upload.stdout + upload.stderr
        batch = re.search(r"batch ([0-9a-f]{32}) accepted", upload.stdout)
        assert batch, upload.stdout
        api = _scrape(f"{stack.url}/metrics")
        assert _value(api, "sohoa_queue_depth", queue="celery") >= 1, api.get("sohoa_queue_depth")  # waiting
        assert _value(api, "sohoa_broker_up") == 1
        stack.start_worker(concurrency=1)  # "adds a worker host when the queue grows"
        done = stack.cli("status", batch[1], "--wait", "--server", stack.url, "--token", token, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr + stack.log_tail("worker")
        worker = _scrape(f"http://127.0.0.1:{metrics_port}/metrics")
        api = _scrape(f"{stack.url}/metrics")
    finally:
        stack.stop()
    assert _value(worker, "sohoa_pipeline_pages_total") >= 2  # the two pages around the blank separator
    assert _value(worker, "sohoa_pipeline_documents_total", outcome="stored") == 2
    for step in ("ocr", "pdfa", "sign", "store"):
        assert _value(worker, "sohoa_pipeline_step_seconds_count", step=step) >= 1, step
    assert worker["sohoa_queue_depth"] and _value(worker, "sohoa_broker_up") == 1
    # Series at 0 before their first increment, so that rate() counts that increment (walked: the first batch's
    # documents per minute read 0 and its step times NaN on a real Prometheus).
    assert [s.value for s in worker["sohoa_pipeline_documents_total"] if s.labels["outcome"] == "failed"] == [0]
    failures = {(s.labels["step"], s.labels["outcome"]) for s in worker["sohoa_pipeline_step_failures_total"]}
    assert failures == {(step, outcome) for step in core.metrics.STEPS for outcome in core.metrics.FAILURE_OUTCOMES}
    assert any(s.labels.get("route") == "/api/v1/batches" for s in api["sohoa_http_requests_total"])
    served = api.keys() | worker.keys()
    for panel in DASHBOARD["panels"]:
        for target in panel["targets"]:
            metrics = set(re.findall(r"\bsohoa_\w+", target["expr"]))
            assert metrics <= served, (panel["title"], metrics - served)
