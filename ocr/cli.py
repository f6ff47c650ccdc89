"""`sohoa ocr`: scanned pages of one document in, a searchable PDF/A out, with a report and a text sidecar.

Exit 0 when done, 2 on unusable input (the message names the file and the reason) or when `--drop-blank` leaves
no page, 3 when the PDF was made but some pages need a rescan (listed in the report), 1 when processing itself
failed (OCR engine missing or crashed, or an unexpected error).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from core.files import write_atomically

if TYPE_CHECKING:
    from ocr.models import DocumentOcr

EXIT_ENGINE = 1
EXIT_UNUSABLE = 2
EXIT_RESCAN = 3


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)


def report(result: DocumentOcr, inputs: list[Path], output: Path) -> dict[str, Any]:
    """The JSON report: pages, verdicts with reasons, rescan list, extracted fields, cleanup done per page."""
    from core.types import RESCAN_VERDICTS

    return {
        "output": str(output),
        "inputs": [str(p) for p in inputs],
        "page_count": result.page_count,
        "needs_rescan": result.needs_rescan,
        "rescan_pages": sorted({i.page for i in result.issues if i.verdict in RESCAN_VERDICTS}),
        "issues": result.issues_json(),
        "pdfa": result.sidecar["pdfa"],
        "pdfa_problems": result.sidecar["pdfa_problems"],
        "pages": [
            {
                "page": r.number,
                "source": r.source,
                "dropped": r.dropped,
                "rotation": r.cleanup.rotation,
                "rotation_method": r.cleanup.rotation_method,
                "skew_removed": r.cleanup.skew,
                "crop": list(r.cleanup.crop),
                "dpi": list(r.image.dpi),
                "mean_confidence": r.mean_confidence,
                "words": len(r.words),
                "notes": list(r.notes),
                "kept_as_received": r.kept,
            }
            for r in result.pages
        ],
        "fields": result.fields,
    }


def _printer(console: Any) -> Callable[[str], None]:
    """Writes a log line through the progress bar's rich console (above the bar), as it is: no markup, no colours."""

    def write(line: str) -> None:
        console.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)

    return write


def _run(
    inputs: list[Path],
    output: Path,
    report_path: Path | None,
    sidecar: Path | None,
    lang: str | None,
    jobs: int | None,
    drop_blank: bool,
    title: str,
) -> int:
    logging.getLogger("pikepdf").setLevel(logging.WARNING)  # its import-time info line is noise here
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from core.logging import get_logger, while_progress_shows
    from core.types import DocumentInfo
    from ocr.api import DocumentOptions, ocr_document
    from ocr.engine import EngineFailed
    from ocr.errors import NothingToArchive, UnusableInput
    from ocr.inputs import load_pages
    from ocr.models import OcrOptions, PageProgress

    options = DocumentOptions(
        page=OcrOptions.from_settings(lang=lang),
        info=DocumentInfo(title=title or output.stem),
        drop_blank=drop_blank,
        workers=jobs,
    )
    show = sys.stderr.isatty()
    columns = (TextColumn("OCR"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    console = Console(stderr=True)
    quiet = while_progress_shows(_printer(console)) if show else nullcontext()  # log lines above the bar, not in it
    with Progress(*columns, console=console, disable=not show, transient=True) as bar, quiet:
        task = bar.add_task("pages", total=None)

        def progress(event: PageProgress) -> None:
            bar.update(task, completed=event.done, total=event.total)

        try:
            result = ocr_document(load_pages(inputs), options, progress)
        except UnusableInput as exc:
            typer.echo(f"sohoa ocr: unusable input {exc.path}: {exc.reason}", err=True)
            return EXIT_UNUSABLE
        except NothingToArchive as exc:
            typer.echo(f"sohoa ocr: nothing written: {exc}", err=True)
            return EXIT_UNUSABLE
        except EngineFailed as exc:
            typer.echo(f"sohoa ocr: {exc}", err=True)
            return EXIT_ENGINE
        except Exception as exc:  # one line for the station; the log keeps the type for the developers
            get_logger(__name__).error("ocr.failed", error=type(exc).__name__)
            typer.echo(f"sohoa ocr: processing failed ({type(exc).__name__}: {exc})", err=True)
            return EXIT_ENGINE
    _write_atomic(output, result.pdf)
    if sidecar is not None:
        _write_atomic(sidecar, result.text.encode("utf-8"))
        words = sidecar.with_name(f"{sidecar.stem}.words.json")
        _write_atomic(words, json.dumps(result.sidecar, ensure_ascii=False).encode("utf-8"))
    if report_path is not None:
        body = json.dumps(report(result, inputs, output), ensure_ascii=False, indent=2)
        _write_atomic(report_path, body.encode("utf-8"))
    for issue in result.issues:
        typer.echo(f"page {issue.page}: {issue.verdict}: {issue.reason}", err=True)
    for problem in result.sidecar["pdfa_problems"]:  # a page kept as received that cannot be PDF/A
        typer.echo(f"written as plain PDF, not PDF/A: {problem}", err=True)
    return EXIT_RESCAN if result.needs_rescan else 0


def register(app: typer.Typer) -> None:
    """Add `sohoa ocr` to the sohoa command line."""

    @app.command("ocr")
    def ocr_command(
        inputs: Annotated[list[Path], typer.Argument(help="Scanned pages of one document, in order.")],
        output: Annotated[Path, typer.Option("-o", "--output", help="The PDF/A-2b file to write.")],
        report_path: Annotated[
            Path | None, typer.Option("--report", help="JSON report: verdicts per page, fields.")
        ] = None,
        sidecar: Annotated[
            Path | None,
            typer.Option("--sidecar", help="Plain text; words, boxes, confidences go beside it (.words.json)."),
        ] = None,
        lang: Annotated[str | None, typer.Option("--lang", help="Tesseract languages (default vie).")] = None,
        jobs: Annotated[int | None, typer.Option("--jobs", min=1, help="Worker processes (default: cores).")] = None,
        drop_blank: Annotated[
            bool, typer.Option("--drop-blank", help="Leave blank pages out of the PDF (duplex scans).")
        ] = False,
        title: Annotated[str, typer.Option("--title", help="Document title for the PDF metadata.")] = "",
    ) -> None:
        """Clean up and OCR scanned pages into one searchable PDF/A-2b (exit 3: some pages need a rescan)."""
        code = _run(inputs, output, report_path, sidecar, lang, jobs, drop_blank, title)
        raise typer.Exit(code)
