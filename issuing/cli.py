"""`sohoa coversheet`: print a QR cover sheet that the scan splitter recognises.

Registered by `cli.main`; heavy imports stay inside the command so that `sohoa --help` is quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.files import write_atomically
from core.types import DocumentKind


def coversheet(
    dossier: Annotated[str, typer.Option("--dossier", help="Mã hồ sơ, <mã cơ quan>-YYMMDD-XXXX (dossier code)")],
    type_code: Annotated[str, typer.Option("--type", help="Mã loại giấy tờ, ví dụ GKS (document type code)")],
    name: Annotated[str, typer.Option("--name", help="Tên giấy tờ, ví dụ 'Giấy khai sinh' (document name)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Tệp PDF cần ghi (PDF file to write)")],
    kind: Annotated[
        DocumentKind,
        typer.Option("--kind", help="Loại tài liệu trong hồ sơ; mặc định: thành phần hồ sơ (its kind in the dossier)"),
    ] = DocumentKind.COMPONENT,
) -> None:
    """In tờ bìa A4 có mã QR ghi mã hồ sơ, mã loại và tên giấy tờ (write an A4 cover sheet PDF with its QR)."""
    from issuing.coversheet import make_cover_sheet, render_cover_sheet
    from issuing.pdfdraw import FontNotFound

    try:
        sheet = make_cover_sheet(dossier, type_code, name, kind)
        pdf = render_cover_sheet(sheet)
    except (ValueError, FontNotFound) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if not output.parent.expanduser().is_dir():
        typer.echo(f"error: folder {output.parent} does not exist", err=True)
        raise typer.Exit(2)
    try:
        write_atomically(output.expanduser(), pdf)  # never a half-written sheet
    except OSError as exc:
        typer.echo(f"error: cannot write {output}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"cover sheet written to {output}")


def register(app: typer.Typer) -> None:
    app.command()(coversheet)
