"""The processes a test started, read from /proc: every descendant of a process (and everything in its
session), so that a test can tell whether a stop left anything running after the parent is gone.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def _stat(pid: int) -> tuple[int, int, str] | None:
    """(parent pid, session id, state) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[3]), fields[0]


def descendants(root: int) -> set[int]:
    """Every live process below `root` or in its session (children reparented to init stay in the session)."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            table[int(entry)] = stat
    found = {pid for pid, (_, session, _) in table.items() if session == root and pid != root}
    grew = True
    while grew:
        more = {pid for pid, (parent, _, _) in table.items() if parent in found | {root}} - found - {root}
        found |= more
        grew = bool(more)
    return found


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting for its parent."""
    stat = _stat(pid)
    return stat is not None and stat[2] != "Z"


def wait_all_gone(pids: set[int], timeout: float) -> set[int]:
    """Wait up to `timeout` seconds for the processes to end; the ones still running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = {pid for pid in pids if alive(pid)}
        if not left:
            return left
        time.sleep(0.2)
    return {pid for pid in pids if alive(pid)}
