"""The owner partition key and the SSE-C key: made in the data folder on the embedded default only; elsewhere
read from the operator's files (mode 0600, same on every host), and a missing or loose one stops the start."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import CoreSettings, SettingsError, core_settings, data_secret, read_secret_file
from tests.support.concurrency import run_concurrently
from vault.settings import VaultSettings

ROOT = Path(__file__).resolve().parents[2]
SERVERS = ("SOHOA_VAULT_DATABASE_URL", "SOHOA_VAULT_S3_ENDPOINT", "SOHOA_INGEST_BROKER_URL")


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private data folder with no server settings: the embedded default."""
    for name in (*SERVERS, "SOHOA_OWNER_KEY_FILE", "SOHOA_VAULT_SSE_KEY_FILE", "SOHOA_AUTO_MIGRATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path / "data"))
    core_settings.cache_clear()
    yield tmp_path / "data"
    core_settings.cache_clear()


def key_file(path: Path, mode: int = 0o600, data: bytes | None = None) -> Path:
    path.write_bytes(os.urandom(32) if data is None else data)
    path.chmod(mode)
    return path


def test_the_embedded_default_makes_its_keys_once_owner_only(host: Path) -> None:
    settings = VaultSettings()
    partition, sse = settings.partition_key(), settings.sse_customer_key()
    assert len(partition) == len(sse) == 32 and partition != sse
    assert settings.partition_key() == partition and VaultSettings().sse_customer_key() == sse
    assert stat.S_IMODE((host / "secrets").stat().st_mode) == 0o700
    for name in ("vault-partition-key", "vault-sse-c-key"):
        assert stat.S_IMODE((host / "secrets" / name).stat().st_mode) == 0o600
    assert core_settings().embedded_default and core_settings().migrate_on_start


def test_concurrent_first_uses_agree_on_one_key(tmp_path: Path) -> None:
    settings = CoreSettings(data_dir=tmp_path)
    seen: list[bytes] = []
    run_concurrently(8, lambda _: seen.append(data_secret(settings, "raced")))
    assert len(set(seen)) == 1 and (tmp_path / "secrets" / "raced").read_bytes() == seen[0]
    assert sorted(p.name for p in (tmp_path / "secrets").iterdir()) == ["raced"]  # no temporary left behind


def test_a_loose_key_in_the_data_folder_is_refused(host: Path) -> None:
    VaultSettings().partition_key()
    (host / "secrets" / "vault-partition-key").chmod(0o640)
    with pytest.raises(SettingsError, match=r"open to other local users.*chmod 600"):
        VaultSettings().partition_key()


@pytest.mark.parametrize("server", SERVERS)
def test_outside_the_embedded_default_a_missing_owner_key_stops(
    host: Path, monkeypatch: pytest.MonkeyPatch, server: str
) -> None:
    monkeypatch.setenv(server, "somewhere")
    core_settings.cache_clear()
    assert not core_settings().embedded_default and not core_settings().migrate_on_start
    with pytest.raises(SettingsError, match=f"SOHOA_OWNER_KEY_FILE is not set.*because {server} is set"):
        VaultSettings().partition_key()
    with pytest.raises(SettingsError, match="SOHOA_VAULT_SSE_KEY_FILE is not set"):
        VaultSettings().sse_customer_key()
    assert not (host / "secrets").exists()  # nothing made silently


def test_operator_keys_are_the_same_on_every_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    owner, sse = key_file(tmp_path / "owner.key"), key_file(tmp_path / "sse.key")
    monkeypatch.setenv("SOHOA_VAULT_DATABASE_URL", "postgresql+psycopg://db/sohoa")
    monkeypatch.setenv("SOHOA_OWNER_KEY_FILE", str(owner))
    keys = []
    for name in ("host-a", "host-b"):
        monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path / name))
        core_settings.cache_clear()
        settings = VaultSettings(sse_key_file=sse)
        keys.append((settings.partition_key(), settings.sse_customer_key()))
        assert not (tmp_path / name / "secrets").exists()
    core_settings.cache_clear()
    assert keys[0] == keys[1] == (owner.read_bytes(), sse.read_bytes())


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_key_files_readable_by_others_are_refused(tmp_path: Path, mode: int) -> None:
    path = key_file(tmp_path / "owner.key", mode)
    with pytest.raises(SettingsError, match=r"SOHOA_OWNER_KEY_FILE=.*open to other local users"):
        read_secret_file(path, "SOHOA_OWNER_KEY_FILE")


def test_key_files_must_exist_and_hold_32_bytes(tmp_path: Path) -> None:
    assert read_secret_file(key_file(tmp_path / "ok.key", 0o400), "X") == (tmp_path / "ok.key").read_bytes()
    with pytest.raises(SettingsError, match=r"SOHOA_VAULT_SSE_KEY_FILE=.*cannot read"):
        read_secret_file(tmp_path / "absent.key", "SOHOA_VAULT_SSE_KEY_FILE")
    short = key_file(tmp_path / "short.key", data=b"password\n")
    with pytest.raises(SettingsError, match="exactly 32 random bytes, this one has 9"):
        read_secret_file(short, "SOHOA_VAULT_SSE_KEY_FILE")


def _sohoa(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], env=clean | env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_processes_stop_with_one_line_naming_the_setting(tmp_path: Path) -> None:
    env = {
        "SOHOA_DATA_DIR": str(tmp_path / "data"),
        "SOHOA_VAULT_DATABASE_URL": f"sqlite:///{tmp_path / 'catalogue.sqlite3'}",
    }
    for command in (["serve", "--no-worker"], ["worker"], ["beat"]):
        done = _sohoa(*command, env=env)
        assert done.returncode == 2, done.stderr
        assert done.stderr.splitlines()[-1].startswith("error: SOHOA_OWNER_KEY_FILE is not set"), done.stderr
        assert "Traceback" not in done.stderr
    loose = key_file(tmp_path / "owner.key", 0o644)
    done = _sohoa("worker", env=env | {"SOHOA_OWNER_KEY_FILE": str(loose)})
    assert done.returncode == 2 and "open to other local users" in done.stderr, done.stderr


def test_web_sessions_are_signed_with_the_operators_key_outside_the_embedded_default(
    host: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from fastapi import FastAPI

    from web.app import install
    from web.settings import WebSettings

    monkeypatch.setenv("SOHOA_INGEST_BROKER_URL", "redis://somewhere:6379/0")
    core_settings.cache_clear()
    with pytest.raises(SettingsError, match="SOHOA_WEB_SESSION_KEY_FILE is not set"):
        install(FastAPI(), WebSettings())
    install(FastAPI(), WebSettings(session_key_file=key_file(tmp_path / "web-session.key")))
    assert not (host / "secrets").exists()
