"""The portal outbox end to end: `sohoa serve` with its worker, the moves made through the API, delivered by the
Celery task `sohoa.portal_sync` to a loopback receiver that speaks docs/portal.md, also after it was down."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from core.types import Role
from tests.support.portal_receiver import PortalReceiver
from tests.support.stack import SohoaStack

AGENCY = "000.00.00.H30"
PROCEDURE = "1.000001.000.00.00.H30"


def wait_for(condition: Callable[[], bool], timeout: float, what: str, stack: SohoaStack) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"{what} not seen in {timeout} s: {stack.log_tail('server')}")


def test_moves_reach_the_portal_through_the_worker(tmp_path: Path) -> None:
    receiver = PortalReceiver(token="portal-token-e2e", secret="e2e-secret").start()
    (tmp_path / "token").write_text(receiver.token)
    (tmp_path / "secret").write_text(receiver.secret)
    stack = SohoaStack(
        tmp_path / "data",
        {
            "SOHOA_PORTAL_SYNC_URL": receiver.url,
            "SOHOA_PORTAL_SYNC_TOKEN_FILE": str(tmp_path / "token"),
            "SOHOA_PORTAL_SYNC_SECRET_FILE": str(tmp_path / "secret"),
            "SOHOA_PORTAL_SYNC_BACKOFF_SECONDS": "0.5",
            "SOHOA_PORTAL_SYNC_BACKOFF_MAX_SECONDS": "2",
            "SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.1/32"]',
        },
    )
    stack.data_dir.mkdir()
    try:
        stack.start_server(embedded_worker=True)
        auth = {"Authorization": f"Bearer {stack.token(Role.HANDLER, 'cb-01', agency=AGENCY)}"}
        opened = httpx.post(
            f"{stack.url}/api/v1/dossiers",
            headers=auth,
            json={"owner_id": "001099012345", "owner_name": "Nguyễn Văn A", "procedure_code": PROCEDURE},
            timeout=30,
        )
        assert opened.status_code == 201, opened.text
        code = opened.json()["life"]["code"]
        move = f"{stack.url}/api/v1/dossiers/{code}/transitions"
        assigned = httpx.post(move, headers=auth, json={"action": "assign", "department": "Tư pháp"}, timeout=30)
        assert assigned.status_code == 201, assigned.text
        wait_for(lambda: len(receiver.accepted) == 2, 60, "two messages at the portal", stack)

        receiver.stop()  # down: the move is committed, its message waits
        ready = httpx.post(move, headers=auth, json={"action": "result_ready"}, timeout=30)
        assert ready.status_code == 201, ready.text
        time.sleep(4)
        assert len(receiver.accepted) == 2
        receiver.start()  # back on the same port: the task that met the failure comes back by itself
        wait_for(lambda: len(receiver.accepted) == 3, 30, "the third message after the outage", stack)

        actions = [receiver.accepted[i]["data"]["action"] for i in receiver.order]
        assert actions == ["receive", "assign", "result_ready"]
        assert {receiver.accepted[i]["stream"] for i in receiver.order} == {f"dossier:{code}"}
        status = stack.cli("portal", "status")
        assert status.returncode == 0, status.stderr
        counts = json.loads(status.stdout.strip().splitlines()[-1])
        assert (counts["configured"], counts["pending"], counts["delivered"], counts["dead"]) == (True, 0, 3, 0)
    finally:
        stack.stop()
        receiver.stop()
