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


def test_while_a_progress_bar_shows_info_is_left_out_and_warnings_go_through_the_bar(tmp_path: Path) -> None:
    """`sohoa ocr` on a terminal printed an `ocr.page` line per page through its progress bar (walk of 2026-12-01):
    while the bar shows, INFO is left out and warnings, ours and the libraries', go through the bar's console."""
    for fmt in ("console", "json"):
        program = (
            "from core.logging import configure_logging, get_logger, while_progress_shows\n"
            f"configure_logging('INFO', {fmt!r})\n"
            "bar = []\n"
            "with while_progress_shows(bar.append):\n"
            "    get_logger('ocr.api').info('ocr.page', page=1)\n"
            "    get_logger('ocr.engine').warning('ocr.engine_fallback')\n"
            "    logging.getLogger('some.library').warning('library warning')\n"
            "print('BAR', bar, flush=True)\n"
            "get_logger('ocr.api').info('after the bar')\n"
            "logging.getLogger('some.library').info('library after')\n"
        )
        env = {**os.environ, "SOHOA_DATA_DIR": str(tmp_path)}
        result = subprocess.run(
            [sys.executable, "-c", f"import logging\n{program}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        bar = result.stdout
        assert "ocr.engine_fallback" in bar and "library warning" in bar, (fmt, bar)
        assert "ocr.page" not in bar and "ocr.page" not in result.stderr, (fmt, bar, result.stderr)
        assert "ocr.engine_fallback" not in result.stderr and "library warning" not in result.stderr, fmt
        assert "after the bar" in result.stderr and "library after" in result.stderr, (fmt, result.stderr)
