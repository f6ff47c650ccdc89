"""The README's examples work as written: every `sohoa` command and option of its Commands block exists, and the
station's day (`sohoa token`, `sohoa upload scan-*.jpg … --split blank`) runs in a shell against the embedded
default, storing "Tài liệu 1" and "Tài liệu 2" as the README says; `sohoa status` shows the batch afterwards.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bench.synthetic import blank_page, encode_jpeg, render_page, seed_paragraphs
from tests.support.stack import SohoaStack

README = Path(__file__).parents[2] / "README.md"
BIN = Path(sys.executable).parent


def _block_after(marker: str) -> str:
    """The first ```sh block after the line holding `marker`."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(marker) :]
    return after.split("```sh\n", 1)[1].split("```", 1)[0]


def _commands(block: str) -> Iterator[tuple[list[str], list[str]]]:
    """Each `sohoa` command of the block: its subcommand words and the options it names."""
    for line in block.splitlines():
        for segment in line.split("#", 1)[0].split("   |   "):
            words = segment.split()
            if not words or words[0] != "sohoa":
                continue
            path: list[str] = []
            for word in words[1:]:
                if not re.fullmatch(r"[a-z][a-z-]*(\|[a-z][a-z-]*)*", word):
                    break
                path.append(word)
            options = re.findall(r"--[a-z0-9][a-z0-9-]*", segment)
            for last in path[-1].split("|"):  # `backup create|restore`: both
                yield [*path[:-1], last], options


def _help(path: list[str]) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "cli", *path, "--help"], capture_output=True, text=True, env=environment, timeout=120
    )


def test_every_command_and_option_of_the_readme_exists() -> None:
    commands = list(_commands(_block_after("## Commands")))
    assert len(commands) >= 18, commands
    for path, options in commands:
        answer = _help(path)
        assert answer.returncode == 0, (path, answer.stderr)
        for option in options:
            assert option in answer.stdout, (path, option)


def test_the_station_commands_find_serve_on_the_port_the_readme_names() -> None:
    """`SOHOA_API_PORT` moves `sohoa serve` (README: "`SOHOA_API_PORT` to change it"); without `SOHOA_SERVER` the
    station commands then talk to that port, not to 8000 where nothing listens."""
    assert "`SOHOA_API_PORT` to change it" in README.read_text(encoding="utf-8")
    environment = {**os.environ, "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1", "SOHOA_API_PORT": "8741"}
    environment.pop("SOHOA_SERVER", None)
    for command in ("upload", "status", "choose", "rescan"):
        command_line = [sys.executable, "-m", "cli", command, "--help"]
        answer = subprocess.run(command_line, capture_output=True, text=True, env=environment, timeout=120)
        assert answer.returncode == 0, answer.stderr
        assert "http://127.0.0.1:8741" in answer.stdout and "127.0.0.1:8000" not in answer.stdout, answer.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SohoaStack]:
    stack = SohoaStack(tmp_path_factory.mktemp("readme") / "data", {}, development_sign_in=True)
    stack.data_dir.mkdir()
    stack.start_server(embedded_worker=True, timeout=120)
    yield stack
    stack.stop()


def _scans(folder: Path) -> None:
    """What a scanner leaves: a page, a blank separator, a page."""
    paragraphs = seed_paragraphs()
    first, _ = render_page(paragraphs[0:1], height_mm=100.0)
    second, _ = render_page(paragraphs[3:4], height_mm=100.0, header=False)
    blank = blank_page(np.random.default_rng(1), paragraphs[5:6], dpi=300, width_mm=210.0, height_mm=100.0)
    for name, image in (("scan-1.jpg", first), ("scan-2.jpg", blank), ("scan-3.jpg", second)):
        (folder / name).write_bytes(encode_jpeg(image, 300))


@pytest.mark.slow
def test_the_station_day_of_the_readme_runs_as_written(server: SohoaStack, tmp_path: Path) -> None:
    _scans(tmp_path)
    script = _block_after("A station's day")
    assert "sohoa upload scan-*.jpg" in script
    environment = {**server._environment(), "PATH": f"{BIN}:{os.environ['PATH']}", "SOHOA_SERVER": server.url}
    answer = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert re.search(r"│ 1 │ Tài liệu 1 │ done +│ TOTAL-PASSED", answer.stdout), answer.stdout
    assert re.search(r"│ 2 │ Tài liệu 2 │ done +│ TOTAL-PASSED", answer.stdout), answer.stdout
    assert "HTTP Request" not in answer.stderr
    batch = re.search(r"batch ([0-9a-f]{32}) accepted", answer.stdout)
    assert batch, answer.stdout
    token = server.cli("token", "--role", "station", "--sub", "QT-01", "--agency", "000.00.00.H30").stdout.strip()
    status = server.cli("status", batch[1], "--server", server.url, "--token", token)
    assert status.returncode == 0 and f"batch {batch[1]}: done" in status.stdout, status.stdout + status.stderr
    unknown = server.cli("status", "0" * 32, "--server", server.url, "--token", token)
    assert unknown.returncode == 2 and "no such batch" in unknown.stderr
