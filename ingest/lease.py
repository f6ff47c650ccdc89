"""Who holds a document's lease: the task id with the host name and process id running it, so that a lease
left by a process that died (a killed worker) is recognised on the same host and taken over at once.
"""

from __future__ import annotations

import os
import socket

MAX_OWNER = 64  # the width of `ingest_batch_documents.lease_owner`


def lease_owner(task_id: str) -> str:
    """`task-id@host:pid`, cut to the column's width (the host name is shortened, never the id or the pid)."""
    suffix = f":{os.getpid()}"
    room = MAX_OWNER - len(task_id) - 1 - len(suffix)
    return f"{task_id}@{socket.gethostname()[: max(room, 0)]}{suffix}"


def holder_is_dead(owner: str) -> bool:
    """True when the lease's holder ran on this host and its process is gone (or is not a worker's any more)."""
    task_host, _, pid_text = owner.rpartition(":")
    _, at, host = task_host.rpartition("@")
    if not at or not pid_text.isdigit() or not host:
        return False  # an older lease (the task id alone): it expires at its time limit
    if not socket.gethostname().startswith(host):
        return False  # another host's process: its lease expires at its time limit
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
