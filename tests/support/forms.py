"""Scans of one-page forms for the tests of a paper scanned again: the same paper scanned twice (the second time
at another resolution, skewed, noisy, blurred, shadowed, with a dark border and a seal), the same form filled in
for another person, and a page of other text."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.synthetic import Degradation, degrade, encode_jpeg, render_page, seed_paragraphs

PEOPLE = {
    "an": ("NGUYỄN VĂN AN", "12/03/1990", "045190001234", "Bệnh viện Đa khoa tỉnh Quảng Trị"),
    "hoa": ("TRẦN THỊ HOA", "05/11/1987", "045187004321", "Trạm Y tế xã Gio Linh"),
}
CLEAN = Degradation(noise=4, jpeg_quality=90)
ROUGH = Degradation(skew=2.5, noise=10, blur=0.6, shadow=0.2, border=True, stamp=True, jpeg_quality=70)


def form_lines(person: str) -> list[str]:
    name, born, pid, place = PEOPLE[person]
    return [
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        f"Họ, chữ đệm, tên người được khai sinh: {name}",
        f"Ngày, tháng, năm sinh: {born}",
        f"Nơi sinh: {place}",
        f"Số định danh cá nhân: {pid}",
        *seed_paragraphs()[10:13],
    ]


def scan(target: Path, lines: list[str], *, dpi: int = 300, rough: bool = False, seed: int = 1) -> Path:
    """One page of `lines` rendered and degraded (CLEAN, or ROUGH), written as a JPEG at `dpi`."""
    image, _truth = render_page(lines, dpi=dpi, height_mm=200.0)
    degradation = ROUGH if rough else CLEAN
    target.write_bytes(encode_jpeg(degrade(image, degradation, np.random.default_rng(seed), dpi), dpi, 70))
    return target


def other_text(target: Path) -> Path:
    """A page of other text (regulations), scanned clean."""
    return scan(target, seed_paragraphs()[40:44])
