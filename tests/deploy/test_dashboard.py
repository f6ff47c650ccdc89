"""deploy/grafana-dashboard.json queries only what sohoa exports: metric names, their labels, and routes that
exist in the API."""

from __future__ import annotations

import json
import re
from pathlib import Path

from celery import Celery
from prometheus_client import REGISTRY

import api.metrics
import core.metrics
from api.routers import batches
from runtime.metrics import QueueDepth

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
