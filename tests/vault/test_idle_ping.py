"""PostgreSQL connections are pinged only after sitting idle in the pool: a connection the server dropped while
idle is replaced before use, and a busy pool pays no round trip per checkout.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from tests.support.pgschema import private_schema
from tests.vault.conftest import PG_URL
from vault.db import make_engine


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("select pg_backend_pid()")).scalar_one())


def _terminate(pid: int) -> None:
    killer = make_engine(PG_URL)
    with killer.connect() as connection:
        assert connection.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    killer.dispose()
    time.sleep(0.2)  # the backend exits


def test_a_connection_dropped_while_idle_is_replaced_before_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vault.db.IDLE_PING_SECONDS", 0.1)
    with private_schema(PG_URL, "idle_ping", migrated=False) as url:
        engine = make_engine(url, pool_size=1, max_overflow=0)
        dropped = _backend_pid(engine)
        _terminate(dropped)
        time.sleep(0.2)  # idle longer than the threshold: pinged at checkout, found dead, replaced
        assert _backend_pid(engine) != dropped
        engine.dispose()


def test_a_connection_back_within_the_threshold_is_handed_out_without_a_ping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vault.db.IDLE_PING_SECONDS", 60.0)
    with private_schema(PG_URL, "idle_ping", migrated=False) as url:
        engine = make_engine(url, pool_size=1, max_overflow=0)
        dropped = _backend_pid(engine)
        _terminate(dropped)
        # No ping: the dead connection is used, the one statement on it fails, and the pool starts afresh.
        with pytest.raises(OperationalError), engine.connect() as connection:
            connection.execute(text("select 1"))
        assert _backend_pid(engine) != dropped
        engine.dispose()
