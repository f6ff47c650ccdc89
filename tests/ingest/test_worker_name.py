"""A worker's node name: the one set in SOHOA_INGEST_WORKER_NAME as is, else `sohoa-<pid>@%h`, so two worker
processes on one host answer pings under two names (both were `celery@%h` before)."""

from __future__ import annotations

import os
import subprocess
import sys

from ingest.settings import IngestSettings

NAME = "from ingest.settings import IngestSettings; print(IngestSettings().node_name())"


def _name_in_a_process(**environment: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")} | environment
    return subprocess.run(
        [sys.executable, "-c", NAME], env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()


def test_two_worker_processes_on_one_host_get_two_names_and_a_set_name_is_kept() -> None:
    first, second = _name_in_a_process(), _name_in_a_process()
    assert first != second and first.endswith("@%h") and second.endswith("@%h")
    assert IngestSettings(worker_name=None).node_name() == f"sohoa-{os.getpid()}@%h"
    assert _name_in_a_process(SOHOA_INGEST_WORKER_NAME="celery@%h") == "celery@%h"
