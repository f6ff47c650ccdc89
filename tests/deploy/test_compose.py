"""compose.yaml read as Docker Compose would (no Docker engine runs here): pinned images, a health check on
every long-running service and a condition on every dependency, migrations as a one-shot job the sohoa
processes wait for, a worker health check by `celery inspect ping`, a beat, TLS in front of the API, MinIO with
object lock, and secrets as files that name real settings."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from runtime.celery_app import celery_app
from tests.support.settings_table import all_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
SOHOA = {name for name, service in SERVICES.items() if service.get("build")}
# Run on demand (`docker compose --profile NAME run`), never by `docker compose up`.
ON_DEMAND = {name for name, service in SERVICES.items() if service.get("profiles")}
ONE_SHOT = {name for name, service in SERVICES.items() if service.get("restart") == "no"} - ON_DEMAND
# major.minor[.patch][-variant] (PostgreSQL releases are major.minor), or MinIO's dated releases; never `latest`.
PINNED = re.compile(r":(\d+\.\d+(\.\d+)?(-[a-z0-9]+)*|RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ)$")


def _command(name: str) -> list[str]:
    return list(SERVICES[name]["command"])


def _healthcheck(name: str) -> str:
    test = SERVICES[name]["healthcheck"]["test"]
    return " ".join(test[1:]) if isinstance(test, list) else test


def test_every_image_is_pinned_to_an_exact_release() -> None:
    for name, service in SERVICES.items():
        image = service["image"]
        if name in SOHOA:
            assert image == "sohoa:${SOHOA_VERSION:-0.1.0}", name  # built from this repository
            continue
        assert PINNED.search(image), f"{name}: {image} is not an exact release"
    from_line = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("FROM"))
    assert PINNED.search(from_line.split()[1]), from_line


def test_long_running_services_have_health_checks_and_every_dependency_a_condition() -> None:
    assert {"migrate", "minio-init"} == ONE_SHOT
    for name, service in SERVICES.items():
        if name not in ONE_SHOT | ON_DEMAND:
            assert service["healthcheck"]["test"], name
            assert service["restart"] == "unless-stopped", name
        for target, dependency in service.get("depends_on", {}).items():
            wanted = "service_completed_successfully" if target in ONE_SHOT else "service_healthy"
            assert dependency == {"condition": wanted}, f"{name} -> {target}"
    for name in ("api", "worker", "beat"):
        assert set(SERVICES[name]["depends_on"]) == {"migrate", "minio-init", "postgres", "redis", "minio"}
    assert set(SERVICES["migrate"]["depends_on"]) == {"postgres"}
    assert set(SERVICES["minio-init"]["depends_on"]) == {"minio"}
    assert set(SERVICES["proxy"]["depends_on"]) == {"api"}


def test_each_process_is_checked_by_its_own_health_check() -> None:
    assert "/readyz" in _healthcheck("api")
    worker = _healthcheck("worker")
    assert "inspect ping" in worker and "--destination celery@$$HOSTNAME" in worker and "http" not in worker
    # The name it pings is the one the worker takes (unset, a worker is `sohoa-<pid>@<host>`).
    assert SERVICES["worker"]["environment"]["SOHOA_INGEST_WORKER_NAME"] == "celery@%h"
    assert "-A runtime.celery_app:celery_app" in worker
    assert _healthcheck("postgres") == "pg_isready -U sohoa -d sohoa"
    assert _healthcheck("redis") == "redis-cli ping"
    assert "/minio/health/live" in _healthcheck("minio") and "200" in _healthcheck("minio")
    assert "kill -0" in _healthcheck("beat") and "/tmp/sohoa-beat.pid" in _command("beat")
    assert "HEALTHCHECK" not in (ROOT / "Dockerfile").read_text()  # no process inherits another's check


def test_migrations_run_once_before_the_processes_which_never_migrate() -> None:
    assert _command("migrate") == ["sohoa", "migrate"]
    assert _command("api")[:2] == ["sohoa", "serve"] and "--no-worker" in _command("api")
    assert _command("worker")[:2] == ["sohoa", "worker"]
    assert _command("beat")[:2] == ["sohoa", "beat"] and SERVICES["beat"]["deploy"] == {"replicas": 1}
    for name in SOHOA:
        assert SERVICES[name]["environment"]["SOHOA_AUTO_MIGRATE"] == "false", name
    # The beat service has something to run: the nightly long-term validation.
    schedule = celery_app.conf.beat_schedule["long-term-validation"]
    assert schedule["task"] == "sohoa.longterm"


def test_the_api_is_reached_through_tls_only() -> None:
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"proxy"} and "443:443" in SERVICES["proxy"]["ports"]
    assert SERVICES["proxy"]["configs"][0]["target"] == "/etc/caddy/Caddyfile"
    caddyfile = (ROOT / COMPOSE["configs"]["caddyfile"]["file"]).read_text()
    assert re.search(r"^\s*tls /run/secrets/tls.crt /run/secrets/tls.key", caddyfile, re.M)
    assert re.search(r"reverse_proxy api:8000", caddyfile) and "health_uri /readyz" in caddyfile
    assert {"tls.crt", "tls.key"} <= set(SERVICES["proxy"]["secrets"])


def test_minio_gets_a_locked_bucket_and_sohoa_a_user_limited_to_it() -> None:
    script = (ROOT / COMPOSE["configs"]["minio-init"]["file"]).read_text()
    bucket = SERVICES["api"]["environment"]["SOHOA_VAULT_S3_BUCKET"]
    assert re.search(r'mc mb --ignore-existing --with-lock "local/\$bucket"', script)
    assert f'bucket="${{SOHOA_VAULT_S3_BUCKET:-{bucket}}}"' in script
    assert (
        "mc admin user add local sohoa" in script
        and SERVICES["api"]["environment"]["SOHOA_VAULT_S3_ACCESS_KEY"] == "sohoa"
    )
    policy = json.loads((ROOT / COMPOSE["configs"]["minio-policy"]["file"]).read_text())
    resources = {resource for statement in policy["Statement"] for resource in statement["Resource"]}
    staging = SERVICES["api"]["environment"]["SOHOA_INGEST_STAGING_BUCKET"]
    assert staging != bucket and f'staging="${{SOHOA_INGEST_STAGING_BUCKET:-{staging}}}"' in script
    assert re.search(r'mc mb --ignore-existing "local/\$staging"', script)  # no lock: staging is deleted
    assert resources == {f"arn:aws:s3:::{name}{tail}" for name in (bucket, staging) for tail in ("", "/*")}
    actions = {action for statement in policy["Statement"] for action in statement["Action"]}
    assert {"s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:GetBucketVersioning"} <= actions
    assert not any(action.endswith("*") or "Bypass" in action for action in actions)


@pytest.mark.parametrize("name", sorted(SOHOA))
def test_sohoa_settings_are_real_and_credentials_come_from_files(name: str) -> None:
    known = {setting.env for setting in all_settings()}
    environment: dict[str, str] = SERVICES[name]["environment"]
    mounted = set(SERVICES[name]["secrets"])
    for key, value in environment.items():
        if key.startswith("SOHOA_"):
            assert key in known, f"{key} is not a setting of any settings class"
        assert not re.search(r"(?i)password|secret_key|token", key) or key.endswith("_FILE"), key
        if value.startswith("/run/secrets/"):
            assert value.removeprefix("/run/secrets/") in mounted, value
        if "://" in value:
            assert urlsplit(value).password is None, f"{key} holds a password"
    # Files of SOHOA_SECRETS_DIR are named like settings: each must be one.
    for secret in mounted:
        if secret.startswith("sohoa_"):
            assert secret.upper() in known, secret
    assert environment["SOHOA_OWNER_KEY_FILE"] == "/run/secrets/owner.key"
    declared = COMPOSE["secrets"]
    for secret in mounted:
        assert declared[secret]["file"] == f"./secrets/{secret}"
    assert "secrets" in (ROOT / ".dockerignore").read_text().split()


def test_the_api_and_the_workers_share_no_disk() -> None:
    """Batches wait in the object store's staging bucket: no volume is mounted by both the API and a worker."""
    assert SERVICES["worker"]["environment"]["SOHOA_INGEST_STAGING_BUCKET"]
    assert "volumes" not in SERVICES["worker"]  # its own anonymous volume (the image's VOLUME), per container
    api = {volume.split(":")[0] for volume in SERVICES["api"]["volumes"]}
    others = {volume.split(":")[0] for name in SOHOA - {"api"} for volume in SERVICES[name].get("volumes", [])}
    assert api and not api & others


def test_prometheus_scrapes_the_api_and_every_worker_where_they_serve_metrics() -> None:
    """The dashboard's pages per minute and step times come from the workers: walked, compose's workers served no
    metrics at all (no SOHOA_INGEST_METRICS_PORT) and nothing said what to scrape."""
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    api_port = _command("api")[_command("api").index("--port") + 1]
    assert jobs["sohoa-api"]["static_configs"][0]["targets"] == [f"api:{api_port}"]
    worker = SERVICES["worker"]
    port = worker["environment"]["SOHOA_INGEST_METRICS_PORT"]
    assert worker["environment"]["SOHOA_INGEST_METRICS_ADDRESS"] == "0.0.0.0"  # reached from another container
    assert port in worker["expose"] and "ports" not in worker
    assert jobs["sohoa-worker"]["dns_sd_configs"] == [{"names": ["worker"], "type": "A", "port": int(port)}]
    catalogue = "SOHOA_VAULT_DATABASE_URL"  # the rest of the sohoa environment is kept beside the metrics port
    assert worker["environment"][catalogue] == SERVICES["api"]["environment"][catalogue]


def test_the_nightly_backup_is_a_one_shot_service_on_demand_with_its_folder_and_passphrase() -> None:
    """The deploy walk of 2026-11-30: nothing said how to run `sohoa backup create` nightly under compose."""
    assert {"backup"} == ON_DEMAND
    backup = SERVICES["backup"]
    assert backup["profiles"] == ["backup"] and backup["restart"] == "no" and "healthcheck" not in backup
    assert backup["image"] == SERVICES["worker"]["image"] and backup["environment"] == SERVICES["api"]["environment"]
    command = _command("backup")
    assert command[:4] == ["sohoa", "backup", "create", "/backup"]
    passphrase = command[command.index("--passphrase-file") + 1]
    assert passphrase == "/run/secrets/backup-passphrase" and "backup-passphrase" in backup["secrets"]
    assert set(SERVICES["api"]["secrets"]) <= set(backup["secrets"])  # it reads what the API reads
    assert [volume.rsplit(":", 1)[1] for volume in backup["volumes"]] == ["/backup"]
    assert set(backup["depends_on"]) == {"postgres", "minio"}
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    run = "docker compose --profile backup run --rm -T backup"
    assert run in (ROOT / "compose.yaml").read_text() and run in deploy  # the host's timer runs this line
    assert "OnCalendar=" in deploy
