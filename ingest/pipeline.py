"""The steps of one document's chain, free of Celery: OCR its pages, sign the PDF/A, store it in the vault.

Each step writes its output into the batch's staging (`doc-NNN/…`: a folder, or objects that any worker host
reads) and is skipped when that output exists, so a redelivered or retried task repeats no finished work and
never stores a second copy. Page files are copied to the worker's own work folder only for the step decoding them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.files import private_folder
from core.metrics import PAGES
from core.timezone import now_vn
from core.types import Actor, DocumentInfo, DocumentKind, PageIssue, Role, SignatureLevel, Verdict, lowest_level
from ingest.intake import FILE_LIST, file_list
from ingest.staging import BatchStaging
from issuing.certification_register import RegisterLine
from issuing.certified import certified_copy_document, register_copy
from ocr.api import DocumentOptions, ocr_document
from ocr.inputs import load_file
from ocr.models import OcrOptions, PageImage, PageProgress
from signing.sign import DocumentSigner, SignOutcome
from signing.stamps import officer_stamp
from vault.errors import Conflict
from vault.records import NewDocument
from vault.service import Vault


@dataclass(frozen=True)
class DocumentJob:
    """What a step needs to know about one document of a batch (read from the batch rows)."""

    batch_id: str
    index: int
    staging: BatchStaging
    pages: tuple[int, ...]
    name: str
    type_code: str | None
    kind: DocumentKind
    owner_id: str
    dossier_code: str
    procedure_code: str
    agency_code: str
    station_id: str
    submitted_by: str
    submitter_name: str | None = field(default=None, repr=False)  # the token's `name`: the officer's cert CN
    drop_blank: bool = False  # the manifest's: blank pages (OCR verdict) are left out of the archived PDF
    new_version_of: str | None = None  # a stored document whose next version this is (a page rescanned)

    def name_of(self, output: str) -> str:
        """The staging name of one of this document's step outputs (`ocr.pdf`, `ocr.json`, `signed.pdf`, …)."""
        return f"doc-{self.index:03d}/{output}"

    def read(self, output: str) -> bytes:
        return self.staging.get(self.name_of(output))

    def write(self, output: str, data: bytes) -> None:
        self.staging.put(self.name_of(output), data)

    def has(self, output: str) -> bool:
        return self.staging.exists(self.name_of(output))

    def forget_outputs(self) -> None:
        """Remove this document's step outputs (personal data) once it is in the vault; the batch's page files
        go when the whole batch ends (a file may hold pages of several documents)."""
        self.staging.remove(self.name_of(""))

    @property
    def idempotency_key(self) -> str:
        return f"batch:{self.batch_id}:{self.index}"


@dataclass(frozen=True)
class OcrSummary:
    page_count: int
    text: str
    fields: dict[str, list[str]]
    issues: list[PageIssue]
    as_received: bool = False  # a signed PDF: `ocr.pdf` is the file as received, never re-signed or rebuilt
    page_prints: list[str | None] = field(default_factory=list)  # each kept page's perceptual hash (`ocr.prints`)


def received_file(job: DocumentJob) -> str | None:
    """The staging name of the signed PDF that is this document, all of it (intake makes sure a signed PDF is
    one document)."""
    for staged in file_list(job.staging.get(FILE_LIST)):
        if staged.signed and job.pages == tuple(range(staged.first, staged.first + staged.pages)):
            return staged.name
    return None


def select_pages(job: DocumentJob, workdir: Path) -> list[PageImage]:
    """The document's pages out of the batch files, in order, reading only the files that hold them (copied
    into `workdir`, this worker's own folder, when the staging is not on this host's disk)."""
    wanted = {page: position for position, page in enumerate(job.pages)}
    chosen: list[PageImage | None] = [None] * len(job.pages)
    for staged in file_list(job.staging.get(FILE_LIST)):
        if not staged.holds_any(wanted):
            continue
        for offset, page in enumerate(load_file(job.staging.local_copy(staged.name, workdir))):
            if staged.first + offset in wanted:
                chosen[wanted[staged.first + offset]] = page
    missing = [job.pages[i] + 1 for i, page in enumerate(chosen) if page is None]
    if missing:
        raise ValueError(f"batch pages {missing} are missing from the staging folder")
    return [page for page in chosen if page is not None]


def load_summary(job: DocumentJob) -> OcrSummary:
    data = json.loads(job.read("ocr.json").decode("utf-8"))
    issues = [PageIssue(item["page"], item["verdict"], item["reason"]) for item in data["issues"]]
    prints = list(data.get("page_prints") or [])
    return OcrSummary(data["page_count"], data["text"], data["fields"], issues, bool(data.get("as_received")), prints)


def ocr_options(job: DocumentJob, page: OcrOptions, threads: int) -> DocumentOptions:
    """The document's OCR options: its metadata, the manifest's `drop_blank`, pages in threads (a Celery
    prefork child may not start a process pool of its own; Tesseract runs as a process anyway)."""
    info = DocumentInfo(
        title=job.name,
        dossier_code=job.dossier_code,
        type_code=job.type_code,
        owner_id=job.owner_id,
        digitised_at=now_vn(),
    )
    return DocumentOptions(page=page, info=info, drop_blank=job.drop_blank, workers=max(1, threads), pool="threads")


def run_ocr(
    job: DocumentJob,
    options: OcrOptions,
    threads: int,
    progress: Callable[[int, int], None] | None = None,
    *,
    work_root: Path | None = None,
) -> OcrSummary:
    """OCR the document's pages (`ocr.api.ocr_document`) unless done before; write the PDF/A and the summary.

    A signed PDF is read the same way for its text (kept pages' own text, scanned pages OCR'd), but the PDF kept
    is the file as received, byte for byte, all its pages (`drop_blank` cannot drop pages of a signed file).
    Page files fetched from object staging sit in a private folder under `work_root` (the worker's data folder)
    for this step only."""
    if job.has("ocr.pdf") and job.has("ocr.json"):
        return load_summary(job)

    def page_done(event: PageProgress) -> None:
        if progress and event.done:
            progress(event.done, event.total)

    received = received_file(job)
    document = ocr_options(job, options, threads)
    if received is not None:
        document = dataclasses.replace(document, drop_blank=False)
    root = private_folder(work_root, exist_ok=True) if work_root else None
    with tempfile.TemporaryDirectory(prefix=f"{job.batch_id}-{job.index}-", dir=root) as workdir:
        pages = select_pages(job, Path(workdir))
        result = ocr_document(pages, document, page_done)
        PAGES.inc(len(pages))
    summary = {
        "page_count": result.page_count,
        "text": result.text,
        "fields": result.fields,
        "issues": result.issues_json(),
        "sidecar": result.sidecar,
        "as_received": received is not None,
        "page_prints": [page.print for page in result.pages if not page.dropped],
    }
    # The PDF first: a step that dies between the two writes leaves no summary, so it runs again.
    job.write("ocr.pdf", job.staging.get(received) if received is not None else result.pdf)
    job.write("ocr.json", json.dumps(summary, ensure_ascii=False).encode())
    return load_summary(job)


Certify = Callable[[bytes], tuple[SignOutcome, RegisterLine]]  # the agency's certification of a signed scan
LEVEL_FILE = "signed.json"  # the level the signer reached for signed.pdf (none for a signed PDF kept as received)


def run_signing(
    job: DocumentJob,
    signer: DocumentSigner,
    level: SignatureLevel,
    officer_name: str,
    certify: Certify | None = None,
    *,
    unit: str | None = None,
) -> None:
    """Sign the PDF/A as the digitising officer (visible stamp top-left of page 1: name and scan time); a
    certified copy is then certified by the agency (`certify`: register number, text block top-right).

    A signed PDF stored as received is not signed again: its bytes go forward unchanged (docs/intake.md)."""
    if job.has("signed.pdf"):
        return
    pdf = job.read("ocr.pdf")
    if load_summary(job).as_received:
        if certify is not None:
            raise ValueError("a signed PDF stored as received cannot be certified as a copy")
        job.write("signed.pdf", pdf)
        return
    stamp = officer_stamp(officer_name, now_vn(), unit=unit)
    outcome = signer.sign_with_outcome(pdf, level=level, stamp=stamp, reason="Số hóa từ bản giấy tại Bộ phận Một cửa")
    keep_signed(job, outcome, certify)


def keep_signed(job: DocumentJob, outcome: SignOutcome, certify: Certify | None) -> None:
    """The officer's signed PDF (certified by the agency first for a copy) into the staging, with the level reached:
    the lower of the two signatures' levels. The level before the PDF: a step that dies between them signs again."""
    data, level = outcome.pdf, outcome.level
    if certify is not None:
        certified, line = certify(data)
        data, level = certified.pdf, lowest_level(level, certified.level)
        job.write("certification.json", json.dumps(dataclasses.asdict(line), default=str).encode())
    job.write(LEVEL_FILE, json.dumps({"level": level.value}).encode())
    job.write("signed.pdf", data)


def signed_level(job: DocumentJob) -> SignatureLevel | None:
    """The level our signer reached for signed.pdf; None for a signed PDF kept as received (its validation's level
    is passed to `run_store` instead) or signed before the level was kept."""
    if not job.has(LEVEL_FILE):
        return None
    return SignatureLevel(json.loads(job.read(LEVEL_FILE))["level"])


def certification_line(job: DocumentJob) -> RegisterLine:
    data = json.loads(job.read("certification.json"))
    return RegisterLine(**{**data, "certified_at": dt.datetime.fromisoformat(data["certified_at"])})


def intake_actor(job: DocumentJob) -> Actor:
    return Actor(subject=job.submitted_by, role=Role.STATION, agency_code=job.agency_code, purpose="số hóa")


def run_store(
    job: DocumentJob,
    vault: Vault,
    verdict: str | None,
    sessions: Any = None,
    *,
    signed: bytes | None = None,
    validated: SignatureLevel | None = None,
) -> str:
    """Store the signed PDF (`signed`, read from the staging when not given) in the owner's vault and link it to
    the dossier; returns the document id. A new version of a stored document (`new_version_of`) is added to that
    document instead (a retry adds none). The version's level is our signer's, or for a signed PDF kept as
    received the one its validation found (`validated`; None when it found none).

    A certified copy is stored under its register number and the register line is completed (`sessions`).
    """
    summary = load_summary(job)
    content = signed if signed is not None else job.read("signed.pdf")
    level = signed_level(job) or validated
    if job.new_version_of:
        record = vault.new_version(
            job.new_version_of,
            content,
            intake_actor(job),
            page_count=summary.page_count,
            signature_verdict=Verdict(verdict) if verdict else None,
            ocr_text=summary.text,
            extracted_fields=summary.fields,
            page_prints=_prints(summary),
            signature_level=level,
        )
        link_version(job, vault)
        return str(record.id)
    scanned: dict[str, Any] = {
        "page_count": summary.page_count,
        "signature_verdict": verdict,
        "ocr_text": summary.text,
        "extracted_fields": summary.fields,
        "page_prints": _prints(summary),
    }
    line = certification_line(job) if job.kind is DocumentKind.CERTIFIED_COPY else None
    if line is not None:
        dossier = vault.get_dossier(job.dossier_code, intake_actor(job))
        new = certified_copy_document(dossier, line, job.name, job.type_code, job.submitted_by)
        new = new.model_copy(update=scanned)
    else:
        new = NewDocument(
            owner_id=job.owner_id,
            name=job.name,
            kind=job.kind,
            type_code=job.type_code,
            issuing_agency_code=job.agency_code if job.kind is not DocumentKind.COMPONENT else None,
            source_dossier_code=job.dossier_code,
            procedure_code=job.procedure_code,
            component_name=job.name,
            digitised_by=job.submitted_by,
            digitised_at=now_vn(),
            **scanned,
        )
    record = vault.store_document(
        new, content, intake_actor(job), idempotency_key=job.idempotency_key, signature_level=level
    )
    if line is not None:
        register_copy(sessions, line, record.id)
    return str(record.id)


def _prints(summary: OcrSummary) -> list[str] | None:
    """The pages' prints as the catalogue keeps them: all of them, or none (a page kept as received has none)."""
    prints = [p for p in summary.page_prints if p]
    return prints if prints and len(prints) == summary.page_count else None


def link_version(job: DocumentJob, vault: Vault) -> None:
    """A stored document versioned from another dossier's batch (a paper scanned again, `new_version` chosen) is
    linked into this batch's dossier too, as a reuse; a retry or the document's own dossier links nothing more."""
    assert job.new_version_of is not None
    with contextlib.suppress(Conflict):  # already in this dossier
        vault.attach(job.dossier_code, job.new_version_of, job.name, intake_actor(job))
