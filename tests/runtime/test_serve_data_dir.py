"""`sohoa serve --data-dir DIR` serves the installation in DIR: its catalogue, objects and development token key, as
the README's `sohoa serve [--data-dir DIR]` says. Walked on 1 Dec 2026: the API kept the folder of SOHOA_DATA_DIR (or
the default ~/.local/share/sohoa) while only its worker used DIR, so a token `sohoa token` made for DIR was refused
("Signature verification failed") and what the pages showed was another folder's."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.pki import free_port


def test_the_api_serves_the_data_folder_it_was_given(tmp_path: Path) -> None:
    chosen, elsewhere, port = tmp_path / "chosen", tmp_path / "from-the-environment", free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    environment |= {"SOHOA_DATA_DIR": str(elsewhere), "OMP_THREAD_LIMIT": "1"}
    command = [sys.executable, "-m", "cli", "serve", "--no-worker", "--data-dir", str(chosen), "--port", str(port)]
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(command, env=environment, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert server.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
        minted = subprocess.run(
            [sys.executable, "-m", "cli", "token", "--role", "citizen", "--sub", "hoa", "--owner", "045190001234"],
            env=environment | {"SOHOA_DATA_DIR": str(chosen)},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        grants = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/me/grants",
            headers={"Authorization": f"Bearer {minted.stdout.strip()}"},
            timeout=30,
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert grants.status_code == 200, grants.text  # the key of the folder it was given
    assert (chosen / "vault" / "catalogue.sqlite3").exists()
    assert not (elsewhere / "vault").exists()
