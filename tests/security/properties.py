"""Properties for fuzzing the input readers with hypothesis: for any input, only the documented exception
escapes (never a crash that the API would turn into a 500), and what is accepted is well-formed.

Shared by the short deterministic run in CI (`tests/security/test_fuzz.py`) and the long one
(`python -m bench.fuzz`).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from pydantic import ValidationError

from core import identifiers as ids
from ingest.manifest import Manifest, ManifestDocument
from ingest.split import SplitError, split_by_manifest
from ingest.ziparchive import UnsafeArchive, ZipLimits, extract_zip
from ocr.errors import UnusableInput
from ocr.inputs import load_file, probe_file
from ocr.settings import OcrSettings
from tests.security import hostile

# --- strategies ------------------------------------------------------------------------------------------------

DIGITS = "0123456789٠١٢٣٤٥٦٧٨٩０１２３４５６７８９"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
MANIFEST_KEYS = [
    "station_id",
    "agency_code",
    "procedure_code",
    "dossier_code",
    "owner_id",
    "owner_name",
    "split",
    "drop_blank",
    "documents",
    "extra",
]


@st.composite
def manifests(draw: st.DrawFn) -> str:
    """A valid manifest with some fields replaced by arbitrary JSON, or arbitrary text."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.text(max_size=200))
    base: dict[str, Any] = {
        "station_id": "QT-01",
        "agency_code": "000.00.00.H30",
        "procedure_code": "1.011442.000.00.00.H30",
        "owner_id": "045190001234",
        "split": "manifest",
        "documents": [{"type_code": "GKS", "name": "Giấy khai sinh", "pages": "1-2"}],
    }
    for key in draw(st.lists(st.sampled_from(MANIFEST_KEYS), max_size=3)):
        base[key] = draw(json_values | st.text(alphabet=DIGITS + ".-", max_size=20))
    return json.dumps(base, ensure_ascii=draw(st.booleans()))


page_ranges = st.text(alphabet=DIGITS + " ,-\t\n", max_size=60) | st.text(max_size=30)
identifier_text = st.text(alphabet=DIGITS + "ABCHZ.- \n", max_size=40) | st.text(max_size=40)


@lru_cache(maxsize=1)
def seed_files() -> dict[str, bytes]:
    """One small valid file of each accepted kind, for the mutators to damage."""
    return {
        "jpeg": hostile.jpeg(40, 56),
        "png": hostile.png(40, 56),
        "tiff": hostile.tiff_many_pages(2),
        "pdf": hostile.pdf_with_image(hostile.jpeg(40, 56), 40, 56, Filter="/DCTDecode"),
        "pdf-flate": hostile.pdf_with_image(__import__("zlib").compress(bytes(40 * 56)), 40, 56, Filter="/FlateDecode"),
    }


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """`seed` with a few bytes flipped, a run inserted or deleted, or cut short."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "max"]))
        if action == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif action == "max":
            data[at : at + 2] = b"\xff\xff"
        else:
            del data[at:]
    return bytes(data)


def image_files() -> st.SearchStrategy[tuple[str, bytes]]:
    kinds = st.sampled_from(sorted(seed_files()))
    return kinds.flatmap(lambda kind: st.tuples(st.just(kind), mutated(seed_files()[kind])))


entry_names = st.text(min_size=0, max_size=140) | st.sampled_from([".", "..", "a/b", "/x", "..\\x", "manifest.json"])


@st.composite
def zips(draw: st.DrawFn) -> bytes:
    """A zip of arbitrary names and contents, often damaged afterwards."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))) as bundle:
        for name in draw(st.lists(entry_names, max_size=4)):
            try:
                bundle.writestr(name or "x", draw(st.binary(max_size=64)))
            except (ValueError, UnicodeError, IndexError):  # names zipfile itself cannot write
                continue
    data = out.getvalue()
    return draw(mutated(data)) if draw(st.booleans()) and data else data


# --- properties ------------------------------------------------------------------------------------------------

SMALL = OcrSettings(max_pixels=4_000_000, max_pages=20)


def check_manifest(text: str) -> None:
    try:
        manifest = Manifest.model_validate_json(text)
    except ValidationError:
        return
    assert manifest.owner_id.isascii() and manifest.agency_code.isascii()
    ids.owner_kind(manifest.owner_id)


def check_page_ranges(pages: str, count: int) -> None:
    try:
        document = ManifestDocument.model_validate({"type_code": "T", "name": "n", "pages": pages})
    except ValidationError:
        return
    assert document.pages is not None and document.pages.isascii()
    try:
        result = split_by_manifest(count, [document], allow_uncovered=True)
    except SplitError:
        return
    assert all(0 <= page < count for doc in result.documents for page in doc.pages)


def check_identifier(value: str) -> None:
    for check in (
        ids.validate_personal_id,
        ids.validate_tax_code,
        ids.validate_agency_code,
        ids.validate_procedure_code,
        ids.validate_dossier_code,
        ids.validate_owner_id,
    ):
        try:
            accepted = check(value)
        except ids.InvalidIdentifier:
            continue
        assert accepted.isascii() and value.isascii()


def check_zip(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        archive, target = Path(folder) / "in.zip", Path(folder) / "out"
        archive.write_bytes(data)
        target.mkdir()
        try:
            written = extract_zip(archive, target, ZipLimits(max_entries=10, max_entry_bytes=1 << 20))
        except UnsafeArchive:
            return
        assert sorted(p.name for p in Path(folder).iterdir()) == ["in.zip", "out"]  # nothing beside the target
        assert all(path.parent == target and path.is_file() for path in written)


def check_image(kind: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"page.{kind.split('-')[0]}"
        path.write_bytes(data)
        try:
            probed = probe_file(path, SMALL)
        except UnusableInput:
            probed = None
        try:
            pages = load_file(path, SMALL)
        except UnusableInput:
            return
        assert probed is not None, "load_file took a file that probe_file refused"
        assert [(page.width, page.height) for page in pages] == probed
