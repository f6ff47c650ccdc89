"""`sohoa ops status` as an operator's cron runs it, on the embedded default in a private data folder: exit 0 and
a JSON report when nothing waits; a batch running for two hours makes it exit 1 and name the batch, on the
terminal table and in the JSON; `--stuck-after` moves the threshold."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import update

from ingest import batches
from ingest.db import migrate, sessions
from ingest.models import Batch

BATCH = "0123456789abcdef0123456789abcdef"


def _ops(data: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOHOA_DATA_DIR": str(data), "COLUMNS": "200", **extra}
    env.pop("SOHOA_VAULT_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "cli", "ops", "status", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_exit_codes_json_and_table(tmp_path: Path) -> None:
    data = tmp_path / "data"
    calm = _ops(data, "--json")
    assert calm.returncode == 0, calm.stderr
    report = json.loads(calm.stdout)
    assert report["problems"] == [] and report["batches"] == [] and report["broker"]["reachable"] is True
    assert report["portal_outbox"]["pending"] == 0 and report["disk"]["path_label"] == "data folder"
    url = f"sqlite:///{data / 'vault' / 'catalogue.sqlite3'}"
    assert (data / "vault" / "catalogue.sqlite3").exists()
    migrate(url)
    planned = [batches.PlannedDocument("Giấy khai sinh", "GKS", "component", [0])]
    new = batches.NewBatch(BATCH, "st", "000.00.00.H30", "1.0", "HS-1", "045190001234", "lan", 1, "/x", planned)
    with sessions(url).begin() as session:
        batches.create_batch(session, new)
        session.flush()
        two_hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        session.execute(update(Batch).where(Batch.id == BATCH).values(created_at=two_hours_ago))
    stuck = _ops(data, "--json")
    assert stuck.returncode == 1, stuck.stderr
    report = json.loads(stuck.stdout)
    assert [p["key"] for p in report["problems"]] == [f"batch:{BATCH}"]
    assert report["batches"][0]["documents"][0]["reason"] == "Chờ worker nhận việc"
    assert "045190001234" not in stuck.stdout
    table = _ops(data)
    assert table.returncode == 1 and BATCH in table.stdout and "Bị kẹt hoặc không phản hồi (1)" in table.stdout
    assert "Chờ worker nhận việc" in table.stdout
    rows = [line.split() for line in table.stdout.splitlines() if "Chờ worker nhận việc" in line]
    assert [row[0] for row in rows] == ["1"], table.stdout  # the batch's first document, counted from 1
    patient = _ops(data, "--json", "--stuck-after", str(3 * 3600))
    assert patient.returncode == 0 and json.loads(patient.stdout)["problems"] == []


def test_a_broker_that_does_not_answer_is_reported_not_raised(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "vault").mkdir(parents=True)
    migrate(f"sqlite:///{data / 'vault' / 'catalogue.sqlite3'}")  # outside the embedded default none is migrated
    down = _ops(data, "--json", SOHOA_INGEST_BROKER_URL="redis://127.0.0.1:1/0")  # nothing listens there
    assert down.returncode == 1, down.stderr
    report = json.loads(down.stdout)
    assert report["broker"]["reachable"] is False and [p["key"] for p in report["problems"]] == ["broker"]
