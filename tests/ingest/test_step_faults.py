"""How a step sorts faults: an unreachable TSA or OCSP responder is waited for far longer than other transient
faults; a full disk fails the document with a reason in words, never the server's file path.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
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


def _run(monkeypatch: pytest.MonkeyPatch, fault: Exception) -> tuple[list[dict[str, Any]], list[str]]:
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
    monkeypatch.setattr(steps, "mark_waiting", lambda *_: None)  # its own test: tests/ingest/test_waiting_note.py
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
    full = OSError(errno.ENOSPC, "No space left on device", "/srv/sohoa/ingest/batches/b1/doc-000/ocr.pdf")
    retries, [reason] = _run(monkeypatch, full)
    assert not retries and reason.startswith("disk full") and "/srv" not in reason
