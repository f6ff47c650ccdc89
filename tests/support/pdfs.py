"""PDFs as stations receive them, generated for the tests: born digital (embedded fonts, Vietnamese text), a
scanned page (a JPEG on a page), a drawing without text, an empty page, active content, and their merges.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import pikepdf

from issuing.pdfdraw import MM, PdfDocument

BORN_DIGITAL_LINES = (
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "QUYẾT ĐỊNH về việc cấp giấy phép xây dựng",
    "Số: 35/2022/QĐ-UBND, ngày 12 tháng 3 năm 2022",
    "Điều 1. Cấp phép cho ông Nguyễn Văn Đức xây dựng nhà ở riêng lẻ.",
)


def born_digital(lines: tuple[str, ...] = BORN_DIGITAL_LINES, title: str = "Quyết định", pages: int = 1) -> bytes:
    """An A4 PDF with Vietnamese text in embedded Liberation fonts (one subset shared by all pages), one line per
    entry, the same lines on every page."""
    doc = PdfDocument(title=title, author="tests")
    for _ in range(pages):
        page = doc.new_page()
        for number, line in enumerate(lines):
            font = "serif-bold" if number == 0 else "serif"
            page.text(25 * MM, page.height - (30 + 10 * number) * MM, line, font, 12)
    return doc.to_bytes()


def _save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def scanned(jpeg: bytes, width_px: int, height_px: int, dpi: float = 300) -> bytes:
    """A page holding only a JPEG scan, at its resolution (as scanners and img2pdf write them)."""
    width, height = width_px * 72 / dpi, height_px * 72 / dpi
    with pikepdf.new() as pdf:
        image = pikepdf.Stream(pdf, jpeg)
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height, image.BitsPerComponent = width_px, height_px, 8
        image.ColorSpace, image.Filter = pikepdf.Name.DeviceRGB, pikepdf.Name.DCTDecode
        content = f"q {width:.3f} 0 0 {height:.3f} 0 0 cm /Im0 Do Q".encode()
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, width, height],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
            Contents=pikepdf.Stream(pdf, content),
        )
        pdf.pages.append(pikepdf.Page(page))
        return _save(pdf)


DRAWING = b"0 0 0.6 RG 4 w 100 100 m 495 742 l S 1 0 0 rg 200 300 150 100 re f"


def drawing() -> bytes:
    """An A4 page of vector paths only (a line, a filled rectangle): no text, no image."""
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        pdf.pages[0].obj.Contents = pikepdf.Stream(pdf, DRAWING)
        return _save(pdf)


def empty() -> bytes:
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        return _save(pdf)


def unembedded_font() -> bytes:
    """A page of text in Helvetica, a standard font that is not embedded (cannot be PDF/A)."""
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
        page = pdf.pages[0].obj
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pikepdf.Stream(pdf, b"BT /F1 14 Tf 72 760 Td (Giay xac nhan cu tru) Tj ET")
        return _save(pdf)


def with_javascript(data: bytes) -> bytes:
    """`data` with a JavaScript action run when the file is opened."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')"))
        return _save(pdf)


def merged(*parts: bytes) -> bytes:
    """The pages of the given PDFs, in order, in one file."""
    with pikepdf.new() as pdf:
        sources = [pikepdf.open(io.BytesIO(part)) for part in parts]
        try:
            for source in sources:
                pdf.pages.extend(source.pages)
            return _save(pdf)
        finally:
            for source in sources:
                source.close()


def outlined(data: bytes) -> bytes:
    """`data` with its text turned into vector outlines (Ghostscript's pdfwrite, `-dNoOutputFonts`): it still
    reads as text to a person, but holds no text operator, only paths."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "in.pdf").write_bytes(data)
        command = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-dNoOutputFonts", "-sDEVICE=pdfwrite"]
        subprocess.run([*command, "-sOutputFile=out.pdf", "in.pdf"], cwd=folder, check=True, timeout=120)
        return (folder / "out.pdf").read_bytes()
