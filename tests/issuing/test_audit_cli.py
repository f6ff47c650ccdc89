"""`sohoa audit checkpoint` and `sohoa audit verify [--checkpoint FILE]` as an operator and a citizen use them:
real processes on a data folder with the agency's PKCS#12 and the test PKI's TSA; the citizen's copy downloaded
from the API (`GET /api/v1/me/access-log/checkpoint`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.app import create_app
from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import core_settings
from core.types import Role
from runtime.app import api_services
from tests.issuing.test_audit_checkpoints import _log_some_reads, _recompute_chain
from tests.issuing.test_audit_checkpoints import pki as pki  # the module's certomancer PKI
from tests.support.pki import RunningPki
from tests.vault.conftest import PERSON, build_vault
from vault.db import migrate
from vault.models import AccessLog
from vault.service import Vault
from vault.store import LocalStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path: Path, pki: RunningPki) -> Iterator[tuple[Path, dict[str, str]]]:
    """An embedded-default data folder whose agency signs with the PKI's PKCS#12 and TSA."""
    data = tmp_path / "data"
    password = tmp_path / "agency-password"
    password.write_text(pki.password)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(
        SOHOA_DATA_DIR=str(data),
        SOHOA_SIGNING_TSA_URL=pki.tsa_url,
        SOHOA_SIGNING_TRUST_DIR=str(pki.trust_dir),
        SOHOA_ISSUING_AGENCY_P12=str(pki.identity("agency").p12),
        SOHOA_ISSUING_AGENCY_P12_PASSWORD_FILE=str(password),
        PYTHONPATH=str(ROOT),
    )
    yield data, env


def _sohoa(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _vault(data: Path) -> Vault:
    url = f"sqlite:///{data / 'vault' / 'catalogue.sqlite3'}"
    (data / "vault").mkdir(parents=True, exist_ok=True)
    migrate(url)
    return build_vault(url, LocalStore(data / "vault" / "objects"))


def _citizen_copy(vault: Vault, target: Path) -> Path:
    app = create_app(services=api_services(core_settings(), vault.sessions, vault))
    token = mint_development_token(ApiSettings(), core_settings(), role=Role.CITIZEN, subject="c-1", owner_id=PERSON)
    with TestClient(app) as client:
        answer = client.get("/api/v1/me/access-log/checkpoint", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pkcs7-mime"
    target.write_bytes(answer.content)
    return target


def test_an_operator_and_a_citizen_find_a_rewritten_log(data_dir: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    data, env = data_dir
    vault = _vault(data)
    _log_some_reads(vault)

    first = _sohoa(env, "audit", "verify")
    assert first.returncode == 0 and "intact" in first.stdout and "no checkpoint yet" in first.stdout, first.stderr
    taken = _sohoa(env, "audit", "checkpoint")
    assert taken.returncode == 0 and "checkpoint of row" in taken.stdout, taken.stderr
    assert "not timestamped" not in taken.stderr
    held = _sohoa(env, "audit", "verify")
    assert held.returncode == 0 and "1 checkpoint(s) hold" in held.stdout and ", timestamped" in held.stdout
    assert "Ủy ban nhân dân tỉnh Quảng Trị" in held.stdout
    copy = _citizen_copy(vault, tmp_path / "my-checkpoint.p7m")
    assert _sohoa(env, "audit", "verify", "--checkpoint", str(copy)).returncode == 0

    with vault.sessions.begin() as session:  # an administrator edits who read, and recomputes the chain
        session.execute(update(AccessLog).where(AccessLog.seq == 3).values(subject="someone-else"))
    _recompute_chain(vault)

    for args in (("audit", "verify"), ("audit", "verify", "--checkpoint", str(copy))):
        found = _sohoa(env, *args)
        assert found.returncode == 1, found.stdout
        assert "Nhật ký truy cập đã bị sửa" in found.stderr and "access log rewritten: row" in found.stderr
        assert "Traceback" not in found.stderr
    refused = _sohoa(env, "audit", "checkpoint")
    assert refused.returncode == 1 and "rewritten" in refused.stderr

    forged = tmp_path / "forged.p7m"
    forged.write_bytes(copy.read_bytes().replace(b'"at":"20', b'"at":"21'))
    answer = _sohoa(env, "audit", "verify", "--checkpoint", str(forged))
    assert answer.returncode == 1 and "bị từ chối" in answer.stderr and "signature does not match" in answer.stderr
    missing = _sohoa(env, "audit", "verify", "--checkpoint", str(tmp_path / "nothing.p7m"))
    assert missing.returncode == 2 and missing.stderr.startswith("error: cannot read nothing.p7m")
