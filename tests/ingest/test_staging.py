"""The staging between intake and the workers: pages per file recorded by the survey, and a document's pages read
back from only the files that hold them (multi-page TIFFs and single JPEGs mixed), from a folder and from the
object store alike."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ingest.intake import FILE_LIST, file_list, survey_pages, write_file_list
from ingest.manifest import Manifest
from ingest.pipeline import DocumentJob, select_pages
from ingest.settings import ingest_settings
from ingest.staging import BatchStaging, StagingArea
from ocr.settings import ocr_settings
from tests.support.jobs import document_job


def _page(shade: int) -> Image.Image:
    """A small grey page whose shade tells it apart from the others."""
    return Image.fromarray(np.full((300, 212), shade, dtype=np.uint8), "L")


@pytest.fixture()
def staging(tmp_path: Path) -> tuple[Path, list[Path]]:
    """Batch pages 0–1 in a JPEG and a TIFF page, 2–4 in a three-page TIFF, 5 in a JPEG."""
    folder = tmp_path / "batch"
    folder.mkdir()
    files = [folder / "a.jpg", folder / "b.tif", folder / "c.tif", folder / "d.jpg"]
    _page(10).save(files[0], "JPEG", dpi=(100, 100))
    _page(40).save(files[1], "TIFF", dpi=(100, 100))
    first, *rest = [_page(70), _page(100), _page(130)]
    first.save(files[2], "TIFF", save_all=True, append_images=rest, dpi=(100, 100))
    _page(160).save(files[3], "JPEG", dpi=(100, 100))
    return folder, files


def _manifest(pages: list[str]) -> Manifest:
    return Manifest.model_validate(
        {
            "station_id": "QT-01",
            "agency_code": "000.00.00.H30",
            "procedure_code": "1.011442.000.00.00.H30",
            "owner_id": "045190001234",
            "split": "manifest",
            "documents": [{"type_code": "TP", "name": f"Tài liệu {n}", "pages": p} for n, p in enumerate(pages)],
        }
    )


def _job(staged: BatchStaging, pages: tuple[int, ...]) -> DocumentJob:
    return document_job(staged, pages=pages, name="Tài liệu", type_code="TP", dossier_code="000.00.00.H30-261123-0001")


def _shade(page_bytes: bytes) -> int:

    return int(np.asarray(Image.open(io.BytesIO(page_bytes)).convert("L")).mean().round())


def test_the_survey_counts_pages_per_file_and_the_list_places_them(staging: tuple[Path, list[Path]]) -> None:
    folder, files = staging
    survey = survey_pages(files, _manifest(["1-3", "4-6"]), ingest_settings(), ocr_settings())
    assert survey.pages_per_file == (1, 1, 3, 1)
    assert [len(doc.pages) for doc in survey.split.documents] == [3, 3]
    names = write_file_list(folder, files, survey.pages_per_file)
    assert names == ["a.jpg", "b.tif", "c.tif", "d.jpg", FILE_LIST]
    listed = file_list((folder / FILE_LIST).read_bytes())
    assert [(s.name, s.first, s.pages) for s in listed] == [
        ("a.jpg", 0, 1),
        ("b.tif", 1, 1),
        ("c.tif", 2, 3),
        ("d.jpg", 5, 1),
    ]


def _published(area: StagingArea, folder: Path, files: list[Path]) -> BatchStaging:
    names = write_file_list(folder, files, (1, 1, 3, 1))
    return area.open(area.publish("b1", folder, names))


def test_a_document_reads_only_the_files_holding_its_pages(
    staging: tuple[Path, list[Path]], area: StagingArea, tmp_path: Path
) -> None:
    folder, files = staging
    # Files holding none of the document's pages are damaged: reading them would fail the step.
    files[0].write_bytes(b"\xff\xd8\xff not a jpeg any more")
    files[3].write_bytes(b"")
    staged = _published(area, folder, files)
    work = tmp_path / "work"
    work.mkdir()
    pages = select_pages(_job(staged, (3, 2, 1)), work)  # written order kept, across two files
    assert [(Path(p.source).name, p.number_in_source) for p in pages] == [("c.tif", 2), ("c.tif", 1), ("b.tif", 1)]
    assert [_shade(p.data) for p in pages] == [100, 70, 40]
    copied = sorted(path.name for path in work.rglob("*") if path.is_file())
    assert copied == ([] if area.kind == "folder" else ["b.tif", "c.tif"])  # only the files holding its pages


def test_a_missing_page_is_named(staging: tuple[Path, list[Path]], area: StagingArea, tmp_path: Path) -> None:
    folder, files = staging
    with pytest.raises(ValueError, match=r"batch pages \[7\]"):
        select_pages(_job(_published(area, folder, files), (4, 6)), tmp_path)


def test_a_stored_documents_outputs_go_at_once_and_the_batch_at_its_end(
    staging: tuple[Path, list[Path]], area: StagingArea
) -> None:
    folder, files = staging
    staged = _published(area, folder, files)
    first, second = _job(staged, (0,)), replace(_job(staged, (1,)), index=1)
    for job in (first, second):
        job.write("ocr.pdf", b"%PDF ocr")
        job.write("signed.pdf", b"%PDF signed")
    first.forget_outputs()
    assert not first.has("ocr.pdf") and not first.has("signed.pdf")
    assert second.has("signed.pdf") and staged.exists(FILE_LIST)  # the others' outputs and the page files stay
    staged.remove()
    assert not second.has("signed.pdf") and not staged.exists(FILE_LIST)
    assert [s.batch_id for s in area.listing()] == []
