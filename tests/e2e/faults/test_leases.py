"""A worker on another host dies while it holds a document: no process id can be checked from here, so its lease
ends when its heartbeat stops; the beat of a worker on a second host sends the document again within a bounded
time, without waiting for the broker's redelivery (the visibility timeout, an hour).
"""

from __future__ import annotations

import os
import time

import pytest

from tests.e2e.faults.conftest import FaultWorld

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="a worker under another host name needs a UTS namespace (root)"),
]

LEASE_SECONDS = 15


def test_a_dead_worker_on_another_host_gives_its_documents_up_after_its_lease(fault_world: FaultWorld) -> None:
    run = fault_world.run(
        {"SOHOA_INGEST_LEASE_SECONDS": str(LEASE_SECONDS), "SOHOA_INGEST_VISIBILITY_TIMEOUT_SECONDS": "3600"}
    )
    try:
        first = run.stack.start_worker(concurrency=2, hostname="sohoa-host-a")
        run.stack.start_worker(concurrency=2, hostname="sohoa-host-b", beat=True)
        batch_id = run.upload()
        # Killed once host A's steps hold documents and no document waits unclaimed: a message a worker took but
        # had not started when it died comes back only with the broker's redelivery (docs/pipeline.md).
        held = "select count(*) from ingest_batch_documents where lease_owner like '%@sohoa-host-a:%'"
        waiting = "select count(*) from ingest_batch_documents where status = 'queued'"
        deadline = time.monotonic() + 300
        while run.count(held) == 0 or run.count(waiting) > 0:
            assert time.monotonic() < deadline, run.stack.log_tail("worker")
            time.sleep(0.1)
        run.stack.kill_worker(first)
        killed = time.monotonic()
        final = run.finish(batch_id)
        recovered = time.monotonic() - killed
        print(
            f"worker on another host killed: batch {final['status']} {recovered:.1f} s later (lease {LEASE_SECONDS} s)"
        )
        assert final["status"] == "done", (final, run.stack.log_tail("worker", 80))
        run.assert_intact(final)
        # sent again by host B's beat: the broker would redeliver only after the hour's visibility timeout, and
        # `finish` gives up after 10 minutes
        assert "abandoned documents sent again" in run.stack.log_tail("worker", 100_000)
    finally:
        run.stack.stop()
