"""With SOHOA_LOG_FORMAT=json every line `sohoa serve` writes is one JSON object, uvicorn's own included
(docs/deploy.md, "Logs"). Walked on 30 Nov 2026: uvicorn's start-up and shutdown lines ("INFO:     Started server
process [..]") came out as plain text between the JSON lines, which a log shipper parsing JSON rejects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.stack import SohoaStack


@pytest.mark.parametrize("processes", ["1", "2"])
def test_every_line_of_the_api_log_is_json(tmp_path: Path, processes: str) -> None:
    stack = SohoaStack(tmp_path / "data", {"SOHOA_LOG_FORMAT": "json", "SOHOA_API_WORKERS": processes})
    stack.data_dir.mkdir()
    try:
        stack.start_server(timeout=120)
    finally:
        stack.stop()
    lines = [line for line in (stack.data_dir / "server.log").read_text().splitlines() if line.strip()]
    plain = []
    for line in lines:
        try:
            json.loads(line)
        except ValueError:
            plain.append(line)
    assert not plain, plain
    events = [json.loads(line) for line in lines]
    assert any(e.get("logger", "").startswith("uvicorn") and "Started server process" in e["event"] for e in events)
