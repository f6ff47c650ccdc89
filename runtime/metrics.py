"""Metrics that need the running world: each Celery queue's depth read from the broker at scrape time, and
the worker's metrics endpoint (prometheus_client multiprocess mode: the prefork children write, the parent serves).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from celery import Celery
from prometheus_client import CollectorRegistry, start_http_server, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from core.logging import get_logger

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
log = get_logger("sohoa.metrics")


class QueueDepth(Collector):
    """`sohoa_queue_depth{queue}`: messages waiting in each queue the app knows, and `sohoa_broker_up` (0 when
    the broker could not be asked). Redis, RabbitMQ and the embedded SQLite broker alike, through kombu."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def queues(self) -> list[str]:
        return sorted(set(self.app.amqp.queues) | {self.app.conf.task_default_queue})

    def read(self) -> dict[str, int]:
        """Messages waiting per queue; raises when the broker does not answer (`sohoa ops status`)."""
        with self.app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
            return dict(self._depths(connection, self.queues()))

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("sohoa_queue_depth", "Messages waiting in a Celery queue", labels=["queue"])
        up = GaugeMetricFamily("sohoa_broker_up", "1 when the broker answered the last queue-depth read")
        try:
            for queue, count in self.read().items():
                depth.add_metric([queue], count)
            up.add_metric([], 1)
        except Exception as exc:  # a scrape reports the broker down rather than failing
            log.warning("queue depth not read", error=type(exc).__name__)
            up.add_metric([], 0)
        yield depth
        yield up

    @staticmethod
    def _depths(connection: object, queues: Iterable[str]) -> Iterator[tuple[str, int]]:
        for queue in queues:
            channel = connection.channel()  # type: ignore[attr-defined]
            try:  # a passive declare of a queue never declared fails (and closes an AMQP channel): 0 waiting
                yield queue, int(channel.queue_declare(queue=queue, passive=True).message_count)
            except Exception:
                yield queue, 0
            finally:
                channel.close()


def prepare_multiprocess_dir(root: Path, role: str) -> Path:
    """A fresh folder for this process tree's metric files (`<root>/<role>-<pid>`), named in the environment
    before any metric exists; folders of processes no longer running are removed."""
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(f"{role}-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    folder = root / f"{role}-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    os.environ[MULTIPROC_ENV] = str(folder)
    values.ValueClass = values.get_value_class()  # metrics made from now on (none before) write to the folder
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def serve_worker_metrics(app: Celery, address: str, port: int) -> None:
    """Serve the worker's metrics (every pool process's, merged) and the queue depths on `address:port`."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(QueueDepth(app))
    start_http_server(port, addr=address, registry=registry)
    log.info("worker metrics served", address=address, port=port)
