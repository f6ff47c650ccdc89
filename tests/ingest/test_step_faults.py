"""How a step sorts faults: an unreachable TSA or OCSP responder is waited for far longer than other transient
faults; a full disk fails the document with a reason in words, never the server's file path.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from celery.exceptions import Ignore

from ingest import steps
from ingest.settings import ingest_settings
from signing.errors import RevocationUnknownError, TimestampUnavailableError
from vault.errors import StoreUnavailable


class Retried(Exception):
    pass


def _run(
    monkeypatch: pytest.MonkeyPatch, fault: Exception, waits: list[str] | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    @contextmanager
    def claimed(*_: Any) -> Iterator[object]:
        yield object()

    def work(_: object) -> None:
        raise fault

    retries: list[dict[str, Any]] = []
    failures: list[str] = []

    def retry(**kwargs: Any) -> Exception:
        retries.append(kwargs)
        return Retried()

    monkeypatch.setattr(steps, "claimed", claimed)
    monkeypatch.setattr(steps, "mark_failed", lambda _b, _i, _s, reason: failures.append(reason))
    noted = waits if waits is not None else []
    monkeypatch.setattr(steps, "mark_waiting", lambda _b, _i, why: noted.append(why))  # own test: test_waiting_note
    task = SimpleNamespace(request=SimpleNamespace(retries=0), retry=retry)
    with pytest.raises((Retried, Ignore)):
        steps.run_step(task, "b1", 0, "sign", 60, work)  # type: ignore[arg-type]
    return retries, failures


@pytest.mark.parametrize(
    "fault", [TimestampUnavailableError("TSA unreachable"), RevocationUnknownError("OCSP responder unreachable")]
)
def test_the_trust_services_are_waited_for_an_hour_more(monkeypatch: pytest.MonkeyPatch, fault: Exception) -> None:
    settings = ingest_settings()
    [waiting], _ = _run(monkeypatch, fault)
    [other], _ = _run(monkeypatch, StoreUnavailable("object store down"))
    assert other["max_retries"] == settings.max_retries
    extra = settings.trust_service_wait_seconds // settings.retry_backoff_max_seconds
    assert waiting["max_retries"] == settings.max_retries + extra > settings.max_retries


def test_a_full_disk_fails_the_document_with_a_reason_and_no_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(steps, "vault_settings", lambda: SimpleNamespace(s3_endpoint=None))  # the staging folder
    full = OSError(errno.ENOSPC, "No space left on device", "/srv/sohoa/ingest/batches/b1/doc-000/ocr.pdf")
    retries, [reason] = _run(monkeypatch, full)
    assert not retries and reason.startswith("disk full") and "/srv" not in reason


def test_a_full_work_folder_waits_for_space_or_another_worker_and_names_the_host(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Found on 1 Dec 2026 (Chị Mai's step 3, workers with object staging): one worker's full data folder failed
    its documents, to be sent again from the counter, with "no space left in the staging folder" (the staging is a
    bucket there; which host?) and a "document failed" log line without a reason. The step now waits (retried,
    so another worker or this one once freed takes it); the log names the host and its free space; given up, the
    reason names the host and no path."""
    from structlog.testing import capture_logs

    monkeypatch.setattr(steps, "work_root", lambda: tmp_path)
    monkeypatch.setattr(steps, "vault_settings", lambda: SimpleNamespace(s3_endpoint="s3.example:9000"))
    waits: list[str] = []
    full = OSError(errno.ENOSPC, "No space left on device")  # a write to an open file names no path
    with capture_logs() as logs:
        retries, failures = _run(monkeypatch, full, waits)
    settings = ingest_settings()
    extra = settings.disk_wait_seconds // settings.retry_backoff_max_seconds
    assert not failures and waits == ["disk_full"] and retries[0]["max_retries"] == settings.max_retries + extra
    reason = steps._disk_full(full)
    assert reason.startswith("disk full: no space left in the data folder of the worker on host ")
    assert socket.gethostname() in reason and str(tmp_path) not in reason
    assert steps.error_class(f"gave up after 65 retries: {reason}") == "disk_full"
    [event] = [e for e in logs if e["event"] == "disk full"]
    assert event["free_bytes"] > 0 and socket.gethostname() in event["where"]
    # The staging folder of the embedded default full: failed with the reason, as before.
    monkeypatch.setattr(steps, "vault_settings", lambda: SimpleNamespace(s3_endpoint=None))
    staging = OSError(errno.ENOSPC, "No space left on device", "/srv/sohoa/ingest/batches/b1/doc-000/ocr.pdf")
    retries, [said] = _run(monkeypatch, staging)
    assert not retries and said.startswith("disk full: no space left in the staging folder")
