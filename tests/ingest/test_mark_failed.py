"""A step whose failure cannot be recorded (the status write fails too: a full disk under the catalogue) keeps
its task for a retry instead of leaving the document `running` for good.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from ingest import tasks


class Retried(Exception):
    pass


def test_a_failure_that_cannot_be_written_is_retried_later(monkeypatch: pytest.MonkeyPatch) -> None:
    @contextmanager
    def claimed(*_: Any) -> Iterator[object]:
        yield object()

    def mark_failed(*_: Any) -> None:
        raise OperationalError("UPDATE", {}, Exception("database or disk is full"))

    def work(_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    retries: list[dict[str, Any]] = []

    def retry(**kwargs: Any) -> Exception:
        retries.append(kwargs)
        return Retried()

    monkeypatch.setattr(tasks, "claimed", claimed)
    monkeypatch.setattr(tasks, "mark_failed", mark_failed)
    task = SimpleNamespace(request=SimpleNamespace(retries=4), retry=retry)
    with pytest.raises(Retried):
        tasks._step(task, "b1", 0, "ocr", 60, work)  # type: ignore[arg-type]
    assert retries and retries[0]["max_retries"] > 4 and isinstance(retries[0]["exc"], OperationalError)
