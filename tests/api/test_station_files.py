"""The scanner's "run after scan" hook as it calls `sohoa upload`: the job folder stands for its pages in name
order, a file that is no scan is named before anything is sent, refusals are one Vietnamese line (walked 2026-12-01).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from PIL import Image

from api.client import ApiError, Unreachable, _raise_for_problem
from api.station_files import StationFileError, page_files, station_error
from tests.support.pki import free_port


def _jpeg(path: Path) -> Path:
    Image.new("L", (40, 60), 255).save(path, "JPEG")
    return path


def test_a_job_folder_is_its_page_files_in_name_order_without_system_files(tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir()
    for name in ("scan10.jpg", "scan2.jpg", "scan1.jpg"):
        _jpeg(job / name)
    (job / "Thumbs.db").write_bytes(b"\x00" * 10)
    (job / ".hidden").write_text("x")
    assert [p.name for p in page_files([job])] == ["scan1.jpg", "scan2.jpg", "scan10.jpg"]


def test_a_file_that_is_no_scan_is_named_and_nothing_is_sent(tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir()
    _jpeg(job / "p1.jpg")
    (job / "job.xml").write_text("<job/>")
    with pytest.raises(StationFileError, match=r"job\.xml không phải trang quét.*chưa gửi trang nào"):
        page_files([job])
    with pytest.raises(StationFileError, match="không thấy tệp"):
        page_files([tmp_path / "missing"])
    with pytest.raises(StationFileError, match="không có tệp trang quét"):
        (tmp_path / "empty").mkdir()
        page_files([tmp_path / "empty"])


def test_an_expired_token_is_said_in_vietnamese_with_what_to_do() -> None:
    response = httpx.Response(
        401, json={"detail": "invalid bearer token: Signature has expired"}, request=httpx.Request("GET", "/")
    )
    with pytest.raises(ApiError) as caught:
        _raise_for_problem(response)
    line = station_error(caught.value)
    assert line.startswith("máy chủ không nhận mã truy cập") and "Signature has expired" in line
    assert station_error(Unreachable("cannot reach")).startswith("không kết nối được máy chủ sohoa")


def _hook_upload(tmp_path: Path, scans: Path, port: int) -> subprocess.CompletedProcess[str]:
    """`sohoa upload` as a scanner's "run after scan" hook calls it: no terminal, no input, its own data folder."""
    return subprocess.run(
        [
            *(sys.executable, "-m", "cli", "upload", str(scans), "--owner", "045190001234"),
            *("--agency", "000.00.00.H30", "--procedure", "1.011442.000.00.00.H30"),
            *("--server", f"http://127.0.0.1:{port}", "--token", "x"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "SOHOA_DATA_DIR": str(tmp_path / "data")},
        check=False,
    )


def test_the_hook_gives_a_folder_with_a_wrong_file_exit_2_and_one_line(tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir()
    _jpeg(job / "0001.jpg")
    (job / "0002.jpg").write_text("scanner log, not a picture")
    done = _hook_upload(tmp_path, job, free_port())
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert "0002.jpg không phải trang quét" in lines[0]


def test_a_server_lost_after_accepting_says_do_not_upload_again_and_exits_5(tmp_path: Path) -> None:
    """The network fails between the accepted upload and the end of the batch: the scanner's hook must not send the
    pages again (they would wait as "a paper scanned again"); it is told the batch and `sohoa status`."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    def going_away(server: HTTPServer) -> None:  # stop serving, then close the socket: the next call is refused
        server.shutdown()
        server.server_close()

    class AcceptsThenGoesAway(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps({"batch_id": "a" * 32, "dossier_code": "000.00.00.H30-261201-0001"}).encode()
            self.send_response(202)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            assert isinstance(self.server, HTTPServer)
            threading.Thread(target=going_away, args=(self.server,)).start()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), AcceptsThenGoesAway)
    serving = threading.Thread(target=server.serve_forever)
    serving.start()
    try:
        done = _hook_upload(tmp_path, _jpeg(tmp_path / "0001.jpg"), server.server_address[1])
    finally:
        serving.join(timeout=10)
    assert done.returncode == 5, done.stderr
    assert "không tải lên lại" in done.stderr and f"sohoa status {'a' * 32} --wait" in done.stderr
