"""Accept a station's batch: check every file by content, count and split its pages into documents, open or
reuse the dossier, record the batch, and enqueue one pipeline chain per document.

Everything is checked before anything is stored: a refused batch leaves no rows, no objects and no
staging files.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from core.files import write_atomically
from core.identifiers import redact
from core.logging import get_logger
from core.types import Actor, DocumentKind
from ingest import batches
from ingest.decoding import Marks, Unreadable, page_marks
from ingest.manifest import Manifest, SplitRule
from ingest.settings import IngestSettings
from ingest.sniff import MEDIA_TYPES, PAGE_TYPES, sniff_file
from ingest.split import (
    SplitError,
    SplitResult,
    split_by_blank,
    split_by_cover_sheets,
    split_by_manifest,
)
from ingest.staging import BatchStaging, FolderArea, StagingArea
from issuing.qr import CoverSheetPayload
from ocr.errors import UnusableInput
from ocr.inputs import probe_file
from ocr.pdfinput import pdf_signatures
from ocr.settings import OcrSettings

log = get_logger("sohoa.intake")


class BatchRefused(ValueError):
    """The batch cannot be accepted; `status` is the HTTP status to answer with, `field` what was wrong."""

    def __init__(self, status: int, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class Survey:
    """What reading every page found: the split into documents and how many pages each file holds."""

    split: SplitResult
    pages_per_file: tuple[int, ...]
    signed: tuple[bool, ...] = ()  # per file: a signed PDF, stored as received


@dataclass(frozen=True)
class AcceptedBatch:
    batch_id: str
    dossier_code: str
    documents: int
    pages: int


def new_batch_id() -> str:
    return uuid.uuid4().hex


def _probe(path: Path, ocr: OcrSettings) -> list[tuple[int, int]]:
    """The sizes of a file's pages from headers and bounded data (no pixel decoded), or a refusal."""
    if sniff_file(path) not in PAGE_TYPES:
        raise BatchRefused(415, f"{path.name}: not a JPEG, PNG, TIFF or PDF scan (checked by content)", "files")
    try:
        return probe_file(path, ocr)
    except UnusableInput as exc:
        raise BatchRefused(422, f"{path.name}: {exc.reason}", "files") from exc


def _signed(path: Path, ocr: OcrSettings) -> bool:
    """A PDF carrying a signature or a document timestamp (it is then stored as received)."""
    if sniff_file(path) != MEDIA_TYPES["pdf"]:
        return False
    try:
        return pdf_signatures(path, ocr) > 0
    except UnusableInput as exc:
        raise BatchRefused(422, f"{path.name}: {exc.reason}", "files") from exc


def _marks(path: Path, manifest: Manifest, first_page: int, ocr: OcrSettings) -> Marks:
    """Cover sheets or blank separators of a file's pages, for the splits that look at pixels: decoded in a
    decoder process (`ingest.decoding`), never in the API process; sizes were bounded by `_probe` first."""
    marks = page_marks(path, qr=manifest.split is SplitRule.QR, first_page=first_page, ocr=ocr)
    if isinstance(marks, Unreadable):
        raise BatchRefused(marks.status, marks.reason, "files")
    return marks


def survey_pages(files: list[Path], manifest: Manifest, limits: IngestSettings, ocr: OcrSettings) -> Survey:
    """Count and bound every page from its file's headers, enforce the limits, and split the batch into
    documents; pixels are decoded only for a QR or blank split, in a decoder process, one page at a time."""
    cover_sheets: list[CoverSheetPayload | None] = []
    blanks: list[bool] = []
    count = 0
    per_file: list[int] = []
    signed: list[bool] = []
    for path in files:
        sizes = _probe(path, ocr)
        signed.append(_signed(path, ocr))
        for width, height in sizes:
            count += 1
            if count > limits.max_pages:
                raise BatchRefused(413, f"the batch has more than {limits.max_pages} pages", "files")
            if width * height > limits.max_pixels_per_page:
                raise BatchRefused(413, f"{path.name}: a page of {width}×{height} pixels", "files")
        per_file.append(len(sizes))
        if manifest.split is SplitRule.MANIFEST:
            continue
        marks = _marks(path, manifest, len(cover_sheets) + len(blanks) + 1, ocr)
        if manifest.split is SplitRule.QR:
            cover_sheets.extend(mark for mark in marks if not isinstance(mark, bool))
        else:
            blanks.extend(mark for mark in marks if isinstance(mark, bool))
    if count == 0:
        raise BatchRefused(422, "the batch holds no pages", "files")
    try:
        if manifest.split is SplitRule.MANIFEST:
            split = split_by_manifest(count, manifest.documents or [])
        elif manifest.split is SplitRule.QR:
            split = split_by_cover_sheets(cover_sheets, dossier_code=manifest.dossier_code)
        else:
            split = split_by_blank(blanks, manifest.documents)
    except SplitError as exc:
        field = "documents" if exc.document_index is None else f"documents.{exc.document_index}.pages"
        raise BatchRefused(422, str(exc), field) from exc
    return Survey(split, tuple(per_file), tuple(signed))


def check_signed_files(files: list[Path], survey: Survey) -> None:
    """A signed PDF is stored as received (its signatures stay valid): it must be one document on its own, all
    its pages in order and no other, and not a certified copy (which the agency makes from paper)."""
    first = 0
    for path, pages, signed in zip(files, survey.pages_per_file, survey.signed, strict=True):
        own = tuple(range(first, first + pages))
        first += pages
        if not signed:
            continue
        document = next((doc for doc in survey.split.documents if doc.pages == own), None)
        if document is None:
            span = f"page {own[0] + 1}" if pages == 1 else f"pages {own[0] + 1}-{own[-1] + 1}"
            raise BatchRefused(
                422,
                f"{path.name}: a signed PDF is stored as received, so it must be one document on its own "
                f"({span} of the batch, no other page)",
                "documents",
            )
        if document.kind is DocumentKind.CERTIFIED_COPY:
            reason = f"{path.name}: a signed PDF is stored as received; a certified copy is made from paper"
            raise BatchRefused(422, reason, "documents")


def _dossier_from_cover_sheets(manifest: Manifest, result: SplitResult) -> Manifest:
    """Cover sheets carry the dossier code: a manifest without one takes it from them (one dossier a batch)."""
    printed = {doc.dossier_code for doc in result.documents if doc.dossier_code}
    if len(printed) > 1:
        raise BatchRefused(422, f"the cover sheets name several dossiers: {', '.join(sorted(printed))}", "split")
    if manifest.dossier_code is None and printed:
        return manifest.model_copy(update={"dossier_code": printed.pop()})
    return manifest


def plan(result: SplitResult) -> list[batches.PlannedDocument]:
    return [
        batches.PlannedDocument(name=doc.name, type_code=doc.type_code, kind=doc.kind.value, pages=list(doc.pages))
        for doc in result.documents
    ]


FILE_LIST = "files.json"


@dataclass(frozen=True)
class StagedFile:
    """One page file of a batch (its name in the staging) and where its pages sit in the batch (0-based,
    `first` to `first + pages`)."""

    name: str
    first: int
    pages: int
    signed: bool = False  # a signed PDF: its document is stored as received

    def holds_any(self, wanted: Iterable[int]) -> bool:
        return any(self.first <= page < self.first + self.pages for page in wanted)


def write_file_list(
    staging: Path, files: list[Path], pages_per_file: tuple[int, ...], signed: tuple[bool, ...] = ()
) -> list[str]:
    """The batch's page files in page order, relative to the staging folder, with their page counts and whether
    they are signed PDFs: a worker then reads only the files that hold its document's pages. Returns every name
    to publish."""
    flags = signed or (False,) * len(files)
    names = [str(path.relative_to(staging)) for path in files]
    entries = [
        {"file": name, "pages": n, "signed": flag} for name, n, flag in zip(names, pages_per_file, flags, strict=True)
    ]
    write_atomically(staging / FILE_LIST, json.dumps(entries).encode())
    return [*names, FILE_LIST]


def file_list(data: bytes) -> list[StagedFile]:
    """The staged page files read back from `files.json`."""
    staged, first = [], 0
    for entry in json.loads(data):
        staged.append(StagedFile(str(entry["file"]), first, int(entry["pages"]), bool(entry.get("signed"))))
        first += staged[-1].pages
    return staged


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def _withdraw(published: BatchStaging | None) -> None:
    """Remove a refused batch's published copy; when the store is away, the sweep removes it later (no row)."""
    if published is None:
        return
    try:
        published.remove()
    except Exception as exc:
        log.warning("refused batch's staging not removed; the sweep will", error=type(exc).__name__)


OpenDossier = Callable[[Manifest, Actor], str]
Record = Callable[[batches.NewBatch], None]
Enqueue = Callable[[str, int, int], None]


def accept_batch(
    *,
    batch_id: str,
    staging: Path,
    files: list[Path],
    manifest: Manifest,
    actor: Actor,
    limits: IngestSettings,
    ocr: OcrSettings,
    open_dossier: OpenDossier,
    record: Record,
    enqueue: Enqueue,
    forget: Callable[[str], None],
    area: StagingArea | None = None,
) -> AcceptedBatch:
    """Check, split, publish to the staging `area` (the spool folder itself when none), open the dossier, record
    and enqueue; on refusal the spool and anything published are removed, and a batch the broker would not take
    is forgotten again (`forget`). Once published elsewhere, the spool folder goes."""
    area = area or FolderArea(staging.parent)
    published: BatchStaging | None = None
    try:
        if actor.agency_code != manifest.agency_code:
            raise BatchRefused(403, "a station uploads only for its own agency", "agency_code")
        survey = survey_pages(files, manifest, limits, ocr)
        result = survey.split
        if not result.documents:
            raise BatchRefused(422, "the split found no document in the batch", "split")
        check_signed_files(files, survey)
        manifest = _dossier_from_cover_sheets(manifest, result)
        documents = plan(result)
        names = write_file_list(staging, files, survey.pages_per_file, survey.signed)
        published = area.open(area.publish(batch_id, staging, names))
        dossier_code = open_dossier(manifest, actor)
        record(
            batches.NewBatch(
                id=batch_id,
                station_id=manifest.station_id,
                agency_code=manifest.agency_code,
                procedure_code=manifest.procedure_code,
                dossier_code=dossier_code,
                owner_id=manifest.owner_id,
                submitted_by=actor.subject,
                submitter_name=actor.name,
                page_count=sum(len(doc.pages) for doc in documents),
                staging_dir=published.location,
                documents=documents,
                drop_blank=manifest.drop_blank,
            )
        )
    except BaseException:
        discard(staging)
        _withdraw(published)
        raise
    assert published is not None
    if published.location != str(staging):
        discard(staging)  # the workers read the published copy
    try:
        for index, doc in enumerate(documents):
            enqueue(batch_id, index, len(doc.pages))
    except Exception as exc:  # the broker refused: take the batch back so that nothing waits forever
        log.error("the broker refused the batch's chains", batch=batch_id, error=redact(f"{type(exc).__name__}: {exc}"))
        forget(batch_id)
        discard(staging)
        _withdraw(published)
        raise BatchRefused(
            503, "the pipeline's broker is unavailable; nothing was stored, send the batch again"
        ) from exc
    return AcceptedBatch(batch_id, dossier_code, len(documents), sum(len(d.pages) for d in documents))
