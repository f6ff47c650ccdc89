"""Lease owners name the task, host and process: a lease whose process is gone on this host is dead, a live
process's or another host's is not, and an older bare task id is left to expire.
"""

from __future__ import annotations

import socket
import subprocess
import sys

from ingest.lease import MAX_OWNER, holder_is_dead, lease_owner, same_task

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
