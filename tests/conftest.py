"""Root test configuration: every test process works in a private data folder, never a real one.

Set before any settings are read (they are cached per process), so tokens, secrets, the SQLite catalogue and
the local vault of the tests all live under a temporary folder. It is the process's one data folder: a test may
point `SOHOA_DATA_DIR` elsewhere for itself (monkeypatch, caches cleared on both sides), never for the tests after
it — an app built before such a switch verifies tokens with the development key of one folder while tokens minted
after it are signed with another's (401s that depend on which tests ran first). The guard below fails the test
that leaves the variable, or the cached core settings, pointing elsewhere; and the one that leaves an event loop
marked as running in the main thread (Playwright's sync API does between its calls: `tests/web/conftest.py` keeps
that mark inside its browser tests).

At the end of the run, after every fixture's teardown, nothing the run started may still run (a private
redis-server or PostgreSQL left behind outlives the run as an orphan): the leftovers are named, ended, and the run
fails. Under pytest-xdist (`make test`) each worker checks its own and ends them; the controller names them, with
its own, and fails the run (a worker's exit status alone would not).

Under pytest-xdist each worker takes its own Redis database, the base one (`SOHOA_TEST_REDIS_URL`, default 9) plus
the worker's number (gw0: base, gw1: base + 1): a test that empties its broker, or a queued batch, never meets the
other worker's (set before any test module reads the variable).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from tests.support.xdist_workers import worker_redis_url

DATA_DIR = tempfile.mkdtemp(prefix="sohoa-test-data-")
os.environ["SOHOA_DATA_DIR"] = DATA_DIR
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ["SOHOA_TEST_REDIS_URL"] = worker_redis_url(
    os.environ.get("SOHOA_TEST_REDIS_URL", "redis://127.0.0.1:6379/9"), os.environ.get("PYTEST_XDIST_WORKER")
)

from core.settings import core_settings  # noqa: E402  (after the data folder is set)
from tests.support.processes import end, left_running  # noqa: E402


def _data_dir_left_changed() -> str | None:
    """What a test left pointing away from the process's data folder, if anything."""
    if os.environ.get("SOHOA_DATA_DIR") != DATA_DIR:
        return f"SOHOA_DATA_DIR={os.environ.get('SOHOA_DATA_DIR')}"
    if core_settings.cache_info().currsize and core_settings().data_dir != Path(DATA_DIR):
        return f"the cached core_settings().data_dir={core_settings().data_dir}"
    return None


SHARED_SCOPES = ("class", "module", "package")


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which turns the marks into the groups `--dist loadgroup` uses
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that uses a module- (class-, package-) scoped fixture (a running stack, a browser) joins its module's
    xdist group unless it names one: under `make test` the module's tests run on one worker, which sets that
    fixture up once. Other tests go to whichever worker is free."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        definitions = getattr(item, "_fixtureinfo", None)
        fixtures = definitions.name2fixturedefs.values() if definitions is not None else []
        if any(defs and defs[-1].scope in SHARED_SCOPES for defs in fixtures):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    """After a test and the fixtures that end with it (outermost: after the folders' own teardown hooks): the data
    folder is the process's own again, and no event loop is left marked as running in the main thread."""
    result = yield
    left = _data_dir_left_changed()
    if left is not None:
        os.environ["SOHOA_DATA_DIR"] = DATA_DIR  # the tests after it run on the process's folder again
        core_settings.cache_clear()
        pytest.fail(f"{item.nodeid} left {left}: restore it (monkeypatch) and clear the settings caches")
    loop = asyncio._get_running_loop()
    if loop is not None:
        asyncio._set_running_loop(None)  # the tests after it may run their own loop (asyncio.run)
        pytest.fail(f"{item.nodeid} left {loop!r} marked as the main thread's running event loop")
    return result


_WORKERS_LEFT: dict[str, str] = {}  # controller: what each xdist worker reported left running, "gw0 pid" → command


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """Controller (xdist): a worker finished; keep what it reported left running."""
    left = getattr(node, "workeroutput", {}).get("leftovers", {})
    _WORKERS_LEFT.update({f"{node.gateway.id} {pid}": command for pid, command in left.items()})


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After the session's fixtures are torn down (pytest's own `pytest_sessionfinish` runs first): the processes
    this run started and left running are named, ended, and fail the run; an xdist worker ends its own and hands
    them to the controller (`workeroutput`, sent after this hook), which names them and fails the run."""
    own_left = left_running(os.getpid())
    end(set(own_left))
    left = {str(pid): command for pid, command in own_left.items()}
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["leftovers"] = left
        return
    left.update(_WORKERS_LEFT)
    if not left:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")  # under xdist the progress line is still open
        reporter.write_sep("=", f"{len(left)} process(es) the tests started are still running", red=True)
        for pid, command in sorted(left.items()):
            reporter.write_line(f"{pid}: {command[:200]}")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
