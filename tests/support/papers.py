"""Generated scans of three Vietnamese papers as a district counter receives them for a birth registration: the
application (tờ khai), a certified copy of the mother's ID card and a residence paper, each with the two-column
header of administrative papers and a two-column signature block ("Nơi nhận" beside the signer)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-{}.ttf"
DPI = 300
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
Column = tuple[str, str, str]
PAPERS: tuple[tuple[str, str, Column, str, str, tuple[str, ...], Column, Column], ...] = (
    (
        "GKS",
        "Tờ khai đăng ký khai sinh",
        ("ỦY BAN NHÂN DÂN", "XÃ GIO LINH", "Số: 12/2026/TK-UBND"),
        "Gio Linh, ngày 28 tháng 11 năm 2026",
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        (
            "Họ, chữ đệm, tên người được khai sinh: NGUYỄN VĂN AN",
            "Ngày, tháng, năm sinh: 12/03/2026",
            "Nơi sinh: Bệnh viện Đa khoa tỉnh Quảng Trị",
            "Họ tên người mẹ: TRẦN THỊ HOA",
            "Số định danh cá nhân của người mẹ: 045187004321",
            "Nơi cư trú: thôn Nhĩ Hạ, xã Gio Linh, tỉnh Quảng Trị",
        ),
        ("Nơi nhận:", "- Như trên;", "- Lưu: VT."),
        ("NGƯỜI YÊU CẦU", "(Ký, ghi rõ họ tên)", "Trần Thị Hoa"),
    ),
    (
        "CCCD",
        "Căn cước công dân (bản sao)",
        ("BỘ CÔNG AN", "CỤC CẢNH SÁT QLHC", "Số: 045187004321"),
        "ngày 15 tháng 06 năm 2021",
        "CĂN CƯỚC CÔNG DÂN (BẢN SAO)",
        (
            "Họ và tên: TRẦN THỊ HOA",
            "Ngày sinh: 05/11/1987",
            "Giới tính: Nữ",
            "Quê quán: xã Gio Linh, tỉnh Quảng Trị",
            "Nơi thường trú: thôn Nhĩ Hạ, xã Gio Linh",
            "Có giá trị đến: 05/11/2027",
        ),
        ("CHỨNG THỰC BẢN SAO", "Số chứng thực: 88/SCT", ""),
        ("CÔNG CHỨC TƯ PHÁP", "(Ký, đóng dấu)", "Lê Thị Mai"),
    ),
    (
        "CT",
        "Giấy xác nhận thông tin về cư trú",
        ("CÔNG AN XÃ GIO LINH", "TỈNH QUẢNG TRỊ", "Số: 301/XN-CAX"),
        "Gio Linh, ngày 20 tháng 11 năm 2026",
        "GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ",
        (
            "Họ và tên chủ hộ: NGUYỄN VĂN BÌNH",
            "Số định danh cá nhân: 045185002468",
            "Ngày sinh: 02/09/1985",
            "Nơi thường trú: thôn Nhĩ Hạ, xã Gio Linh, tỉnh Quảng Trị",
            "Quan hệ với chủ hộ: Vợ - TRẦN THỊ HOA",
        ),
        ("Nơi nhận:", "- Công dân;", "- Lưu: hồ sơ hộ khẩu."),
        ("TRƯỞNG CÔNG AN XÃ", "(Ký, đóng dấu)", "Hoàng Văn Dũng"),
    ),
)


def _px(mm: float) -> int:
    return round(mm / 25.4 * DPI)


def _font(points: int, style: str = "Regular") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT.format(style), round(points / 72 * DPI))


def _two_columns(draw: ImageDraw.ImageDraw, y: int, columns: tuple[Column, Column], bold: int, line: int) -> None:
    left, right = _px(25), _px(195)
    width = (right - left) / 2
    for c, lines in enumerate(columns):
        for n, text in enumerate(lines):
            style = "Bold" if n < bold else ("Italic" if c else "Regular")
            draw.text(
                (left + width * c + width / 2, y + n * line),
                text,
                font=_font(12, style),
                fill=(20, 20, 20),
                anchor="ma",
            )


def scan_paper(target: Path, index: int) -> Path:
    """Paper `index` of PAPERS scanned at 300 dpi as a JPEG."""
    _code, _name, agency, dated, title, body, sent_to, signer = PAPERS[index]
    image = Image.new("RGB", (_px(210), _px(297)), (250, 249, 245))
    draw = ImageDraw.Draw(image)
    line = round(13 / 72 * DPI * 1.45)
    y = _px(18)
    _two_columns(draw, y, (agency, (*MOTTO, dated)), 2, line)
    y += line * 4
    draw.text((_px(105), y), title, font=_font(14, "Bold"), fill=(20, 20, 20), anchor="ma")
    y += line * 2
    for text in body:
        draw.text((_px(25), y), text, font=_font(13), fill=(20, 20, 20))
        y += line
    _two_columns(draw, y + line, (sent_to, signer), 1, line)
    image.save(target, dpi=(DPI, DPI), quality=90)
    return target
