"""Two pytest-xdist workers of one run never share a Redis database: a test emptying its broker (the e2e `broker`
fixture) on one worker leaves a batch queued by a test on the other where it was (the 600 s wait of 1 Dec 2026).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.servers import RedisServer
from tests.support.xdist_workers import worker_redis_url

ROOT = Path(__file__).resolve().parent.parent


def test_each_worker_takes_the_base_database_plus_its_number() -> None:
    base = "redis://127.0.0.1:6379/12"
    assert worker_redis_url(base, None) == base  # one process: the base
    assert worker_redis_url(base, "gw0") == "redis://127.0.0.1:6379/12"
    assert worker_redis_url(base, "gw1") == "redis://127.0.0.1:6379/13"
    assert worker_redis_url("redis://127.0.0.1:6379", "gw1") == "redis://127.0.0.1:6379/1"
    with pytest.raises(ValueError, match="database 16"):
        worker_redis_url("redis://127.0.0.1:6379/15", "gw1")
    with pytest.raises(ValueError, match="cannot derive"):
        worker_redis_url("amqp://guest@127.0.0.1//", "gw1")


# Two tests that must run at the same time on the two workers: one queues a message as the API does, then waits
# for the other to have emptied its broker as the e2e `broker` fixture does; the message must still be there.
MEETING = """
import json, os, time
from pathlib import Path

import pytest
import redis

FOLDER = Path(os.environ["MEETING_FOLDER"])


def _wait_for(name):
    deadline = time.monotonic() + 60
    while not (FOLDER / name).exists():
        assert time.monotonic() < deadline, f"the other test never wrote {name}: not run at the same time"
        time.sleep(0.05)


def _record(name):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    (FOLDER / f"{name}.json").write_text(json.dumps([worker, os.environ["SOHOA_TEST_REDIS_URL"]]))


@pytest.mark.xdist_group("queues")
def test_queues_a_batch():
    _record("queues")
    broker = redis.Redis.from_url(os.environ["SOHOA_TEST_REDIS_URL"])
    broker.lpush("celery", b"a batch")
    (FOLDER / "queued").touch()
    _wait_for("emptied")
    assert broker.lrange("celery", 0, -1) == [b"a batch"]


@pytest.mark.xdist_group("empties")
def test_empties_its_broker():
    _record("empties")
    _wait_for("queued")
    redis.Redis.from_url(os.environ["SOHOA_TEST_REDIS_URL"]).flushdb()
    (FOLDER / "emptied").touch()
"""


@pytest.mark.slow
def test_a_broker_emptied_on_one_worker_leaves_the_other_workers_queue(tmp_path: Path) -> None:
    """The root conftest's own derivation, under `-n 2 --dist loadgroup` as `make test` runs, on a private
    redis-server (so the run's own databases are never touched)."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        (tmp_path / "tests").mkdir()
        (tmp_path / "tests" / "test_meeting.py").write_text(textwrap.dedent(MEETING))
        env = {**os.environ, "SOHOA_TEST_REDIS_URL": server.url, "MEETING_FOLDER": str(tmp_path)}
        env.pop("PYTEST_XDIST_WORKER", None)  # the inner run's controller is not one of this run's workers
        plugins = ["-p", "tests.conftest", "-p", "no:randomly", "-p", "no:cacheprovider"]  # the root conftest only
        options = [*plugins, "-n", "2", "--dist", "loadgroup", "-c", os.devnull, "--rootdir", str(tmp_path)]
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", *options, str(tmp_path / "tests")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        server.stop()
    assert run.returncode == 0 and "2 passed" in run.stdout, run.stdout + run.stderr
    seen = {name: json.loads((tmp_path / f"{name}.json").read_text()) for name in ("queues", "empties")}
    assert {worker for worker, _ in seen.values()} == {"gw0", "gw1"}, seen
    base = server.url.rsplit("/", 1)[0]
    assert {url for _, url in seen.values()} == {f"{base}/0", f"{base}/1"}, seen
