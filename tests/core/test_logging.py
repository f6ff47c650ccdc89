"""Under SOHOA_LOG_FORMAT=json every stderr line of a command is one JSON object, and a library's start-up notice
is none of them: the walk of 2026-11-30 saw pikepdf's "logger bridge initialized" on every command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _stderr_events(tmp_path: Path, program: str) -> list[dict[str, object]]:
    env = {**os.environ, "SOHOA_LOG_FORMAT": "json", "SOHOA_DATA_DIR": str(tmp_path)}
    code = f"import structlog, logging\n{program}"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # a plain line fails here


def test_a_command_in_json_mode_writes_only_json_and_no_pikepdf_bridge_line(tmp_path: Path) -> None:
    program = (  # a command imports pikepdf when it opens a PDF, after `sohoa`'s callback configured the logging
        "from core.logging import configure_logging\n"
        "configure_logging('INFO', 'json')\n"
        "import pikepdf\n"
        "logging.getLogger('sohoa.test').info('after pikepdf')\n"
    )
    events = _stderr_events(tmp_path, program)
    assert [e["event"] for e in events] == ["after pikepdf"]
