"""Lease owners name the task, host and process: a lease whose process is gone on this host is dead, a live
process's or another host's is not, and an older bare task id is left to expire.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from ingest.lease import MAX_OWNER, Heartbeat, holder_is_dead, lease_owner, on_this_host, same_task

TASK = "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_the_owner_fits_the_column_and_names_the_task() -> None:
    owner = lease_owner(TASK)
    assert len(owner) <= MAX_OWNER and owner.startswith(TASK + "@") and same_task(owner, TASK)
    assert same_task(TASK, TASK) and not same_task(owner, "another") and not same_task(None, TASK)


def test_a_process_that_ended_holds_a_dead_lease() -> None:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    assert holder_is_dead(f"{TASK}@{socket.gethostname()[:10]}:{done.pid}")


def test_a_live_process_another_host_or_a_bare_task_id_hold_a_live_lease() -> None:
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as running:
        try:
            assert not holder_is_dead(f"{TASK}@{socket.gethostname()[:10]}:{running.pid}")
        finally:
            running.kill()
    assert not holder_is_dead(f"{TASK}@another-host-{socket.gethostname()}x:1")
    assert not holder_is_dead(TASK)


def test_a_host_whose_name_only_starts_like_this_one_is_another_host() -> None:
    here = socket.gethostname()
    assert not holder_is_dead(f"{TASK}@{here}2:999999999")  # "vm2" is not "vm": its pid says nothing here
    assert on_this_host(f"{TASK}@{here}:1") and not on_this_host(f"{TASK}@{here}2:1")
    cut = lease_owner(TASK).rpartition(":")[0].rpartition("@")[2]
    assert on_this_host(f"{TASK}@{cut}:{os.getpid()}")


def test_the_heartbeat_renews_until_the_block_ends_and_survives_a_failed_renewal() -> None:
    beats: list[float] = []

    def renew() -> None:
        beats.append(time.monotonic())
        if len(beats) == 2:
            raise ConnectionError("catalogue away for a moment")

    with Heartbeat(renew, 0.05):
        time.sleep(0.4)
    counted = len(beats)
    time.sleep(0.2)
    assert counted >= 4 and len(beats) == counted  # went on after the failure, stopped with the block
