"""What `sohoa upload`/`status`/`rescan` print once a batch has an outcome: the result table, one line per thing
the station has to do, and the exit code the scanner's software reads (docs/cli.md).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import typer

from core.timezone import to_vn
from ingest.state_words import step_words
from ocr.verdict_words import reason_vi

if TYPE_CHECKING:
    from rich.table import Table

EXIT_CODES = {"done": 0, "awaiting_signature": 0, "needs_rescan": 3, "awaiting_choice": 4, "queued": 5, "running": 5}
EXIT_FAILED = 6  # a document failed: its reason is printed on one line
WIDE = 160  # the full table's width; a terminal narrower than this gets the narrow table


def print_outcome(state: dict[str, object]) -> int:
    """Print each document's id, signature verdict and rescan requests; the exit code for the batch."""
    from rich.console import Console

    documents = state.get("documents") or []
    assert isinstance(documents, list)
    here = Console()
    if here.is_terminal and here.width < WIDE:  # the officer's terminal: fit it; the rescan lines follow below
        here.print(_narrow_table(documents))
    else:  # a pipe (scanner software, scripts): one row per document, every column, ids never cut
        Console(width=WIDE).print(_wide_table(documents))
    typer.echo(f"batch {state['batch_id']}: {state['status']} (dossier {state['dossier_code']})")
    if state["status"] == "awaiting_signature":
        typer.echo("chờ cán bộ ký bằng thiết bị ký của mình: `sohoa sign-agent` trên máy của cán bộ")
    for doc in documents:  # a page to rescan: how to replace it in place, or the batch that replaced it
        if doc["rescan"] and doc.get("replaced_by"):
            typer.echo(f"{doc['index'] + 1}. đã thay bằng bản quét mới: `sohoa status {doc['replaced_by']}`")
            continue
        reasons: dict[int, list[str]] = {}  # a page flagged for two reasons is one line, one command
        for item in doc["rescan"] if doc["id"] else []:
            reasons.setdefault(int(item["page"]), []).append(reason_vi(item["reason"]))
        for page, said in reasons.items():
            typer.echo(f"{doc['index'] + 1}. trang {page} cần quét lại: {'; '.join(said)}")
            typer.echo(f"   `sohoa rescan {doc['id']} {page} TRANG-MOI.jpg`")
    for doc in documents:  # a paper scanned again: what the vault holds, and how to choose
        before = doc.get("scanned_before")
        if before and doc["status"] == "awaiting_choice":
            typer.echo(f"{doc['index'] + 1}. {before['hint']} ({before['id']})")
            choose = f"sohoa choose {state['batch_id']} {doc['index'] + 1}"
            typer.echo(f"   `{choose} reuse|new_version|new_document`")
            if doc.get("choice_until"):  # then the document fails, the stored paper kept
                until = to_vn(dt.datetime.fromisoformat(doc["choice_until"]))
                typer.echo(f"   hạn chọn: {until:%H:%M %d/%m/%Y}")
    for doc in documents:  # a document that failed: why, on one line (the table says only "failed")
        if doc["status"] == "failed":
            step, _, reason = str(doc.get("error") or "?: không rõ").partition(": ")
            typer.echo(f"{doc['index'] + 1}. lỗi ở bước {step_words(step)}: {reason}")
    if state["status"] == "failed":
        return EXIT_FAILED
    if all(doc.get("replaced_by") for doc in documents if doc["rescan"]) and state["status"] == "needs_rescan":
        return 0  # every flagged page replaced: nothing left to rescan (the stored status is history)
    return EXIT_CODES.get(str(state["status"]), 1)


def _wide_table(documents: list[dict[str, Any]]) -> Table:
    """Every column on one row per document, as scripts read it (wider than 80 columns if need be)."""
    from rich.table import Table

    table = Table("#", "name", "status", "signature", "rescan", title="documents")
    table.add_column("document id", overflow="fold", no_wrap=True, min_width=32)
    for doc in documents:
        rescan = "; ".join(f"p.{item['page']}: {reason_vi(item['reason'])}" for item in doc["rescan"])
        table.add_row(
            str(doc["index"] + 1), doc["name"], doc["status"], doc["signature"] or "-", rescan or "-", doc["id"] or "-"
        )
    return table


def _narrow_table(documents: list[dict[str, Any]]) -> Table:
    """Three columns that fit 80: the paper's number and name with its id below (never cut), status, signature;
    the pages to rescan are the Vietnamese lines after the table."""
    from rich import box
    from rich.table import Table

    table = Table("document", "status", "signature", title="documents", box=box.SIMPLE_HEAD)
    table.columns[0].min_width = 35
    for doc in documents:
        status = f"{doc['status']} ({len(doc['rescan'])} p.)" if doc["rescan"] else doc["status"]
        table.add_row(f"{doc['index'] + 1}. {doc['name']}\n   {doc['id'] or '-'}", status, doc["signature"] or "-")
    return table
