"""The API killed during intake (issue #13, item 15): a real `sohoa serve` gets SIGKILL while it surveys a
300-page upload; `sohoa vault fsck` reports the staging left behind (never "clean"), the worker's start-up sweep
removes it, and fsck is clean after.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw

from core.types import Role
from tests.support.stack import SohoaStack

pytestmark = pytest.mark.slow

AGENCY = "000.00.00.H30"
PAGES = 300


def _page() -> bytes:
    """An A4 page at 200 dpi with a few lines of "text": decoding it for the blank split costs real time."""
    image = Image.new("L", (1654, 2339), 250)
    draw = ImageDraw.Draw(image)
    for line in range(40):
        draw.rectangle((150, 200 + line * 50, 1500 - (line * 37) % 400, 220 + line * 50), fill=30)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _fsck(stack: SohoaStack, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cli", "vault", "fsck", "--quick", *args]
    env = stack._environment()
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_staging_left_by_a_killed_api_is_reported_by_fsck_and_swept(tmp_path: Path) -> None:
    stack = SohoaStack(tmp_path / "data", {"SOHOA_INGEST_STAGING_SWEEP_AFTER_SECONDS": "1"})
    stack.data_dir.mkdir()
    stack.start_server()  # the embedded default, no worker: nothing sweeps while the API runs
    staging_root = stack.data_dir / "ingest" / "batches"
    page = _page()
    manifest = {
        "station_id": "QT-01",
        "agency_code": AGENCY,
        "procedure_code": "1.011442.000.00.00.H30",
        "owner_id": "045190001234",
        "split": "blank",
    }
    files = [("files", (f"p{n:03d}.jpg", page, "image/jpeg")) for n in range(PAGES)]
    headers = {"Authorization": f"Bearer {stack.token(Role.STATION, 'QT-01', agency=AGENCY)}"}
    answers: list[object] = []

    def upload() -> None:
        try:
            answers.append(
                httpx.post(
                    f"{stack.url}/api/v1/batches",
                    files=files,
                    data={"manifest": json.dumps(manifest)},
                    headers=headers,
                    timeout=300,
                )
            )
        except httpx.HTTPError as exc:
            answers.append(exc)

    sender = threading.Thread(target=upload)
    try:
        sender.start()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not any(staging_root.glob("*/pages/*")):
            time.sleep(0.02)
        assert stack.server is not None
        os.killpg(stack.server.pid, signal.SIGKILL)  # the API and nothing else: no worker runs
        stack.server.wait(timeout=10)
        stack.server = None
        sender.join(timeout=60)
        assert answers and isinstance(answers[0], httpx.HTTPError), answers  # killed before it answered
        [left] = list(staging_root.iterdir())
        assert any(left.rglob("*.jpg"))
        time.sleep(1.5)  # older than the sweep's age

        found = _fsck(stack)
        assert found.returncode == 0, found.stderr
        assert f"abandoned staging (batch ids): 1: {left.name}" in found.stdout
        assert "needs attention" in found.stdout and "clean" not in found.stdout.splitlines()[-1]

        worker = stack.start_worker(concurrency=1)  # its start-up sweep
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and left.exists() and worker.poll() is None:
            time.sleep(0.2)
        assert not left.exists(), stack.log_tail("worker")

        after = _fsck(stack, "--json")
        assert after.returncode == 0, after.stderr
        report = json.loads(after.stdout)
        assert report["abandoned_staging"] == [] and report["orphan_objects"] == []
        assert _fsck(stack).stdout.splitlines()[-1] == "clean"
    finally:
        stack.stop()
