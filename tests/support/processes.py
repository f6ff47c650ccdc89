"""The processes a test started, read from /proc: every descendant of a process (and everything in its
session), the private servers a run left running, and the command that makes a server end with the test process.
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import suppress
from pathlib import Path

PYTHONS_OWN = b"from multiprocessing."  # forkserver, resource tracker, their workers: they end with the interpreter
_OWN_FOLDERS: set[str] = set()


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


def ending_with_us(argv: list[str], *, user: str | None = None, signal_name: str = "TERM") -> list[str]:
    """`argv` run so that it gets `signal_name` when the thread that starts it ends (`setpriv --pdeathsig`, as
    `user` when given): a private server outlives no test process, even one killed before its teardown ran."""
    as_user = ["--reuid", user, "--regid", user, "--init-groups"] if user else []
    return ["setpriv", f"--pdeathsig={signal_name}", *as_user, "--", *argv]


def own(folder: Path) -> Path:
    """Note a folder only this test process's servers use: a process still naming it at the end was left behind."""
    _OWN_FOLDERS.add(str(folder))
    return folder


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return b""


def _names_own_folder(command: bytes) -> bool:
    return any(folder.encode() + end in command + b"\0" for folder in _OWN_FOLDERS for end in (b"/", b"\0"))


def left_running(root: int, *, grace: float = 5.0) -> dict[int, str]:
    """The processes this test process started that still run after `grace` seconds: its descendants and anything
    that names one of its own folders (a daemonised server), each with its command line; Python's own helpers
    (multiprocessing) excepted."""
    commands = {pid: _command_line(pid) for pid in descendants(root)}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != root and _names_own_folder(command := _command_line(int(entry))):
            commands[int(entry)] = command
    candidates = {pid for pid, command in commands.items() if command and PYTHONS_OWN not in command}
    return {
        pid: commands[pid].replace(b"\0", b" ").decode(errors="replace").strip()
        for pid in wait_all_gone(candidates, grace)
    }


def end(pids: set[int], timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL to those still running after `timeout`: only for processes this test process started."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, sig)
        pids = wait_all_gone(pids, timeout)
        if not pids:
            return
