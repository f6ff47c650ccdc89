"""The Celery app's broker settings: the embedded broker is polled often enough for three hops a document,
Redis redelivers only after the longest task could have finished."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import core_settings
from ingest.celery_app import make_celery
from ingest.settings import ingest_settings


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SOHOA_INGEST_BROKER_URL", raising=False)
    core_settings.cache_clear()
    ingest_settings.cache_clear()
    yield
    core_settings.cache_clear()
    ingest_settings.cache_clear()


def test_the_embedded_broker_is_a_table_polled_ten_times_a_second(tmp_path: Path) -> None:
    app = make_celery()
    assert app.conf.broker_url == f"sqla+sqlite:///{tmp_path / 'broker' / 'broker.sqlite'}"
    assert app.conf.broker_transport_options == {"polling_interval": 0.1}


def test_the_polling_interval_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_INGEST_EMBEDDED_BROKER_POLLING_SECONDS", "0.5")
    assert make_celery().conf.broker_transport_options == {"polling_interval": 0.5}


def test_redis_redelivers_after_the_visibility_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_INGEST_BROKER_URL", "redis://127.0.0.1:6379/8")
    monkeypatch.setenv("SOHOA_INGEST_VISIBILITY_TIMEOUT_SECONDS", "7200")
    assert make_celery().conf.broker_transport_options == {"visibility_timeout": 7200}


def test_rabbitmq_needs_no_transport_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_INGEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    assert make_celery().conf.broker_transport_options == {}
