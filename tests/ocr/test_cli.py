"""`sohoa ocr` end to end: exit 0 / 2 / 3, the report, the sidecars, --drop-blank, bad input without traceback."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest

from tests.ocr.bad_inputs import BAD_INPUTS
from tests.ocr.scans import Case

pytestmark = pytest.mark.slow


@dataclass
class Ran:
    exit_code: int
    output: str


def sohoa(*args: str) -> Ran:
    """The real command line in its own process (as a station runs it): exit code and stdout+stderr."""
    done = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, check=False)
    return Ran(done.returncode, done.stdout + done.stderr)


def test_clean_page_exit_0_with_report_and_sidecars(cases: dict[str, Case], tmp_path: Path) -> None:
    out, report, sidecar = tmp_path / "doc.pdf", tmp_path / "doc.json", tmp_path / "doc.txt"
    result = sohoa(
        *["ocr", str(cases["clean"].path), "-o", str(out), "--report", str(report), "--sidecar", str(sidecar)]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(report.read_text(encoding="utf-8"))
    assert body["page_count"] == 1 and body["needs_rescan"] is False and body["issues"] == []
    assert "35/2022/QĐ-UBND" in body["fields"]["document_numbers"]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in sidecar.read_text(encoding="utf-8")
    words = json.loads((tmp_path / "doc.words.json").read_text(encoding="utf-8"))
    first = words["pages"][0]["words"][0]
    assert set(first) == {"text", "box", "conf", "line"} and len(first["box"]) == 4
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 1


def test_low_resolution_page_exit_3_and_listed_for_rescan(cases: dict[str, Case], tmp_path: Path) -> None:
    out, report = tmp_path / "doc.pdf", tmp_path / "doc.json"
    paths = [str(cases["clean"].path), str(cases["lowres"].path)]
    result = sohoa(*["ocr", *paths, "-o", str(out), "--report", str(report), "--jobs", "2"])
    assert result.exit_code == 3, result.output
    body = json.loads(report.read_text(encoding="utf-8"))
    assert body["rescan_pages"] == [2]
    assert body["issues"][0]["verdict"] == "low_resolution"
    assert out.exists()


def test_drop_blank_leaves_the_blank_page_out(cases: dict[str, Case], tmp_path: Path) -> None:
    out, report = tmp_path / "doc.pdf", tmp_path / "doc.json"
    paths = [str(cases["clean"].path), str(cases["blank"].path)]
    result = sohoa(*["ocr", *paths, "-o", str(out), "--report", str(report), "--drop-blank"])
    assert result.exit_code == 0, result.output
    body = json.loads(report.read_text(encoding="utf-8"))
    assert body["page_count"] == 1
    assert [(i["page"], i["verdict"]) for i in body["issues"]] == [(2, "blank")]
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 1


def test_drop_blank_on_blank_pages_only_exit_2_and_nothing_written(cases: dict[str, Case], tmp_path: Path) -> None:
    out = tmp_path / "doc.pdf"
    result = sohoa(*["ocr", str(cases["blank"].path), "-o", str(out), "--drop-blank"])
    assert result.exit_code == 2, result.output
    assert "all 1 page(s) are blank" in result.output and "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_exit_2_names_file_and_reason(cases: dict[str, Case], tmp_path: Path, name: str) -> None:
    build, expected = BAD_INPUTS[name]
    bad = build(tmp_path)
    out = tmp_path / "doc.pdf"
    result = sohoa(*["ocr", str(cases["clean"].path), str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert str(bad) in result.output and expected in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.glob(".*.tmp")) == []


def _on_a_terminal(args: list[str], columns: int = 80) -> tuple[int, str]:
    """`sohoa` on a pseudo-terminal of `columns` columns (as a station's console): exit code and what it showed."""
    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "cli", *args], stdin=side, stdout=side, stderr=side, env=env)
    os.close(side)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    return process.wait(timeout=300), shown.decode("utf-8", "replace")


def test_on_a_terminal_the_progress_bar_is_not_cut_by_log_lines(cases: dict[str, Case], tmp_path: Path) -> None:
    """The walk of 2026-12-01: in an 80-column terminal each page's `ocr.page` log line (three wrapped lines) was
    printed between two draws of the bar. On a terminal the bar alone shows progress; the pages that need a rescan
    are listed after it, as before."""
    pages = [str(cases[name].path) for name in ("clean", "rot90", "lowres")]
    code, shown = _on_a_terminal(["ocr", *pages, "-o", str(tmp_path / "doc.pdf"), "--jobs", "1"])
    assert code == 3, shown
    assert "3/3" in shown  # the bar was drawn to its end
    assert "ocr.page" not in shown and "[info" not in shown, shown
    assert "page 3: low_resolution" in shown
    piped = sohoa("ocr", *pages, "-o", str(tmp_path / "piped.pdf"), "--jobs", "1")  # a pipe keeps the log lines
    assert piped.output.count("ocr.page") == 3, piped.output
