"""The Celery app's broker: the embedded broker carries messages through a SQLite file and is polled often
enough for a document's three hops; Redis redelivers only after the longest task could have finished."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import core_settings
from ingest.settings import ingest_settings
from runtime.broker import EmbeddedTransport
from runtime.celery_app import answering_workers, make_celery


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SOHOA_INGEST_BROKER_URL", raising=False)
    core_settings.cache_clear()
    ingest_settings.cache_clear()
    yield
    core_settings.cache_clear()
    ingest_settings.cache_clear()


def test_the_embedded_broker_carries_a_message_through_its_sqlite_file(tmp_path: Path) -> None:
    app = make_celery()
    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, EmbeddedTransport)
        assert connection.transport.polling_interval == 0.1
        queue = connection.SimpleQueue("sohoa-test")
        queue.put({"batch": "b1", "index": 2})
        message = queue.get(timeout=5)
        assert message.payload == {"batch": "b1", "index": 2}
        message.ack()
        queue.close()
    assert (tmp_path / "broker" / "broker.sqlite").stat().st_size > 0


def test_the_polling_interval_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_INGEST_EMBEDDED_BROKER_POLLING_SECONDS", "0.5")
    with make_celery().connection_for_read() as connection:
        assert connection.transport.polling_interval == 0.5


def test_redis_redelivers_after_the_visibility_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_INGEST_BROKER_URL", "redis://127.0.0.1:6379/8")
    monkeypatch.setenv("SOHOA_INGEST_VISIBILITY_TIMEOUT_SECONDS", "7200")
    app = make_celery()
    assert app.conf.broker_url == "redis://127.0.0.1:6379/8"
    assert app.conf.broker_transport_options == {"visibility_timeout": 7200}
    # a short scan for messages a lost worker (a host cut off) held, when asked for
    monkeypatch.setenv("SOHOA_INGEST_REDELIVERY_SCAN_SECONDS", "5")
    ingest_settings.cache_clear()
    assert make_celery().conf.broker_transport_options == {
        "visibility_timeout": 7200,
        "unacked_restore_interval": 5,
        "unacked_restore_throttle": 1,
    }


def test_rabbitmq_needs_no_transport_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_INGEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    assert make_celery().conf.broker_transport_options == {}


def test_tasks_sent_from_any_thread_go_to_the_installed_app() -> None:
    """The API sends a document's chain from a request thread: the shared tasks must bind to sohoa's app there
    too (Celery's fallback app would talk to amqp://localhost), and a second app made later changes nothing."""
    from ingest.tasks import ocr_step
    from runtime.celery_app import celery_app

    make_celery()  # e.g. a test's own app: not installed
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(ocr_step.si("b", 0, 60).app))
    thread.start()
    thread.join()
    assert seen == [celery_app]
    assert ocr_step.app is celery_app


def test_workers_are_pinged_only_where_the_broker_can_broadcast(monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded SQLite broker has no broadcast: a ping there answers [] even with its worker running, which
    `sohoa ops status` would read as "no worker answers". It raises instead; on Redis the workers are asked."""
    with pytest.raises(NotImplementedError, match="no broadcast"):
        answering_workers(make_celery(), timeout=0.2)
    monkeypatch.setenv("SOHOA_INGEST_BROKER_URL", os.environ.get("SOHOA_TEST_REDIS_URL", "redis://127.0.0.1:6379/9"))
    ingest_settings.cache_clear()
    assert isinstance(answering_workers(make_celery(), timeout=0.2), list)
