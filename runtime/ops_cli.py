"""`sohoa ops status`: what waits and why, on a terminal (rich tables) or as JSON; the exit code is 1 when
something is stuck beyond the threshold or cannot be reached (for cron and alerts), 0 otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from api.operations import OpsStatus, Sources

PING_SECONDS = 2.0  # how long the workers have to answer `sohoa ops status`'s ping
ops_app = typer.Typer(help="Operations: what waits and why (batches, documents, queues, store, disk).")


@ops_app.command("status")
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document, for machines")] = False,
    stuck_after: Annotated[
        int | None, typer.Option(min=1, help="Seconds after which a wait is stuck (SOHOA_API_OPS_STUCK_AFTER_SECONDS)")
    ] = None,
) -> None:
    """Unfinished batches, what each document waits for and since when, unsent messages, signatures due, broker,
    S3, disk; exit code 1 when something is stuck beyond the threshold."""
    from api.operations import read_status
    from api.settings import api_settings

    settings = api_settings()
    report = read_status(
        ops_sources(),
        stuck_after_seconds=stuck_after or settings.ops_stuck_after_seconds,
        min_free_bytes=settings.min_free_disk_bytes,
    )
    if as_json:
        typer.echo(report.model_dump_json())
    else:
        show(report)
    raise typer.Exit(1 if report.problems else 0)


def ops_sources() -> Sources:
    """This installation's catalogue, object store, staging and broker, each opened only when the read asks (so
    that one that is down is a line of the report, not a crash of the command)."""
    from api.operations import Sources
    from core.settings import core_settings
    from ingest.settings import ingest_settings
    from runtime.catalogue import catalogue
    from runtime.celery_app import answering_workers, celery_app
    from runtime.metrics import QueueDepth
    from runtime.staging import staging_area
    from vault.settings import vault_settings
    from vault.store import make_store

    return Sources(
        sessions=catalogue,
        probe_store=lambda: make_store(vault_settings()).exists("readiness-probe"),
        staging=staging_area,
        data_dir=core_settings().data_dir,
        staging_sweep_after_seconds=ingest_settings().staging_sweep_after_seconds,
        queue_depths=QueueDepth(celery_app).read,
        workers=lambda: answering_workers(celery_app, PING_SECONDS),
    )


def show(report: OpsStatus) -> None:
    """The report as tables: the world's parts, the batches and their documents, the problems."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from api.operations import age_words
    from ingest.state_words import STATE_WORDS, step_words

    console = Console()
    parts = Table(title="Thành phần", show_header=True)
    for column in ("Phần", "Trạng thái", "Chi tiết"):
        parts.add_column(column)
    broker = report.broker
    queues = ", ".join(f"{name}={count}" for name, count in broker.queues.items()) or "—"
    parts.add_row(
        "Broker", "ok" if broker.reachable else "KHÔNG PHẢN HỒI", queues if broker.reachable else broker.error
    )
    if broker.workers is not None:
        answered = ", ".join(broker.workers) or "không worker nào trả lời"
        parts.add_row("Worker", "ok" if broker.workers else "KHÔNG CÓ", answered)
    store = report.object_store
    parts.add_row("Kho đối tượng", "ok" if store.reachable else "KHÔNG PHẢN HỒI", store.error or "")
    disk = report.disk
    low = disk.free_bytes < disk.min_free_bytes
    parts.add_row("Đĩa (thư mục dữ liệu)", "THIẾU" if low else "ok", f"{disk.free_bytes // 1024**2} MiB trống")
    for label, out in (("Cổng DVC (outbox)", report.portal_outbox), ("Webhook", report.webhooks)):
        if out is not None:
            oldest = age_words((report.at - out.oldest_pending_at).total_seconds()) if out.oldest_pending_at else "—"
            detail = f"chờ {out.pending} (lâu nhất {oldest}), lỗi hẳn {out.dead}"
            parts.add_row(
                label,
                "ok" if not out.dead else "CÓ LỖI",
                detail + (f"; lỗi cuối: {out.last_error}" if out.last_error else ""),
            )
    if report.longterm is not None:
        lt = report.longterm
        parts.add_row(
            "Chữ ký dài hạn",
            "ok",
            f"đến hạn {lt.due}, hoãn {lt.postponed}" + (f"; lỗi cuối: {lt.last_error}" if lt.last_error else ""),
        )
        if lt.at_bb and lt.oldest_at_bb_since is not None:
            oldest = age_words((report.at - lt.oldest_at_bb_since).total_seconds())
            state = "CHỜ TSA" if lt.tsa_configured else "KHÔNG CÓ TSA"
            parts.add_row("Chữ ký mức B-B", state, f"{lt.at_bb} tài liệu, lâu nhất {oldest}: {lt.at_bb_reason}")
    leftovers = report.staging_leftovers
    parts.add_row(
        "Staging bỏ lại",
        "?" if leftovers is None else "ok",
        "không đọc được" if leftovers is None else str(len(leftovers)),
    )
    console.print(parts)
    console.print(f"[bold]Lô chưa xong ({len(report.batches)})[/]")
    for batch in report.batches:  # a heading line per batch and a narrow table of its documents: fits 80 columns
        state = STATE_WORDS.get(batch.status, batch.status)
        heading = f"Lô {batch.batch_id} · hồ sơ {batch.dossier_code} · {batch.agency_code} · {state}"
        console.print(f"{heading} · {age_words(batch.age_seconds)}", markup=False, highlight=False)
        documents = Table(show_header=True, box=None, padding=(0, 1, 0, 2))
        for column in ("Tài liệu", "Bước", "Lần thử", "Vì sao"):
            documents.add_column(column)
        for doc in batch.documents:
            step = "" if doc.step is None else step_words(doc.step)
            why = escape(doc.reason + (f" [{doc.error_class}]" if doc.error_class else ""))  # "[x]" is markup
            documents.add_row(str(doc.number), step, str(doc.attempts), why)
        if batch.documents:
            console.print(documents)
    _show_failed(console, report)
    if report.problems:
        console.print(f"[bold red]Bị kẹt hoặc không phản hồi ({len(report.problems)}):[/]")
        for problem in report.problems:
            console.print(f"  • {problem.text}", markup=False)
    else:
        console.print("[green]Không có việc nào bị kẹt.[/]")


def _show_failed(console: Console, report: OpsStatus) -> None:
    """The batches that ended failed in the window (finished, so not listed above): the count, the newest few."""
    from core.timezone import to_vn

    failed = report.failed_batches
    if failed is None:
        return
    console.print(f"[bold]Lô lỗi trong {failed.window_hours} giờ qua ({failed.count})[/]")
    for batch in failed.latest:
        ended = to_vn(batch.finished_at).strftime("%H:%M %d/%m")
        heading = f"Lô {batch.batch_id} · hồ sơ {batch.dossier_code} · {batch.agency_code} · kết thúc {ended}"
        lost = f"{batch.failed}/{batch.documents} tài liệu lỗi — {batch.reason}"
        console.print(f"{heading}\n  {lost}", markup=False, highlight=False)
    if failed.count > len(failed.latest):
        console.print(f"  … và {failed.count - len(failed.latest)} lô khác", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(ops_app, name="ops")
