"""A backing service lost while a batch runs: the broker (Redis restarted), the catalogue (PostgreSQL restarted),
the vault's object store (SeaweedFS down 30 s), the trust services (the TSA and OCSP responder down 30 s). Each
batch completes once the service is back: every document once in the vault, signed at its level.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from core.types import Verdict
from tests.e2e.faults.conftest import Document, FaultRun
from tests.support.pki import RunningPki
from tests.support.s3server import SeaweedServer
from tests.support.servers import PostgresCluster, RedisServer

pytestmark = pytest.mark.slow


def _running(step: str) -> Callable[[Document], bool]:
    return lambda d: d["status"] == "running" and d["step"] == step


def _complete(fault_run: FaultRun, batch_id: str, fault: str, back: float) -> None:
    final = fault_run.finish(batch_id)
    print(f"{fault}: batch {final['status']} {time.monotonic() - back:.1f} s after the service was back")
    assert final["status"] == "done", (final, fault_run.stack.log_tail("worker", 80))
    assert all(d["signature"] == Verdict.TOTAL_PASSED for d in final["documents"]), final
    fault_run.assert_intact(final)


def test_redis_restarted_while_documents_run(fault_run: FaultRun, redis_server: RedisServer) -> None:
    fault_run.stack.start_worker()
    batch_id = fault_run.upload()
    fault_run.when(batch_id, _running("ocr"))
    redis_server.restart(down_seconds=5)
    _complete(fault_run, batch_id, "Redis restarted", time.monotonic())


def test_postgresql_restarted_while_documents_run(fault_run: FaultRun, pg_cluster: PostgresCluster) -> None:
    fault_run.stack.start_worker()
    batch_id = fault_run.upload()
    fault_run.when(batch_id, _running("ocr"))
    pg_cluster.restart(down_seconds=5)
    _complete(fault_run, batch_id, "PostgreSQL restarted", time.monotonic())


def test_the_object_store_down_for_30_seconds_while_documents_run(fault_run: FaultRun, seaweed: SeaweedServer) -> None:
    fault_run.stack.start_worker()
    batch_id = fault_run.upload()
    fault_run.when(batch_id, _running("sign"))
    seaweed.stop()
    try:
        time.sleep(30)
        assert fault_run.client.batch(batch_id)["status"] == "running"
    finally:
        seaweed.start()
    _complete(fault_run, batch_id, "S3 down 30 s", time.monotonic())


def test_documents_wait_for_the_tsa_and_are_signed_at_their_level(fault_run: FaultRun, pki: RunningPki) -> None:
    """Choice: no B-B fallback in production; signing is retried until the TSA answers (docs/pipeline.md)."""
    fault_run.stack.start_worker()
    batch_id = fault_run.upload()
    fault_run.when(batch_id, _running("ocr"))
    pki.stop()
    try:
        time.sleep(30)
        state = fault_run.client.batch(batch_id)
        assert state["status"] == "running" and not any(d["status"] == "done" for d in state["documents"]), state
    finally:
        pki.start()
    _complete(fault_run, batch_id, "TSA down 30 s", time.monotonic())
