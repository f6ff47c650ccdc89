"""Nothing a test run starts outlives it: a private redis-server or PostgreSQL whose start fails, or whose test
process is killed before its teardown, is not left running; the session-end check names what was left and fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.processes import alive, end, left_running, own, wait_all_gone
from tests.support.servers import RedisServer

ROOT = Path(__file__).resolve().parent.parent
SERVERS = """
import os, signal, sys, time
from pathlib import Path
from tests.support.servers import PostgresCluster, RedisServer
redis = RedisServer(Path(sys.argv[1]))
redis.start()
cluster = PostgresCluster()
cluster.init()
cluster.start()
postmaster = (cluster.data / "postmaster.pid").read_text().split()[0]
print(redis.process.pid, postmaster, cluster.root, flush=True)
time.sleep(600)
"""


def test_a_redis_that_does_not_answer_in_time_is_not_left_running(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")
    with pytest.raises(RuntimeError, match="nothing answers"):
        server.start(timeout=0)
    assert server.process is None
    running = left_running(os.getpid(), grace=2)
    assert not [c for c in running.values() if f"--port {server.port}" in c], running


@pytest.mark.slow
def test_private_servers_end_with_a_test_process_killed_before_its_teardown(tmp_path: Path) -> None:
    """SIGKILL of the process that started them (a CI timeout): no teardown runs, the servers end all the same."""
    tests = subprocess.Popen(
        [sys.executable, "-c", SERVERS, str(tmp_path / "redis")], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert tests.stdout is not None
    redis_pid, postmaster_pid, pg_root = tests.stdout.readline().split()
    servers = {int(redis_pid), int(postmaster_pid)}
    assert all(alive(pid) for pid in servers)
    tests.send_signal(signal.SIGKILL)
    tests.wait(timeout=30)
    try:
        assert wait_all_gone(servers, timeout=60) == set()
    finally:
        end(servers)
        subprocess.run(["rm", "-rf", pg_root], check=False)


def test_the_check_names_a_child_and_a_daemon_left_running(tmp_path: Path) -> None:
    folder = own(tmp_path / "server")
    folder.mkdir()
    child = subprocess.Popen(["sleep", "300"])
    daemon = [sys.executable, "-c", "import time; time.sleep(300)", str(folder)]
    subprocess.run(["setsid", "-f", *daemon], check=True)  # its parent exits: not a child of this process
    try:
        running = left_running(os.getpid(), grace=0.5)
        assert running.get(child.pid) == "sleep 300", running
        assert [pid for pid, command in running.items() if command.endswith(str(folder))], running
    finally:
        left = [pid for pid, command in left_running(os.getpid(), grace=0).items() if str(folder) in command]
        end({child.pid, *left})
    child.wait(timeout=10)
    assert not [c for c in left_running(os.getpid(), grace=0).values() if str(folder) in c or c == "sleep 300"]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_run_that_leaves_a_process_running_fails_and_names_it(tmp_path: Path, workers: list[str]) -> None:
    """Serially, and under pytest-xdist as `make test` runs it: the worker that left it names it to the controller."""
    (tmp_path / "test_leaves.py").write_text(
        textwrap.dedent(
            """
            import subprocess

            def test_starts_a_server_and_forgets_it():
                subprocess.Popen(["sleep", "299"])
            """
        )
    )
    plugins = ["-p", "tests.conftest", "-p", "no:randomly", "-p", "no:cacheprovider"]  # the root conftest only
    options = [*plugins, *workers, "-c", os.devnull, "--rootdir", str(tmp_path)]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *options, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout + run.stderr
    assert "1 process(es) the tests started are still running" in run.stdout and "sleep 299" in run.stdout, run.stdout
    assert "1 passed" in run.stdout
