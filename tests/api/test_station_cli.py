"""The station's command line as a new user meets it: exit 2 with one line when the server is unreachable, a
hint when the token comes from another data folder, server-sent events parsed page by page, full ids and names.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from api.client import ApiError, _raise_for_problem, parse_events
from api.station_outcome import print_outcome as _print_outcome
from tests.support.pki import free_port


def test_an_unreachable_server_is_one_line_and_exit_2(tmp_path: Path) -> None:
    page = tmp_path / "page.jpg"
    page.write_bytes(b"\xff\xd8\xff")
    port = free_port()
    done = subprocess.run(
        [
            *(sys.executable, "-m", "cli", "upload", str(page), "--owner", "045190001234"),
            *("--agency", "000.00.00.H30", "--procedure", "1.011442.000.00.00.H30"),
            *("--server", f"http://127.0.0.1:{port}", "--token", "x"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SOHOA_DATA_DIR": str(tmp_path / "data")},
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: không kết nối được máy chủ sohoa"), done.stderr
    assert "cannot reach the sohoa server" in lines[0]


def test_a_token_from_another_data_folder_gets_a_hint() -> None:
    response = httpx.Response(
        401, json={"detail": "invalid bearer token: Signature verification failed"}, request=httpx.Request("GET", "/")
    )
    with pytest.raises(ApiError, match="data folder it was minted from"):
        _raise_for_problem(response)


def test_server_sent_events_are_parsed_with_ids_kinds_and_data() -> None:
    stream = [
        ": keep-alive",
        "",
        "id: 7",
        "event: page",
        'data: {"kind": "page", "index": 0, "done": 1, "total": 3}',
        "",
        "id: 8",
        "event: batch",
        'data: {"kind": "batch", "status": "done"}',
        "",
    ]
    events = list(parse_events(iter(stream)))
    assert [(e.id, e.kind) for e in events] == [(7, "page"), (8, "batch")]
    assert events[0].data["done"] == 1 and events[1].data["status"] == "done"


def _needs_rescan(doc_id: str, index: int, name: str, rescan: list[dict[str, object]]) -> dict[str, object]:
    """A batch's final state as the server reports it: one signed paper with pages to scan again."""
    return {
        "batch_id": "b" * 32,
        "status": "needs_rescan",
        "dossier_code": "000.00.00.H30-261130-0042",
        "documents": [
            {
                "index": index,
                "id": doc_id,
                "name": name,
                "status": "done",
                "signature": "TOTAL-PASSED",
                "rescan": rescan,
                "error": None,
            }
        ],
    }


def test_the_result_table_shows_full_ids_and_names(capsys: pytest.CaptureFixture[str]) -> None:
    doc_id = "0123456789abcdef0123456789abcdef"
    state = _needs_rescan(doc_id, 0, "Giấy khai sinh", [{"page": 1, "reason": "scanned at 150 dpi"}])
    assert _print_outcome(state) == 3
    out = capsys.readouterr().out
    assert doc_id in out and "Giấy khai sinh" in out


def test_a_page_to_rescan_is_said_in_vietnamese_with_the_command_that_replaces_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Walked 2026-11-30 night: `--follow` ended on the English reason and exit 3 with no way to replace the page."""
    doc_id = "0123456789abcdef0123456789abcdef"
    reason = "low OCR confidence 41/100 (threshold 60) — check focus and rescan"
    state = _needs_rescan(doc_id, 1, "Căn cước", [{"page": 2, "reason": reason}])
    assert _print_outcome(state) == 3
    out = capsys.readouterr().out
    assert "2. trang 2 cần quét lại: mờ, khó đọc: độ tin cậy nhận dạng 41/100 (ngưỡng 60)" in out
    assert f"sohoa rescan {doc_id} 2 TRANG-MOI.jpg" in out
    assert "low OCR confidence" not in out


def test_a_page_flagged_for_two_reasons_is_one_line_and_one_command(capsys: pytest.CaptureFixture[str]) -> None:
    """Walked 2026-12-01 (the scanner's hook): a blurred page, too faint and unreadable, printed page 2 twice with
    the same `sohoa rescan` command under each reason."""
    doc_id = "0123456789abcdef0123456789abcdef"
    faint = "too light: text is only 61/255 darker than the paper (at least 70 needed)"
    blurred = "low OCR confidence 15/100 (threshold 55) — check focus and rescan"
    state = _needs_rescan(doc_id, 0, "Giấy khai sinh", [{"page": 2, "reason": faint}, {"page": 2, "reason": blurred}])
    assert _print_outcome(state) == 3
    out = capsys.readouterr().out
    assert out.count(f"sohoa rescan {doc_id} 2 TRANG-MOI.jpg") == 1
    assert out.count("1. trang 2 cần quét lại:") == 1 and "quá nhạt" in out and "mờ, khó đọc" in out


def test_a_paper_scanned_again_prints_the_hint_and_how_to_choose(capsys: pytest.CaptureFixture[str]) -> None:
    stored = "fedcba9876543210fedcba9876543210"
    hint = "Giấy tờ này đã có trong kho dữ liệu của công dân: «Giấy khai sinh», lưu ngày 30/11/2026. Chọn: …"
    state = {
        "batch_id": "b" * 32,
        "status": "awaiting_choice",
        "dossier_code": "000.00.00.H30-261130-0043",
        "documents": [
            {
                "index": 1,
                "id": None,
                "name": "Giấy khai sinh",
                "status": "awaiting_choice",
                "signature": None,
                "rescan": [],
                "error": None,
                "scanned_before": {"id": stored, "name": "Giấy khai sinh", "hint": hint},
            }
        ],
    }
    assert _print_outcome(state) == 4  # the station has something to do
    out = capsys.readouterr().out
    assert hint in out and stored in out
    assert f"sohoa choose {'b' * 32} 2 reuse|new_version|new_document" in out


def test_a_page_replaced_since_points_to_the_batch_that_replaced_it(capsys: pytest.CaptureFixture[str]) -> None:
    later = "c" * 32
    state = {
        "batch_id": "b" * 32,
        "status": "needs_rescan",
        "dossier_code": "000.00.00.H30-261130-0042",
        "documents": [
            {
                "index": 0,
                "id": "d" * 32,
                "name": "Căn cước",
                "status": "done",
                "signature": "TOTAL-PASSED",
                "rescan": [{"page": 1, "reason": "scanned at 150 dpi"}],
                "error": None,
                "replaced_by": later,
            },
        ],
    }
    assert _print_outcome(state) == 0  # nothing left to rescan (walked 2026-11-30 night: it exited 3)
    out = capsys.readouterr().out
    assert f"1. đã thay bằng bản quét mới: `sohoa status {later}`" in out and "sohoa rescan" not in out
    documents = state["documents"]
    assert isinstance(documents, list)
    documents.append({**documents[0], "index": 1, "replaced_by": None})  # one page still to rescan
    assert _print_outcome(state) == 3


def test_the_sign_agent_says_an_unplugged_token_in_vietnamese(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Walked 2026-11-30 night: Chị Lan's agent said only "error: no token labelled …" in English."""
    from typer.testing import CliRunner

    from api.agent import AgentClient
    from cli.main import app
    from signing.errors import TokenNotFoundError

    def unplugged(module: Path, label: str, key: str | None, pin: str) -> None:
        raise TokenNotFoundError(f"no token labelled {label!r}: is the USB token plugged in?")

    monkeypatch.setattr(AgentClient, "pending", lambda self: [{"id": "r1"}])
    # not the real module: a PKCS#11 module initialises once per process, and other tests here load SoftHSM
    monkeypatch.setattr("signing.token.open_token", unplugged)
    pin = tmp_path / "pin"
    pin.write_text("123456")
    arguments = ["sign-agent", "--pkcs11-lib", "/usr/lib/softhsm/libsofthsm2.so", "--token-label", "usb-khong-co"]
    run = CliRunner().invoke(app, [*arguments, "--pin-file", str(pin), "--yes", "--token", "t"])
    assert run.exit_code == 2, run.output
    lines = run.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: không thấy thiết bị ký: cắm thiết bị ký USB"), lines
    assert "no token labelled 'usb-khong-co'" in lines[0]  # the detail kept, in brackets


def test_a_document_refused_for_an_untrusted_certificate_exits_6_with_one_vietnamese_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Walked 2026-11-30 night: a self-signed officer certificate failed the documents with the raw
    "sign: InvalidCertificateError: …" and `sohoa upload` exited 1, a code docs/cli.md does not list."""
    from ingest.steps import UNTRUSTED_CERTIFICATE, _reason
    from signing.errors import CertificateUntrustedError

    reason = _reason(CertificateUntrustedError("signing certificate of Nguyễn Thị Lan is self-signed"))
    assert reason == UNTRUSTED_CERTIFICATE and "Error" not in reason
    state = {
        "batch_id": "b" * 32,
        "status": "failed",
        "dossier_code": "000.00.00.H30-261130-0042",
        "documents": [
            {
                "index": 0,
                "id": None,
                "name": "Căn cước",
                "status": "failed",
                "signature": None,
                "rescan": [],
                "error": f"sign: {reason}",
            },
        ],
    }
    assert _print_outcome(state) == 6
    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if line.startswith("1. ")]
    assert line == f"1. lỗi ở bước ký số: {UNTRUSTED_CERTIFICATE}"


def test_the_agent_asks_in_vietnamese_and_takes_c_co_and_y() -> None:
    """Walked 2026-11-30 night: the agent's "Ký tài liệu này?" ended with click's English "[y/N]"."""
    from click.testing import CliRunner

    from api.agent import ask_vi

    runner = CliRunner()
    for typed, expected in (("c\n", True), ("có\n", True), ("co\u0301\n", True), ("y\n", True), ("\n", False)):
        with runner.isolation(input=typed) as (out, _err, *_):
            assert ask_vi("Ký tài liệu này?") is expected, typed
        assert out.getvalue().decode().startswith("Ký tài liệu này? [c/K]: ")
    with runner.isolation(input="ok\nkhông\n") as (out, _err, *_):
        assert ask_vi("Ký tài liệu này?") is False
    shown = out.getvalue().decode()
    assert "[y/N]" not in shown and "Trả lời c (có, ký) hoặc k (không ký)." in shown


def test_the_result_table_fits_an_80_column_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Walked 2026-11-30 night in an 80-column tmux: the 160-column table wrapped line by line. A terminal narrower
    than the table gets three columns with each id whole under its paper; a pipe keeps the full table."""
    state = {
        "batch_id": "b" * 32,
        "status": "needs_rescan",
        "dossier_code": "000.00.00.H30-261130-0042",
        "documents": [
            {
                "index": 0,
                "id": "d" * 32,
                "name": "Giấy khai sinh của Nguyễn Thị Lan",
                "status": "done",
                "signature": "TOTAL-PASSED",
                "rescan": [{"page": 2, "reason": "scanned at 150 dpi; at least 200 dpi is required"}],
                "error": None,
            },
            {
                "index": 1,
                "id": None,
                "name": "Căn cước",
                "status": "awaiting_signature",
                "signature": None,
                "rescan": [],
                "error": None,
            },
        ],
    }
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: a terminal, though pytest captures the output
    assert _print_outcome(state) == 3
    out = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)  # rich's styles on a terminal
    table = out[: out.index("batch ")]  # the lines after it are sentences, which the terminal wraps at words
    assert max(len(line) for line in table.splitlines()) <= 80, out
    assert "d" * 32 in out and "awaiting_signature" in out and "sohoa rescan " + "d" * 32 + " 2 " in out
    monkeypatch.setenv("TTY_COMPATIBLE", "0")  # a pipe: the full table, as scripts read it
    _print_outcome(state)
    assert max(len(line) for line in capsys.readouterr().out.splitlines()) > 80
