"""`sohoa sign` / `sohoa verify` as a user runs them: exit codes, JSON, secrets from env and files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.signing_sample import sample_pdf
from cli.main import app
from tests.signing.pdfsig import pdfsig_intact
from tests.support.pki import RunningPki

runner = CliRunner()


@pytest.fixture
def env(pki: RunningPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from core.settings import core_settings
    from signing.settings import signing_settings

    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SOHOA_SIGNING_TRUST_DIR", str(pki.trust_dir))
    monkeypatch.setenv("SOHOA_SIGNING_NETWORK_RETRIES", "0")
    monkeypatch.delenv("SOHOA_P12_PASSWORD", raising=False)
    core_settings.cache_clear()
    signing_settings.cache_clear()
    (tmp_path / "in.pdf").write_bytes(sample_pdf(1))
    yield tmp_path
    core_settings.cache_clear()
    signing_settings.cache_clear()


@pytest.mark.slow
def test_sign_and_verify(env: Path, pki: RunningPki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_P12_PASSWORD", pki.password)
    out = env / "out.pdf"
    args = ["sign", str(env / "in.pdf"), "-o", str(out), "--p12", str(pki.identity("officer").p12)]
    result = runner.invoke(app, [*args, "--level", "B-LTA", "--stamp", "officer", "--tsa", pki.tsa_url])
    assert result.exit_code == 0, result.output
    assert "B-LTA" in result.output

    verified = runner.invoke(app, ["verify", str(out), "--json"])
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.output)
    assert report["verdict"] == "TOTAL-PASSED"
    assert report["signatures"][0]["pades_level"] == "B-LTA"
    summary = report["summary"]  # the Vietnamese summary beside the ETSI codes
    assert summary["badge"] == "valid" and summary["label"] == "Hợp lệ"
    [sig] = summary["signatures"]
    assert sig["signer"] == pki.identity("officer").common_name and sig["issuer"]
    assert sig["level"] == "PAdES B-LTA (lưu trữ dài hạn)" and sig["timestamp"]
    assert sig["changed_after_signing"] is False
    assert sig["signed_at_source"] == "theo dấu thời gian"
    assert pdfsig_intact(out) == [True]

    plain = runner.invoke(app, ["verify", str(out)])
    assert plain.exit_code == 0
    for words in ("Hợp lệ", "Người ký:", "Tổ chức cấp chứng thư:", "Dấu thời gian:", "Việc cần làm:", "TOTAL-PASSED"):
        assert words in plain.output

    tampered = env / "tampered.pdf"
    data = out.read_bytes()
    at = data.index(b"(Sohoa sample page 1 of 1)") + 1
    tampered.write_bytes(data[:at] + b"Z" + data[at + 1 :])
    failed = runner.invoke(app, ["verify", str(tampered)])
    assert failed.exit_code == 1
    assert "TOTAL-FAILED" in failed.output
    assert "Không hợp lệ" in failed.output and "Dữ liệu đã ký bị sửa đổi sau khi ký." in failed.output
    assert pdfsig_intact(tampered) == [False]


def test_password_file_and_wrong_password(env: Path, pki: RunningPki) -> None:
    secret = env / "pw.txt"
    secret.write_text("wrong\n")
    out = env / "out.pdf"
    args = ["sign", str(env / "in.pdf"), "-o", str(out), "--p12", str(pki.identity("officer").p12)]
    result = runner.invoke(app, [*args, "--p12-password-file", str(secret), "--level", "B-B"])
    assert result.exit_code == 4
    assert "wrong password" in result.output
    assert not out.exists(), "nothing half-written"

    secret.write_text(pki.password + "\n")
    ok = runner.invoke(app, [*args, "--p12-password-file", str(secret), "--level", "B-B"])
    assert ok.exit_code == 0, ok.output
    assert runner.invoke(app, ["verify", str(out), "--trust", str(pki.root_cert)]).exit_code == 0


def test_refusals_and_bad_input(env: Path, pki: RunningPki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_P12_PASSWORD", pki.password)
    out = env / "out.pdf"
    revoked = ["sign", str(env / "in.pdf"), "-o", str(out), "--p12", str(pki.identity("revoked").p12)]
    result = runner.invoke(app, [*revoked, "--level", "B-B"])
    assert result.exit_code == 5 and "revoked" in result.output
    expired = ["sign", str(env / "in.pdf"), "-o", str(out), "--p12", str(pki.identity("expired").p12)]
    result = runner.invoke(app, [*expired, "--level", "B-B"])
    assert result.exit_code == 5 and "expired" in result.output
    broken = env / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n garbage")
    assert runner.invoke(app, ["verify", str(broken)]).exit_code == 3
    assert not out.exists()
