"""Who holds a document's lease and for how long: task id, host name and process id, renewed by a heartbeat while
the step runs, so a dead holder is recognised at once on its own host and after a bounded time on any other.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from types import TracebackType

from core.logging import get_logger

MAX_OWNER = 64  # the width of `ingest_batch_documents.lease_owner`

log = get_logger("sohoa.lease")


def lease_owner(task_id: str) -> str:
    """`task-id@host:pid`, cut to the column's width (the host name is shortened, never the id or the pid)."""
    suffix = f":{os.getpid()}"
    return f"{task_id}@{socket.gethostname()[: _host_room(task_id, suffix)]}{suffix}"


def _host_room(task_id: str, suffix: str) -> int:
    return max(MAX_OWNER - len(task_id) - 1 - len(suffix), 0)


def _parts(owner: str) -> tuple[str, str, str] | None:
    """`task-id@host:pid` as (task id, host as stored, pid text); None for an older lease (the task id alone)."""
    task_host, _, pid_text = owner.rpartition(":")
    task_id, at, host = task_host.rpartition("@")
    return (task_id, host, pid_text) if at and host else None


def on_this_host(owner: str) -> bool:
    """True when the lease was taken on this host: the same name, or this name's start when it was cut to fit."""
    parts = _parts(owner)
    if parts is None:
        return False
    task_id, host, pid_text = parts
    here = socket.gethostname()
    if len(host) == _host_room(task_id, f":{pid_text}"):  # cut to the column: compare what was kept
        return here.startswith(host)
    return here == host  # "vm" is not "vm2"


def host_of(owner: str | None) -> str | None:
    """The worker host a lease names (`task-id@host:pid`: the name as stored, its start when cut to fit); None for
    no lease or an older one (the task id alone)."""
    parts = _parts(owner) if owner else None
    return parts[1] if parts else None


def holder_is_dead(owner: str) -> bool:
    """True when the lease's holder ran on this host and its process is gone (or is not a worker's any more)."""
    pid_text = owner.rpartition(":")[2]
    if not pid_text.isdigit() or not on_this_host(owner):
        return False  # an older lease (the task id alone) or another host's: it ends when its heartbeat stops
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return False
    return text[text.rindex(")") + 2 :].startswith("Z")


def same_task(owner: str | None, task_id: str) -> bool:
    """True when the lease was taken by (an earlier delivery of) this task."""
    return owner is not None and (owner == task_id or owner.split("@", 1)[0] == task_id)


class Heartbeat:
    """Calls `renew` every `interval` seconds from a daemon thread while the `with` block runs. A failed renewal
    (the catalogue away for a moment) is logged and tried again at the next beat; the lease then only lapses if
    the outage outlasts it."""

    def __init__(self, renew: Callable[[], None], interval: float) -> None:
        self._renew = renew
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._renew()
            except Exception as exc:  # the next beat tries again
                log.warning("lease not renewed", error=type(exc).__name__)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=self._interval + 5)
