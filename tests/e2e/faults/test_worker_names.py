"""Two `sohoa worker`s on one host with no SOHOA_INGEST_WORKER_NAME answer pings under names of their own
(`sohoa-<pid>@<host>`; both were `celery@<host>` before, seen in the deploy walk of 2026-11-30), and the document
of the one killed is still taken over by the other: a lease names its host and process, not the node."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

from tests.e2e.faults.conftest import FaultRun
from tests.support.stack import SohoaStack

pytestmark = pytest.mark.slow


def answering(stack: SohoaStack, count: int, timeout: float = 120.0) -> list[str]:
    """The node names answering a ping, once `count` of them answer."""
    command = [sys.executable, "-m", "celery", "-A", "runtime.celery_app:celery_app", "inspect", "ping", "--json"]
    deadline = time.monotonic() + timeout
    names: list[str] = []
    while time.monotonic() < deadline:
        done = subprocess.run(
            [*command, "--timeout", "3"], env=stack._environment(), capture_output=True, text=True, check=False
        )
        replies = [line for line in done.stdout.splitlines() if line.startswith("{")]  # {name: reply}
        names = sorted(json.loads(replies[-1])) if replies else []  # one name answered by two is one key
        if len(names) >= count:
            return names
        time.sleep(1)
    raise AssertionError(f"{count} workers did not answer in {timeout:.0f} s: {names}")


def test_two_workers_on_one_host_have_their_own_names_and_a_killed_ones_document_is_taken_over(
    fault_run: FaultRun,
) -> None:
    stack = fault_run.stack
    assert "SOHOA_INGEST_WORKER_NAME" not in stack._environment()
    first = stack.start_worker(concurrency=1)
    batch_id = fault_run.upload()
    fault_run.when(batch_id, lambda d: d["status"] == "running" and d["step"] == "sign")  # held by the first
    second = stack.start_worker(concurrency=1)
    names = answering(stack, 2)
    host = socket.gethostname()
    assert names == sorted([f"sohoa-{first.pid}@{host}", f"sohoa-{second.pid}@{host}"]), names
    stack.kill_worker(first)
    final = fault_run.finish(batch_id)
    assert final["status"] == "done", (final, stack.log_tail("worker", 80))
    fault_run.assert_intact(final)
