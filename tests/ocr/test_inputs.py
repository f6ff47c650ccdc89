"""Reading scanner output: formats, resolution from the file or inferred, and every bad input refused."""

from __future__ import annotations

import io
import pickle
import resource
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from ocr.errors import UnusableInput
from ocr.inputs import decode_page, load_pages
from ocr.settings import OcrSettings
from tests.ocr.bad_inputs import BAD_INPUTS, png_bomb


def _image(mode: str, size: tuple[int, int] = (620, 877)) -> Image.Image:
    colour = {"RGB": (230, 228, 220), "L": 200, "1": 1}[mode]
    return Image.new(mode, size, colour)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_refused_with_a_reason(tmp_path: Path, name: str) -> None:
    build, expected = BAD_INPUTS[name]
    path = build(tmp_path)
    with pytest.raises(UnusableInput) as caught:
        load_pages([path])
    assert caught.value.path == path
    assert expected in caught.value.reason
    assert pickle.loads(pickle.dumps(caught.value)).reason == caught.value.reason


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(UnusableInput):
        load_pages([png_bomb(tmp_path)])
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB: nothing was decoded


def test_pixel_limit_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "page.png"
    _image("L").save(path, dpi=(300, 300))
    with pytest.raises(UnusableInput, match="exceeds the limit"):
        load_pages([path], OcrSettings(max_pixels=1000))


def test_multipage_tiff_lzw_and_g4(tmp_path: Path) -> None:
    lzw = tmp_path / "lzw.tif"
    first, second = _image("RGB"), _image("L")
    first.save(lzw, compression="tiff_lzw", save_all=True, append_images=[second], dpi=(300, 300))
    g4 = tmp_path / "g4.tif"
    _image("1").save(g4, compression="group4", dpi=(200, 200))
    pages = load_pages([lzw, g4])
    assert [
        (p.source.endswith(n), p.number_in_source, p.mode)
        for p, n in zip(pages, ["lzw.tif"] * 2 + ["g4.tif"], strict=True)
    ] == [
        (True, 1, "RGB"),
        (True, 2, "L"),
        (True, 1, "1"),
    ]
    assert [p.dpi for p in pages] == [(300.0, 300.0), (300.0, 300.0), (200.0, 200.0)]
    assert decode_page(pages[2]).shape == (877, 620)
    assert decode_page(pages[0]).shape == (877, 620, 3)


def test_image_only_pdf_gives_its_jpeg_unchanged(tmp_path: Path) -> None:
    jpeg = io.BytesIO()
    _image("RGB", (1240, 1754)).save(jpeg, "JPEG", quality=80)
    path = tmp_path / "scan.pdf"
    with pikepdf.new() as pdf:
        image = pikepdf.Stream(pdf, jpeg.getvalue())
        image.Type, image.Subtype, image.Filter = pikepdf.Name.XObject, pikepdf.Name.Image, pikepdf.Name.DCTDecode
        image.Width, image.Height, image.BitsPerComponent = 1240, 1754, 8
        image.ColorSpace = pikepdf.Name.DeviceRGB
        page = pdf.add_blank_page(page_size=(1240 * 72 / 150, 1754 * 72 / 150))
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        page.Contents = pikepdf.Stream(pdf, f"q {1240 * 72 / 150} 0 0 {1754 * 72 / 150} 0 0 cm /Im0 Do Q".encode())
        pdf.save(path)
    (page_image,) = load_pages([path])
    assert page_image.fmt == "jpeg" and page_image.data == jpeg.getvalue()
    assert page_image.dpi == pytest.approx((150.0, 150.0), abs=0.5)
    assert not page_image.dpi_inferred


def test_missing_resolution_is_inferred_and_flagged(tmp_path: Path) -> None:
    path = tmp_path / "nodpi.png"
    _image("RGB", (2480, 3508)).save(path)
    (page,) = load_pages([path])
    assert page.dpi == (300.0, 300.0)
    assert page.dpi_inferred and "inferred" in page.dpi_note


def test_page_image_is_picklable_and_keeps_encoded_bytes(tmp_path: Path) -> None:
    path = tmp_path / "page.jpg"
    _image("RGB").save(path, "JPEG", dpi=(300, 300))
    (page,) = load_pages([path])
    assert page.data == path.read_bytes()
    assert pickle.loads(pickle.dumps(page)) == page


def test_inferred_resolution_is_noted_on_the_page_result(tmp_path: Path) -> None:
    from ocr.models import OcrOptions
    from ocr.page import process_page

    path = tmp_path / "nodpi.png"
    _image("L", (2480, 3508)).save(path)  # a blank A4 sheet without resolution: no OCR call
    result = process_page(load_pages([path])[0], OcrOptions())
    assert result.notes and "inferred" in result.notes[0]
