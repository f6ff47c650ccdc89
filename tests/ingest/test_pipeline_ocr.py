"""The pipeline's OCR and store steps on real scans, without Celery: the same text as `sohoa ocr` for the same
pages, the manifest's `drop_blank` honoured from upload to vault record, every blank-split document named."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pikepdf
import pytest
from sqlalchemy.orm import Session

from bench.synthetic import Degradation, make_page
from core.types import Actor, Role
from ingest.manifest import Manifest
from ingest.pipeline import DocumentJob, run_ocr, run_store
from ocr.errors import NothingToArchive
from ocr.models import OcrOptions
from tests.support.jobs import accepted_jobs, in_memory_rows
from vault.records import NewDocument

pytestmark = pytest.mark.slow

AGENCY = "000.00.00.H30"
DOSSIER = "000.00.00.H30-261130-0001"
SCANS = {
    "text1": Degradation(noise=3, jpeg_quality=90),
    "text2": Degradation(skew=2.0, noise=5, jpeg_quality=85),
    "blank": Degradation(blank=True, noise=6, jpeg_quality=80),  # faint show-through, as duplex scans give
}


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two short pages of regulation text and a blank sheet, as 300-dpi JPEG scans."""
    folder = tmp_path_factory.mktemp("pipeline-scans")
    for index, (name, degradation) in enumerate(SCANS.items()):
        page = make_page(index, degradation, seed=23, height_mm=110.0)
        (folder / f"{name}.jpg").write_bytes(page.degraded_jpeg())
    return {name: folder / f"{name}.jpg" for name in SCANS}


class RecordingVault:
    """The vault's door as `run_store` uses it: keeps what it was asked to store."""

    def __init__(self) -> None:
        self.stored: list[NewDocument] = []

    def store_document(
        self, new: NewDocument, content: bytes, actor: Actor, idempotency_key: str, signature_level: Any = None
    ) -> Any:
        assert content and actor.role is Role.STATION and idempotency_key
        assert signature_level is None  # signed.pdf written by the test, not by a signer: no level
        self.stored.append(new)
        return SimpleNamespace(id=f"doc{len(self.stored)}")


@pytest.fixture()
def catalogue() -> Iterator[Session]:
    yield from in_memory_rows()


def _manifest(**fields: Any) -> Manifest:
    base = {
        "station_id": "QT-01",
        "agency_code": AGENCY,
        "procedure_code": "1.011442.000.00.00.H30",
        "owner_id": "045190001234",
    }
    return Manifest.model_validate({**base, **fields})


def _upload(pages: list[Path], manifest: Manifest, staging: Path, catalogue: Session) -> list[DocumentJob]:
    """Intake as the API runs it (survey, split, record), then each document's job as a worker reads it."""
    staging.mkdir()
    files = [Path(shutil.copy(page, staging / f"{n:03d}-{page.name}")) for n, page in enumerate(pages)]
    return accepted_jobs(catalogue, "b1", staging, files, manifest, DOSSIER)


def _page_count(pdf: Path | bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf) as document:
        return len(document.pages)


def test_the_cli_and_the_pipeline_give_the_same_text(
    scans: dict[str, Path], tmp_path: Path, catalogue: Session
) -> None:
    pages = [scans["text1"], scans["text2"]]
    out, sidecar, report = tmp_path / "cli.pdf", tmp_path / "cli.txt", tmp_path / "cli.json"
    command = [sys.executable, "-m", "cli", "ocr", *map(str, pages), "-o", str(out)]
    done = subprocess.run(
        [*command, "--sidecar", str(sidecar), "--report", str(report)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    manifest = _manifest(documents=[{"type_code": "GKS", "name": "Giấy khai sinh", "pages": "1-2"}])
    (job,) = _upload(pages, manifest, tmp_path / "staging", catalogue)
    summary = run_ocr(job, OcrOptions.from_settings(), threads=2)
    cli_text = sidecar.read_text(encoding="utf-8")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cli_text
    assert summary.text == cli_text
    body = json.loads(report.read_text(encoding="utf-8"))
    assert summary.page_count == body["page_count"] == 2
    assert [(i.page, str(i.verdict)) for i in summary.issues] == [(i["page"], i["verdict"]) for i in body["issues"]]
    assert _page_count(job.read("ocr.pdf")) == _page_count(out) == 2


def test_drop_blank_from_the_manifest_to_the_vault_record(
    scans: dict[str, Path], tmp_path: Path, catalogue: Session
) -> None:
    manifest = _manifest(drop_blank=True, documents=[{"type_code": "GKS", "name": "Giấy khai sinh", "pages": "1-3"}])
    (job,) = _upload([scans["text1"], scans["blank"], scans["text2"]], manifest, tmp_path / "staging", catalogue)
    assert job.drop_blank
    pages_done: list[tuple[int, int]] = []
    summary = run_ocr(job, OcrOptions.from_settings(), threads=2, progress=lambda *event: pages_done.append(event))
    assert sorted(pages_done) == [(1, 3), (2, 3), (3, 3)]
    assert _page_count(job.read("ocr.pdf")) == 2
    assert summary.page_count == 2 and len(summary.text.split("\f")) == 2
    assert [(i.page, str(i.verdict)) for i in summary.issues] == [(2, "blank")]  # the sheet keeps its number
    sidecar = json.loads(job.read("ocr.json"))["sidecar"]
    assert sidecar["page_count"] == 2
    assert [(p["page"], p["dropped"]) for p in sidecar["pages"]] == [(1, False), (2, True), (3, False)]
    job.write("signed.pdf", job.read("ocr.pdf"))
    vault = RecordingVault()
    run_store(job, vault, "TOTAL-PASSED")
    (stored,) = vault.stored
    assert stored.page_count == 2 and stored.ocr_text == summary.text


def test_a_document_of_blank_pages_only_fails_with_its_reason(
    scans: dict[str, Path], tmp_path: Path, catalogue: Session
) -> None:
    manifest = _manifest(
        drop_blank=True,
        documents=[
            {"type_code": "GKS", "name": "Giấy khai sinh", "pages": "1"},
            {"type_code": "TT", "name": "Trang trắng", "pages": "2-3"},
        ],
    )
    pages = [scans["text1"], scans["blank"], scans["blank"]]
    _, blank_only = _upload(pages, manifest, tmp_path / "staging", catalogue)
    with pytest.raises(NothingToArchive, match=r"all 2 page\(s\) are blank and blank pages are dropped"):
        run_ocr(blank_only, OcrOptions.from_settings(), threads=2)
    assert not blank_only.has("ocr.pdf") and not blank_only.has("ocr.json")


def test_every_document_of_a_blank_split_is_named_and_reaches_the_vault(
    scans: dict[str, Path], tmp_path: Path, catalogue: Session
) -> None:
    """The README's station example (`sohoa upload … --split blank`, no manifest documents) lost every document
    at the store step: nothing named them."""
    pages = [scans["text1"], scans["blank"], scans["text2"], scans["blank"], scans["text1"]]
    jobs = _upload(pages, _manifest(split="blank"), tmp_path / "staging", catalogue)
    assert [(job.name, job.pages) for job in jobs] == [("Tài liệu 1", (0,)), ("Tài liệu 2", (2,)), ("Tài liệu 3", (4,))]
    vault = RecordingVault()
    for job in jobs:  # what the OCR and signing steps leave for the store step
        summary = {"page_count": 1, "text": "", "fields": {}, "issues": [], "sidecar": {}}
        job.write("ocr.json", json.dumps(summary).encode())
        job.write("signed.pdf", scans["text1"].read_bytes())
        run_store(job, vault, "TOTAL-PASSED")
    assert [(new.name, new.component_name) for new in vault.stored] == [
        ("Tài liệu 1", "Tài liệu 1"),
        ("Tài liệu 2", "Tài liệu 2"),
        ("Tài liệu 3", "Tài liệu 3"),
    ]
