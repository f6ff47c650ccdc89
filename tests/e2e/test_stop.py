"""Stopping `sohoa serve` on the embedded default: SIGTERM to the server alone stops everything it started
(the worker started with --beat and the worker's pool and beat children) within the grace period.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from tests.support.processes import descendants, wait_all_gone
from tests.support.stack import SohoaStack

GRACE_SECONDS = 45.0  # the server's worker grace (20 s) and its final SIGKILL, with room to spare


def test_sigterm_to_serve_stops_its_worker_and_the_workers_children(tmp_path: Path) -> None:
    embedded = SohoaStack(tmp_path / "data", {})
    embedded.data_dir.mkdir()
    embedded.start_server(embedded_worker=True)
    server = embedded.server
    assert server is not None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(descendants(server.pid)) < 3:  # worker, pool, beat
            time.sleep(0.3)
        started = descendants(server.pid)
        assert len(started) >= 2, embedded.log_tail("server")  # the worker and at least one pool child
        os.kill(server.pid, signal.SIGTERM)  # the server only, as systemd's KillMode=mixed or `kill PID` would
        server.wait(timeout=GRACE_SECONDS)
        left = wait_all_gone(started | descendants(server.pid), timeout=GRACE_SECONDS)
        assert not left, (left, embedded.log_tail("server"))
    finally:
        for pid in descendants(server.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        embedded.stop()
