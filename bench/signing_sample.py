"""Sample PDFs for signing benchmarks and tests: N pages of uncompressed text, A4, deterministic.

Uncompressed content streams let tests flip a byte inside a page's text and expect a digest mismatch.
"""

from __future__ import annotations

from io import BytesIO


def sample_pdf(pages: int = 10) -> bytes:
    """An A4 PDF with `pages` pages, each with a short text line and a ruled box, streams uncompressed."""
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    for number in range(1, pages + 1):
        content = (
            f"BT /F1 14 Tf 72 700 Td (Sohoa sample page {number} of {pages}) Tj ET\n0.5 w 72 100 451 560 re S\n"
        ).encode()
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 595, 842],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pdf.make_stream(content),
        )
        pdf.pages.append(pikepdf.Page(page))
    out = BytesIO()
    pdf.save(out, compress_streams=False, deterministic_id=True)
    return out.getvalue()
