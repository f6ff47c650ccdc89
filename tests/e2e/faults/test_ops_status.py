"""Chị Mai's `sohoa ops status` while the trust services and then the object store are down: it names the batch
and its documents waiting for the TSA (reason, step, attempts), says the S3 server does not answer, exits 1; once
both are back and the batch is done it exits 0. On the production-like world of `tests/e2e/faults`."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.e2e.faults.conftest import FaultRun
from tests.support.pki import RunningPki
from tests.support.s3server import SeaweedServer

pytestmark = pytest.mark.slow


def _status(fault_run: FaultRun) -> tuple[int, dict[str, Any]]:
    answer = fault_run.stack.cli("ops", "status", "--json", "--stuck-after", "5")
    assert answer.stdout, answer.stderr
    return answer.returncode, json.loads(answer.stdout)


def test_the_status_names_what_waits_for_the_tsa_and_the_object_store_down(
    fault_run: FaultRun, pki: RunningPki, seaweed: SeaweedServer
) -> None:
    fault_run.stack.start_worker()
    batch_id = fault_run.upload()
    fault_run.when(batch_id, lambda d: d["status"] == "running" and d["step"] == "ocr")
    pki.stop()
    try:
        fault_run.when(batch_id, lambda d: d.get("waiting") == "trust_service")
        code, report = _status(fault_run)
        settle = time.monotonic() + 30  # stuck once older than --stuck-after (5 s): a quiet machine may get here sooner
        while code == 0 and time.monotonic() < settle:
            time.sleep(1)
            code, report = _status(fault_run)
        assert code == 1, report
        batch = next(b for b in report["batches"] if b["batch_id"] == batch_id)
        waiting = [d for d in batch["documents"] if d["waiting"] == "trust_service"]
        assert waiting and all(d["step"] == "sign" and d["attempts"] >= 1 for d in waiting), batch
        assert all(d["reason"].startswith("TSA/OCSP không phản hồi") for d in waiting), batch
        assert f"batch:{batch_id}" in {p["key"] for p in report["problems"]}
        assert report["object_store"]["reachable"] and report["broker"]["reachable"]
        seaweed.stop()
        try:
            code, report = _status(fault_run)
            assert code == 1 and not report["object_store"]["reachable"], report
            assert "object_store" in {p["key"] for p in report["problems"]}
        finally:
            seaweed.start()
    finally:
        pki.start()
    final = fault_run.finish(batch_id)
    assert final["status"] == "done", final
    deadline = time.monotonic() + 60  # the last webhook and portal messages may still be on their way
    while True:
        code, report = _status(fault_run)
        if code == 0 or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert code == 0 and report["batches"] == [] and report["problems"] == [], report
