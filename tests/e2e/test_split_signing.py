"""Officers who sign on their own PC: two officers, each with their own SoftHSM token and certificate, upload
batches; the documents wait as `awaiting_signature` (nothing in the vault); `sohoa sign-agent` runs as a separate
process with the token, signs, and the server completes B-LT against the certomancer PKI and stores them. A
rejected request leaves its document waiting and unstored until renewed; the agent's errors are one line, exit 2;
pdfsig and `sohoa verify` agree on every stored file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from api.client import StationClient
from core.types import Role, SignatureLevel, Verdict
from signing.validate import validate_pdf
from tests.e2e.conftest import AGENCY, OWNER, ScanSet
from tests.signing.pdfsig import pdfsig_intact
from tests.support import softhsm
from tests.support.pki import RunningPki
from tests.support.stack import SohoaStack
from tests.support.uploads import station_manifest

pytestmark = pytest.mark.slow

R = "/api/v1/signature-requests"
OTHER_OWNER = "001200009876"
OFFICERS = {"nhung": "officer", "binh": "officer2"}  # token `sub` → identity of the test PKI


@pytest.fixture(scope="module")
def tokens(pki: RunningPki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, softhsm.SoftHsmToken]:
    if not softhsm.available():
        pytest.fail("SoftHSM2 is required (apt-get install softhsm2)")
    made = {}
    for sub, label in OFFICERS.items():
        identity = pki.identity(label)
        root = tmp_path_factory.mktemp(f"token-{sub}")
        made[sub] = softhsm.token_for_another_process(root, f"usb-{sub}", identity.key_pem, identity.cert_pem, sub)
    return made


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, pki: RunningPki) -> Iterator[SohoaStack]:
    tmp_path = tmp_path_factory.mktemp("split-stack")
    officers = tmp_path / "officers.toml"
    officers.write_text(
        "".join(
            f'[officers.{sub}]\nmode = "split"\ncertificate = "{pki.identity(label).cert_pem}"\n'
            f'chain = ["{pki.intermediate_cert}"]\n\n'
            for sub, label in OFFICERS.items()
        ),
        encoding="utf-8",
    )
    env = {
        "SOHOA_SIGNING_TSA_URL": pki.tsa_url,
        "SOHOA_SIGNING_TRUST_DIR": str(pki.trust_dir),
        "SOHOA_SIGNING_LEVELS": '{"component": "B-LT"}',
        "SOHOA_INGEST_OFFICERS_FILE": str(officers),
    }
    running = SohoaStack(tmp_path / "data", env)
    running.data_dir.mkdir()
    running.start_server(embedded_worker=True, timeout=180)  # a loaded 2-core host is slow to start it
    yield running
    running.stop()


def _upload(stack: SohoaStack, sub: str, pages: list[Path], owner: str = OWNER) -> dict[str, Any]:
    documents = [
        {"type_code": f"T{i}", "name": f"Giấy tờ {i + 1} của {sub}", "pages": str(i + 1)} for i in range(len(pages))
    ]
    manifest = station_manifest("manifest", owner=owner, documents=documents)
    client = StationClient(stack.url, stack.token(Role.STATION, sub, agency=AGENCY))
    try:
        accepted = client.upload(pages, manifest)
        return client.follow(accepted["batch_id"], timeout=300)  # the stream ends when only signatures are awaited
    finally:
        client.close()


def _batch(stack: SohoaStack, sub: str, batch_id: str) -> dict[str, Any]:
    token = stack.token(Role.STATION, sub, agency=AGENCY)
    response = httpx.get(f"{stack.url}/api/v1/batches/{batch_id}", headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return dict(response.json())


def _wait(stack: SohoaStack, sub: str, batch_id: str, done: int, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = _batch(stack, sub, batch_id)
        if sum(d["status"] == "done" for d in state["documents"]) >= done or state["status"] == "failed":
            return state
        assert time.monotonic() < deadline, (state, stack.log_tail("server"))
        time.sleep(0.5)


def _officer_api(stack: SohoaStack, sub: str) -> httpx.Client:
    token = stack.token(Role.STATION, sub, agency=AGENCY)
    return httpx.Client(base_url=stack.url, headers={"Authorization": f"Bearer {token}"})


def agent(
    stack: SohoaStack, sub: str, token: softhsm.SoftHsmToken, *args: str, pin: str | None = None, server: str = ""
) -> subprocess.CompletedProcess[str]:
    """`sohoa sign-agent` on the officer's PC: its own process, its own SoftHSM folder, the officer's token."""
    pin_file = Path(token.config).parent / "pin"
    pin_file.write_text(pin or token.pin)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env |= {"SOFTHSM2_CONF": str(token.config), "SOHOA_TOKEN": stack.token(Role.STATION, sub, agency=AGENCY)}
    command = [sys.executable, "-m", "cli", "sign-agent", "--server", server or stack.url]
    command += ["--pkcs11-lib", str(token.module), "--token-label", token.label, "--pin-file", str(pin_file), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def _stored(stack: SohoaStack, document_id: str, what: str = "content") -> bytes:
    token = stack.token(Role.HANDLER, "handler-1", agency=AGENCY)
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": quote("kiểm tra chữ ký")}
    response = httpx.get(f"{stack.url}/api/v1/documents/{document_id}/{what}", headers=headers, timeout=30)
    response.raise_for_status()
    return response.content


def test_two_officers_sign_their_own_documents_with_their_own_tokens(
    stack: SohoaStack, tokens: dict[str, softhsm.SoftHsmToken], scan_set: ScanSet, pki: RunningPki, tmp_path: Path
) -> None:
    pages = [scan_set.files[1], scan_set.files[3]]
    first = _upload(stack, "nhung", pages)
    second = _upload(stack, "binh", pages[:1])
    for state in (first, second):  # prepared, waiting; nothing stored
        assert state["status"] == "awaiting_signature", (state, stack.log_tail("server"))
        assert {d["status"] for d in state["documents"]} == {"awaiting_signature"}
        assert all(d["id"] is None and "Chờ cán bộ ký" in d["error"] for d in state["documents"])

    with _officer_api(stack, "nhung") as nhung, _officer_api(stack, "binh") as binh:
        mine = sorted(nhung.get(R).json(), key=lambda r: r["index"])  # prepared in parallel: any order
        assert [r["document_name"] for r in mine] == ["Giấy tờ 1 của nhung", "Giấy tờ 2 của nhung"]
        assert {r["dossier_code"] for r in mine} == {first["dossier_code"]} and mine[0]["pages"] == 1
        [theirs] = binh.get(R).json()
        assert nhung.get(f"{R}/{theirs['id']}").status_code == 404  # another officer's request is not there
        assert nhung.post(f"{R}/{theirs['id']}/rejection", json={"reason": "x"}).status_code == 404
        bad = nhung.post(f"{R}/{mine[0]['id']}/signature", json={"signature": "AAAA" * 64})
        assert bad.status_code == 422 and "does not match" in bad.json()["detail"]

    # the officer rejects the second document: it waits, not stored, and says why
    rejected = agent(stack, "nhung", tokens["nhung"], "--reject", mine[1]["id"], "--reason", "Trang bị mờ")
    assert rejected.returncode == 0, rejected.stderr
    state = _batch(stack, "nhung", first["batch_id"])
    assert state["documents"][1]["status"] == "awaiting_signature" and state["documents"][1]["id"] is None
    assert "từ chối ký: Trang bị mờ" in state["documents"][1]["error"]

    signed = agent(stack, "nhung", tokens["nhung"], "--yes")
    assert signed.returncode == 0, signed.stderr
    assert "Người ký: Nguyễn Thị Hồng Nhung" in signed.stdout and first["dossier_code"] in signed.stdout
    assert mine[0]["document_sha256"] in signed.stdout and "Đã ký 1, bỏ qua 0." in signed.stdout
    state = _wait(stack, "nhung", first["batch_id"], done=1)
    assert [d["status"] for d in state["documents"]] == ["done", "awaiting_signature"], state
    assert state["status"] == "awaiting_signature"

    with _officer_api(stack, "nhung") as nhung:  # asked again: prepared anew, signed, stored
        assert nhung.post(f"{R}/{mine[1]['id']}/renewal").status_code == 202
        deadline = time.monotonic() + 120
        while not nhung.get(R).json():
            assert time.monotonic() < deadline, stack.log_tail("server")
            time.sleep(0.5)
    assert agent(stack, "nhung", tokens["nhung"], "--yes").returncode == 0
    assert agent(stack, "binh", tokens["binh"], "--yes").returncode == 0
    first = _wait(stack, "nhung", first["batch_id"], done=2)
    second = _wait(stack, "binh", second["batch_id"], done=1)
    assert first["status"] == second["status"] == "done", (first, second)

    trust = pki.trust()
    signers = {}
    for sub, state in (("nhung", first), ("binh", second)):
        for doc in state["documents"]:
            path = tmp_path / f"{sub}-{doc['index']}.pdf"
            path.write_bytes(_stored(stack, doc["id"]))
            report = validate_pdf(path.read_bytes(), trust)
            assert report.verdict is Verdict.TOTAL_PASSED, report.model_dump()
            [sig] = report.signatures
            assert sig.pades_level is SignatureLevel.B_LT and doc["signature"] == Verdict.TOTAL_PASSED
            [version] = json.loads(_stored(stack, doc["id"], "versions"))  # the level the file has, stored with it
            assert version["signature_level"] == SignatureLevel.B_LT.value
            signers.setdefault(sub, set()).add(sig.signer_name)
            assert pdfsig_intact(path) == [True]
            verify = subprocess.run(
                [sys.executable, "-m", "cli", "verify", str(path), "--trust", str(pki.root_cert), "--offline"],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert verify.returncode == 0, verify.stdout + verify.stderr
    assert signers == {"nhung": {"Nguyễn Thị Hồng Nhung"}, "binh": {"Trần Văn Bình"}}


def test_the_agent_says_what_is_wrong_in_one_line(
    stack: SohoaStack, tokens: dict[str, softhsm.SoftHsmToken], scan_set: ScanSet
) -> None:
    # another citizen's paper: the same page for the same owner, once stored, would be a paper scanned again
    state = _upload(stack, "nhung", [scan_set.files[1]], owner=OTHER_OWNER)
    assert state["status"] == "awaiting_signature", state
    token = tokens["nhung"]
    wrong_pin = agent(stack, "nhung", token, "--yes", pin="000000")
    unplugged = agent(stack, "nhung", token, "--yes", "--token-label", "no-such-token")
    away = agent(stack, "nhung", token, "--yes", server="http://127.0.0.1:9")
    for done, words in ((wrong_pin, "refused the PIN"), (unplugged, "no token labelled"), (away, "unreachable")):
        assert done.returncode == 2, done.stdout + done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0], done.stderr
    assert _batch(stack, "nhung", state["batch_id"])["documents"][0]["status"] == "awaiting_signature"
