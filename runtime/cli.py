"""Commands that run sohoa on the configured world: `sohoa serve` (the API, and on the embedded default a worker),
`sohoa worker` (a pipeline worker) and `sohoa longterm run`. Heavy imports stay inside the commands.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ingest.sweep import StagingReport
    from vault.service import Vault


def open_vault() -> Vault:
    """The vault the vault commands act on (built when such a command runs, not for `sohoa --help`)."""
    from runtime.catalogue import open_vault as build

    return build()


def staging_check(grace_seconds: float | None, repair: bool) -> StagingReport:
    """Batch staging no running batch owns, older than `grace_seconds` (default: the sweep's age), for
    `sohoa vault fsck`; removed with --repair, as the worker's hourly sweep does."""
    from ingest.settings import ingest_settings
    from ingest.sweep import StagingReport, check_staging
    from runtime.catalogue import catalogue
    from runtime.staging import staging_area

    area = staging_area()  # the data folder's, or the object store's staging bucket
    if area.kind == "folder" and not area.listing():
        return StagingReport()  # nothing staged here (and no catalogue to migrate for it)
    age = ingest_settings().staging_sweep_after_seconds if grace_seconds is None else grace_seconds
    return check_staging(area, catalogue(), age, repair=repair)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (SOHOA_API_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (SOHOA_API_PORT)")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data folder (SOHOA_DATA_DIR)")] = None,
    worker: Annotated[bool | None, typer.Option(help="Also start a pipeline worker (default: embedded only)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=64, help="API processes (SOHOA_API_WORKERS)")] = None,
) -> None:
    """Run the HTTP API; on the embedded default a pipeline worker runs beside it."""
    import uvicorn

    from api.settings import api_settings
    from api.tokens import InsecureConfiguration, development_authentication
    from core.settings import SettingsError, core_settings

    if data_dir is not None:  # `sohoa`'s start read the settings already (logging): read them again for this folder
        os.environ["SOHOA_DATA_DIR"] = str(data_dir)
        core_settings.cache_clear()
    from ingest.settings import ingest_settings
    from runtime.app import build_app
    from runtime.deploy_cli import preflight_or_exit
    from runtime.metrics import MULTIPROC_ENV, prepare_multiprocess_dir
    from web.app import session_key
    from web.settings import web_settings

    settings = api_settings()
    start_worker = worker if worker is not None else settings.embedded_worker
    if start_worker is None:
        start_worker = ingest_settings().embedded_broker
    preflight_or_exit(signing=start_worker)  # its worker would stop at once on signing settings it cannot sign with
    try:
        development_authentication(settings)
    except InsecureConfiguration as exc:
        typer.echo(f"error: refusing to start: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        session_key(web_settings(), core_settings())
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    worker_process = None
    if start_worker:
        # Its own process group, so that a stop reaches its pool and beat children too.
        worker_process = subprocess.Popen([sys.executable, "-m", "cli", "worker", "--beat"], process_group=0)
    # Uvicorn re-raises the SIGTERM it captured once it has shut down; with the default action that would end this
    # process before the `finally` below stops the worker. An exception instead runs it.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        processes = workers or settings.workers
        if processes > 1 and MULTIPROC_ENV not in os.environ:  # /metrics of any API process answers for all
            prepare_multiprocess_dir(core_settings().path("metrics"), "api")
        uvicorn.run(
            "runtime.app:build_spawned_app" if processes > 1 else build_app(),
            factory=processes > 1,
            workers=processes,
            host=host or settings.host,
            port=port or settings.port,
            log_level="info",
            log_config=None,  # uvicorn's records go to the root logger: JSON lines like every other (docs/deploy.md)
            # Uvicorn's access log prints raw paths, which can hold an owner's personal ID
            # (/portal/owners/{owner_id}/...): requests are counted per route template in /metrics instead.
            access_log=False,
            # A process that has not answered the supervisor's ping in this time is killed and spawned again: 5 s
            # (uvicorn's default) is less than a new process's imports take on a busy host, which then never starts.
            timeout_worker_healthcheck=60,
        )
    finally:
        if worker_process is not None:
            stop_worker_group(worker_process, grace_seconds=20)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def stop_worker_group(process: subprocess.Popen[bytes], *, grace_seconds: float) -> None:
    """Warm shutdown of a worker and its children: SIGTERM to its group (the running step finishes, or is
    delivered again later: tasks are acknowledged late), then SIGKILL to whatever is left after the grace period."""
    for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + wait  # the leader is gone; its children may still be finishing
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def worker(
    concurrency: Annotated[int | None, typer.Option(help="Worker processes (SOHOA_INGEST_WORKER_CONCURRENCY)")] = None,
    queues: Annotated[str, typer.Option(help="Comma-separated queues to consume")] = "celery",
    loglevel: Annotated[str, typer.Option(help="Celery log level")] = "INFO",
    beat: Annotated[
        bool, typer.Option(help="Also run the scheduler (nightly long-term validation); one per site")
    ] = False,
) -> None:
    """Start a pipeline worker on the configured broker (embedded SQLite broker by default)."""
    from core.settings import core_settings
    from ingest.settings import ingest_settings
    from runtime.metrics import MULTIPROC_ENV, prepare_multiprocess_dir, serve_worker_metrics

    if MULTIPROC_ENV not in os.environ:  # before any metric exists: the pool processes write, this one serves
        prepare_multiprocess_dir(core_settings().path("metrics"), "worker")
    from runtime.celery_app import celery_app
    from runtime.deploy_cli import preflight_or_exit
    from runtime.pipeline import install

    preflight_or_exit(signing=True)
    install()  # the tasks' context (catalogue, vault, signers, notifier), built on first use in each process
    settings = ingest_settings()
    if settings.metrics_port is not None:
        serve_worker_metrics(celery_app, settings.metrics_address, settings.metrics_port)
    celery_app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            f"--queues={queues}",
            f"--loglevel={loglevel}",
            f"--hostname={settings.node_name()}",
            "--without-gossip",
            "--without-mingle",
            *(["--beat"] if beat else []),
        ]
    )


longterm_app = typer.Typer(help="Long-term validation: B-T → B-LTA upgrades and archive timestamp renewals.")


@longterm_app.command("run")
def longterm_run(limit: Annotated[int, typer.Option(min=1, help="Documents to process at most")] = 500) -> None:
    """Run the long-term validation job once, now (the worker started with --beat runs it nightly)."""
    import json

    from issuing.longterm import run_longterm
    from runtime.catalogue import catalogue, vault
    from signing.settings import signing_settings

    report = run_longterm(catalogue(), vault(), signing_settings(), limit=limit)
    typer.echo(json.dumps(report.__dict__, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
    app.add_typer(longterm_app, name="longterm")
