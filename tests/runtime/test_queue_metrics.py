"""`sohoa_queue_depth` reads the messages waiting in a queue from each broker sohoa runs on: Redis, RabbitMQ
and the embedded SQLite broker; an unreachable broker is reported by `sohoa_broker_up 0`, not a failed scrape.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from runtime.metrics import QueueDepth

REDIS_URL = os.environ.get("SOHOA_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"


def _samples(app: Celery) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    for metric in QueueDepth(app).collect():
        for sample in metric.samples:
            found.setdefault(sample.name, {})[sample.labels.get("queue", "")] = sample.value
    return found


@pytest.fixture(params=["redis", "rabbitmq", "embedded"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Celery]:
    url = {"redis": REDIS_URL, "rabbitmq": RABBITMQ_URL, "embedded": f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"}
    app = Celery("depth", broker=url[request.param], set_as_current=False)
    app.conf.task_default_queue = f"sohoa-depth-{uuid.uuid4().hex[:8]}"  # never another run's queue
    yield app
    with app.connection_for_write() as connection, contextlib.suppress(Exception):
        connection.default_channel.queue_delete(app.conf.task_default_queue)


def test_queue_depth_counts_waiting_messages(app: Celery) -> None:
    queue = app.conf.task_default_queue
    assert _samples(app) == {"sohoa_queue_depth": {queue: 0}, "sohoa_broker_up": {"": 1}}
    with app.connection_for_write() as connection:
        simple = connection.SimpleQueue(queue)
        for number in range(3):
            simple.put({"n": number})
        simple.close()
    assert _samples(app)["sohoa_queue_depth"] == {queue: 3}


def test_an_unreachable_broker_is_reported_down() -> None:
    app = Celery("down", broker="redis://127.0.0.1:1/0", set_as_current=False)
    assert _samples(app) == {"sohoa_broker_up": {"": 0}}
