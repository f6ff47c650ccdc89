"""Accept the rescan of one page of a stored document: its current PDF and the new scan become a one-document
batch whose chain OCRs, signs and stores the next version of that document (`DocumentJob.new_version_of`).

The pages are read back from the stored PDF/A (each page's scan image, `ocr.inputs.load_file`), the chosen page
is swapped for the new scan; everything is checked before the batch is recorded, and a refusal leaves nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.types import Actor, DocumentKind
from ingest import batches
from ingest.intake import AcceptedBatch, BatchRefused, Enqueue, Record, discard, write_file_list
from ingest.settings import IngestSettings
from ingest.sniff import PAGE_TYPES, sniff_file
from ocr.errors import UnusableInput
from ocr.inputs import probe_file
from ocr.settings import OcrSettings

STATION_ID = "rescan"


@dataclass(frozen=True)
class Replacement:
    """What is replaced: the stored document (its record's fields) and the 1-based page number."""

    document_id: str
    name: str
    type_code: str | None
    kind: DocumentKind
    owner_id: str
    dossier_code: str | None
    procedure_code: str | None
    page: int


def _pages(path: Path, ocr: OcrSettings, limits: IngestSettings, what: str) -> int:
    if sniff_file(path) not in PAGE_TYPES:
        raise BatchRefused(415, f"{what}: not a JPEG, PNG, TIFF or PDF scan (checked by content)", "file")
    try:
        sizes = probe_file(path, ocr)
    except UnusableInput as exc:
        raise BatchRefused(422, f"{what}: {exc.reason}", "file") from exc
    for width, height in sizes:
        if width * height > limits.max_pixels_per_page:
            raise BatchRefused(413, f"{what}: a page of {width}×{height} pixels", "file")
    return len(sizes)


def _check(replacement: Replacement) -> tuple[str, str]:
    if replacement.kind is DocumentKind.CERTIFIED_COPY:
        raise BatchRefused(409, "a certified copy is certified again, not rescanned page by page", "document")
    if not (replacement.dossier_code and replacement.procedure_code):
        raise BatchRefused(409, "the document came from no dossier's batch; upload it again instead", "document")
    return replacement.dossier_code, replacement.procedure_code


def accept_page_replacement(
    *,
    batch_id: str,
    staging: Path,
    current: Path,
    scan: Path,
    replacement: Replacement,
    actor: Actor,
    limits: IngestSettings,
    ocr: OcrSettings,
    record: Record,
    enqueue: Enqueue,
    forget: Callable[[str], None],
) -> AcceptedBatch:
    """Check the new scan (one page) and the page number, record a one-document batch of the stored pages with
    that page swapped, and enqueue its chain; on refusal the staging folder is removed."""
    try:
        dossier_code, procedure_code = _check(replacement)
        if _pages(scan, ocr, limits, "the new scan") != 1:
            raise BatchRefused(422, "send one page: the new scan of the page to replace", "file")
        count = _pages(current, ocr, limits, "the stored document")
        if not 1 <= replacement.page <= count:
            raise BatchRefused(422, f"the document has pages 1 to {count}", "page")
        pages = list(range(count))
        pages[replacement.page - 1] = count  # the new scan is the batch's last page
        write_file_list(staging, [current, scan], (count, 1))
        planned = batches.PlannedDocument(
            name=replacement.name,
            type_code=replacement.type_code,
            kind=replacement.kind.value,
            pages=pages,
            new_version_of=replacement.document_id,
        )
        record(
            batches.NewBatch(
                id=batch_id,
                station_id=STATION_ID,
                agency_code=str(actor.agency_code),
                procedure_code=procedure_code,
                dossier_code=dossier_code,
                owner_id=replacement.owner_id,
                submitted_by=actor.subject,
                submitter_name=actor.name,
                page_count=count,
                staging_dir=str(staging),
                documents=[planned],
            )
        )
    except BaseException:
        discard(staging)
        raise
    try:
        enqueue(batch_id, 0, count)
    except Exception as exc:  # the broker refused: nothing waits forever
        forget(batch_id)
        discard(staging)
        refusal = "the pipeline's broker is unavailable; nothing was stored, send the page again"
        raise BatchRefused(503, refusal) from exc
    return AcceptedBatch(batch_id, dossier_code, 1, count)
