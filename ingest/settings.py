"""Pipeline and upload settings (`SOHOA_INGEST_*`): broker, worker concurrency, time and size limits.

With no broker configured the pipeline uses the embedded broker (`runtime.broker`), a SQLite file in the data folder:
no server to install, and the same task code runs as on Redis or RabbitMQ.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from core.settings import SohoaSettings
from signing.config import SignerConfig


class IngestSettings(SohoaSettings):
    # `officer` is read from SOHOA_INGEST_OFFICER_P12, ..._P12_PASSWORD_FILE, ..._PKCS11_LIB, ..._PKCS11_TOKEN,
    # ..._PKCS11_KEY, ..._PKCS11_PIN_FILE (the delimiter splits a variable's name once, after the field's name).
    model_config = SettingsConfigDict(
        env_prefix="SOHOA_INGEST_", extra="ignore", env_nested_delimiter="_", env_nested_max_split=1
    )

    broker_url: str | None = None  # redis://127.0.0.1:6379/0, amqp://guest:guest@127.0.0.1:5672//, ...
    worker_concurrency: int = 2
    # The worker's node name (%h: host name), answered to pings (`sohoa ops status`, compose's health check); none:
    # `sohoa-<pid>@<host>`, so two workers on one host differ. Leases name host and pid themselves (ingest/lease.py).
    worker_name: str | None = None
    # The embedded broker is polled (kombu's default is once a second, and a document's chain makes three hops).
    embedded_broker_polling_seconds: float = 0.1
    # Task time limits: a base plus a per-page allowance (OCR costs ~3 CPU s per 300-dpi page).
    time_limit_base_seconds: int = 120
    time_limit_per_page_seconds: int = 30
    step_time_limit_seconds: int = 180  # signing (TSA, OCSP, CRL round trips) and storing one document
    max_retries: int = 5
    # An unreachable TSA or OCSP responder: the signing step is retried (every `retry_backoff_max_seconds`) this
    # much longer before the document fails, rather than signed below its level (docs/pipeline.md, faults).
    trust_service_wait_seconds: int = 3600
    # A worker's own disk full (ENOSPC) with object staging: the step is retried this much longer (another
    # worker, or this one once space is freed, takes it) before the document fails with "disk full".
    disk_wait_seconds: int = 3600
    retry_backoff_max_seconds: int = 60
    # Upload limits.
    max_upload_bytes: int = 2 * 1024**3
    max_file_bytes: int = 80 * 1024**2
    max_pages: int = 500
    max_pixels_per_page: int = 120_000_000
    max_zip_ratio: float = 50.0
    # Redis redelivers a task whose worker died after this many seconds; a lease keeps duplicates idle.
    visibility_timeout_seconds: int = 3600
    # How often a worker looks for such messages (a worker host cut off); unset: kombu's ≈100 s.
    redelivery_scan_seconds: int | None = None
    # A step's lease on its document lasts this long and is renewed every third of it while the step runs: a
    # worker that died on another host (no pid to check) gives its documents up this long after its last beat.
    lease_seconds: int = 60
    # Staging with no running batch, untouched this long, is swept (at worker start and hourly by the beat).
    staging_sweep_after_seconds: int = 6 * 3600
    # With the vault on S3 batches wait in a bucket of the same endpoint, encrypted as the vault (API and workers
    # then share no disk); the embedded default keeps `<data dir>/ingest/batches`.
    staging_bucket: str = "sohoa-staging"  # the staging bucket (no object lock; made on first use)
    staging_prefix: str = "batches/"  # objects of a batch: <prefix><batch id>/...
    staging_expire_days: int = 2  # lifecycle rule of the staging bucket: what a sweep missed expires
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 10
    # The worker's Prometheus endpoint (every pool process's metrics and the queue depths); none: not served.
    metrics_port: int | None = None
    metrics_address: str = "127.0.0.1"  # its address: 0.0.0.0 where Prometheus scrapes from another host
    # SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS (networks webhooks may reach besides public ones): issuing.egress.
    page_threads: int = 2  # pages of one document OCR'd in parallel inside a task (Tesseract runs as a process)
    # Who signs at intake (Circular 01/2023 art. 8: the digitising officer); none set: development identity.
    officer: SignerConfig = Field(default_factory=SignerConfig)
    officer_name: str | None = None  # name shown in the stamp; default: the certificate's common name
    # Each officer account's own identity by the token's `sub` (TOML, `signing.officers`); unlisted officers
    # sign with `officer` (or, on the embedded default, their own development certificate).
    officers_file: Path | None = None
    # A signature request waiting for an officer's own token expires after this long (then it can be re-requested).
    signature_request_ttl_seconds: int = 3 * 24 * 3600
    # A paper scanned again waits this long for the station's choice, then fails ("Hết hạn chọn…"), its staging
    # cleared and its batch ended; under the staging bucket's lifecycle (2 days): docs/intake.md.
    choice_ttl_seconds: int = 24 * 3600

    @property
    def embedded_broker(self) -> bool:
        return self.broker_url is None

    def node_name(self) -> str:
        """This worker process's node name: the one set, else `sohoa-<pid>@%h` (Celery expands %h)."""
        return self.worker_name or f"sohoa-{os.getpid()}@%h"

    def time_limit(self, pages: int) -> int:
        return self.time_limit_base_seconds + self.time_limit_per_page_seconds * max(pages, 1)


@lru_cache(maxsize=1)
def ingest_settings() -> IngestSettings:
    return IngestSettings()
