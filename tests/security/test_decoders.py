"""Issue #13 items 2 and 3 at the readers: nothing but image data goes forward (polyglots, metadata), and
decoded sizes are bounded before decoding (a Flate bomb in a PDF, an IDAT bomb, a lying DCT header)."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from core.types import DocumentInfo
from ocr.api import DocumentOptions, ocr_document
from ocr.errors import UnusableInput
from ocr.inputs import decode_page, load_file, probe_file
from tests.security import hostile


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("polyglot.jpg", hostile.jpeg_zip_polyglot),
        ("metadata.jpg", hostile.jpeg_with_metadata),
        ("payload.png", hostile.png_with_payload),
        ("polyglot.pdf", hostile.pdf_dct_polyglot),
    ],
)
def test_only_image_data_goes_forward(tmp_path: Path, name: str, build: Callable[[], bytes]) -> None:
    data = build()
    assert hostile.MARKER in data
    (page,) = load_file(_write(tmp_path, name, data))
    assert hostile.MARKER not in page.data
    assert decode_page(page).shape[:2] == (877, 620)  # still the same picture
    assert probe_file(tmp_path / name) == [(620, 877)]


def test_the_pixels_of_a_cleaned_jpeg_are_the_original_ones(tmp_path: Path) -> None:
    original = hostile.jpeg()
    (page,) = load_file(_write(tmp_path, "p.jpg", original + hostile.zip_with_marker()))
    assert len(page.data) <= len(original)
    assert Image.open(io.BytesIO(page.data)).tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_a_polyglot_page_leaves_nothing_in_the_archived_pdf(tmp_path: Path) -> None:
    """Issue #13 item 2: the zip appended to a JPEG page was archived inside the PDF/A. The page is blank-ish
    and untouched by cleanup, so its JPEG is passed through to the PDF: only its image segments now."""
    path = _write(tmp_path, "polyglot.jpg", hostile.jpeg_zip_polyglot())
    options = DocumentOptions(info=DocumentInfo(title="Giấy khai sinh"), workers=1, pool="threads")
    result = ocr_document(load_file(path), options)
    assert hostile.MARKER not in result.pdf
    with pikepdf.open(io.BytesIO(result.pdf)) as pdf:
        for image in pdf.pages[0].get_images().values():
            assert hostile.MARKER not in image.read_raw_bytes()


def _status_mb(key: str) -> float:
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith(key + ":")).split()[1]) / 1024


def _reset_peak() -> float:
    """Start the process's peak resident size (VmHWM) again from now; the resident size now."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


@pytest.mark.parametrize("reader", [load_file, probe_file], ids=["load", "probe"])
def test_a_pdf_flate_bomb_is_refused_before_it_inflates(tmp_path: Path, reader: Callable[[Path], object]) -> None:
    """Issue #13 item 3: 1 MB of PDF whose 2000×2000 image inflates to 1 GiB took 15 s and 2 GB of memory."""
    data = hostile.pdf_flate_bomb()
    assert len(data) < 2 * 1024**2
    path = _write(tmp_path, "bomb.pdf", data)
    before, started = _reset_peak(), time.monotonic()
    with pytest.raises(UnusableInput, match="inflates beyond"):
        reader(path)
    assert time.monotonic() - started < 5
    assert _status_mb("VmHWM") - before < 200  # the 1 GiB was never held


@pytest.mark.parametrize(
    ("name", "build", "reason"),
    [
        ("idat-bomb.png", hostile.png_idat_bomb, "inflates beyond"),
        ("lying-dct.pdf", hostile.pdf_dct_lying_size, "too large|exceeds the limit|declared"),
        ("flood.jpg", lambda: hostile.jpeg_header_only(60000, 60000), "too large|exceeds the limit"),
        ("lzw.pdf", lambda: hostile.pdf_with_image(b"\x80", 10, 10, Filter=pikepdf.Name.LZWDecode), "not accepted"),
        (
            "chain.pdf",
            lambda: hostile.pdf_with_image(
                b"00>", 10, 10, Filter=pikepdf.Array([pikepdf.Name.ASCIIHexDecode, pikepdf.Name.FlateDecode])
            ),
            "not accepted",
        ),
        ("raw-long.pdf", lambda: hostile.pdf_with_image(bytes(10 * 1024**2), 10, 10), "longer than"),
        ("bpc.pdf", lambda: hostile.pdf_with_image(b"\x00" * 100, 10, 10, BitsPerComponent=7), "bits per component"),
    ],
)
def test_declared_sizes_bound_every_decoder(tmp_path: Path, name: str, build: Callable[[], bytes], reason: str) -> None:
    path = _write(tmp_path, name, build())
    for reader in (probe_file, load_file):
        with pytest.raises(UnusableInput, match=reason):
            reader(path)


_PEAK = """
import sys
from pathlib import Path
from ingest.intake import BatchRefused, survey_pages
from ingest.manifest import Manifest
from ingest.settings import IngestSettings
from ocr.inputs import load_file
from ocr.settings import OcrSettings
path = Path(sys.argv[2])
def status_kb(key):
    return int(next(l for l in open("/proc/self/status") if l.startswith(key + ":")).split()[1])
open("/proc/self/clear_refs", "w").write("5")  # the peak resident size starts again from now
base = status_kb("VmRSS")
if sys.argv[1] == "survey":
    manifest = Manifest.model_validate({"station_id": "QT-01", "agency_code": "000.00.00.H30",
        "procedure_code": "1.011442.000.00.00.H30", "owner_id": "045190001234",
        "documents": [{"type_code": "GKS", "name": "Giấy khai sinh", "pages": "1"}]})
    try:
        survey_pages([path], manifest, IngestSettings(), OcrSettings())
    except BatchRefused as exc:
        print(exc.reason.replace(" ", "_"))
elif sys.argv[1] == "survey-blank":  # the split looks at the pixels: a decoder process does
    manifest = Manifest.model_validate({"station_id": "QT-01", "agency_code": "000.00.00.H30",
        "procedure_code": "1.011442.000.00.00.H30", "owner_id": "045190001234", "split": "blank"})
    try:
        survey_pages([path], manifest, IngestSettings(), OcrSettings())
    except BatchRefused as exc:
        print(exc.reason.replace(" ", "_"))
else:
    load_file(path, OcrSettings())
print((status_kb("VmHWM") - base) // 1024)
"""


def _peak_growth_mb(mode: str, path: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, mode, str(path)],
        capture_output=True,
        timeout=300,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    return int(done.stdout.split()[-1])


def test_the_intake_survey_reads_headers_not_pixels(tmp_path: Path) -> None:
    """Issue #13 item 3: the API's intake decoded every page. A 100-megapixel page split by manifest ranges is
    now surveyed from its header and a capped inflate: the API process does not grow by the page's pixels."""
    path = _write(tmp_path, "big.png", hostile.big_blank_png(10_000, 10_000))
    decoded = _peak_growth_mb("load", path)
    surveyed = _peak_growth_mb("survey", path)
    assert decoded >= 90, decoded  # 100 MB of grey pixels when a reader decodes them
    assert surveyed < 30, surveyed


def _survey(mode: str, path: Path) -> tuple[str, int]:
    """The refusal (or "") and the peak growth in MB of a process surveying `path` as the API's intake does."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, mode, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    *reason, growth = done.stdout.split()
    return " ".join(reason).replace("_", " "), int(growth)


def test_pages_split_by_their_pixels_are_decoded_outside_the_api_process(tmp_path: Path) -> None:
    """Issue #13 item 3, the rest: a blank (or QR) split needs every page's pixels. They are decoded in a
    decoder process (`ingest.decoding`): the 100-megapixel page is found blank, and the surveying process does
    not grow by its pixels."""
    reason, growth = _survey("survey-blank", _write(tmp_path, "big.png", hostile.big_blank_png(10_000, 10_000)))
    assert "blank" in reason  # the pixels were looked at: an all-blank batch is refused
    assert growth < 30, growth


@pytest.mark.parametrize("mode", ["survey", "survey-blank"], ids=["manifest-split", "blank-split"])
def test_the_flate_bomb_through_the_intake_survey_keeps_the_api_process_small(tmp_path: Path, mode: str) -> None:
    """The 1 GiB-inflating PDF (2.26 GB in the API process before #13) through the intake's survey, either split:
    refused with the reason, and the API process grows by under 30 MB."""
    reason, growth = _survey(mode, _write(tmp_path, "bomb.pdf", hostile.pdf_flate_bomb()))
    assert "inflates beyond" in reason
    assert growth < 30, growth
