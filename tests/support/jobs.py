"""Batch rows and jobs for the pipeline's tests: a fresh ingest catalogue (SQLite, migrated) holding one batch
from station QT-01 with its planned documents, recorded the way intake records it; a step's job on one of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from core.types import Actor, DocumentKind, Role
from ingest import batches
from ingest.claim import _job
from ingest.db import migrate, sessions
from ingest.intake import accept_batch
from ingest.manifest import Manifest
from ingest.models import Batch, IngestBase
from ingest.pipeline import DocumentJob
from ingest.settings import ingest_settings
from ingest.staging import BatchStaging, FolderArea
from ocr.settings import ocr_settings
from tests.support.uploads import AGENCY, OWNER, PROCEDURE, STATION

BIRTH_CERTIFICATE = batches.PlannedDocument("Giấy khai sinh", "GKS", "component", [0])


def in_memory_rows() -> Iterator[Session]:
    """A session on an in-memory ingest catalogue (the tables, no migrations), disposed of when done."""
    engine = create_engine("sqlite://")
    IngestBase.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def catalogue_with_batch(
    folder: Path, documents: list[batches.PlannedDocument], *, batch_id: str = "b1", **fields: Any
) -> sessionmaker[Session]:
    """`folder/catalogue.sqlite3`, migrated, with batch `batch_id` of `documents` (one page) staged in `folder`;
    `fields`: the batch's other fields (submitted_by, dossier_code …) where the test needs its own."""
    url = f"sqlite:///{folder / 'catalogue.sqlite3'}"
    migrate(url)
    factory = sessions(url)
    values: dict[str, Any] = {
        "station_id": STATION,
        "agency_code": AGENCY,
        "procedure_code": PROCEDURE,
        "dossier_code": f"{AGENCY}-261130-0001",
        "owner_id": OWNER,
        "submitted_by": STATION,
        "page_count": 1,
        "staging_dir": str(folder),
        **fields,
    }
    with factory.begin() as session:
        batches.create_batch(session, batches.NewBatch(id=batch_id, documents=documents, **values))
    return factory


def document_job(staging: BatchStaging, **fields: Any) -> DocumentJob:
    """The job of document 0 of batch b1 (the birth certificate on page 0, as `catalogue_with_batch` records it)
    staged in `staging`; `fields`: the job's other fields where the test needs its own."""
    values: dict[str, Any] = {
        "batch_id": "b1",
        "index": 0,
        "pages": (0,),
        "name": BIRTH_CERTIFICATE.name,
        "type_code": BIRTH_CERTIFICATE.type_code,
        "kind": DocumentKind.COMPONENT,
        "owner_id": OWNER,
        "dossier_code": f"{AGENCY}-261130-0001",
        "procedure_code": PROCEDURE,
        "agency_code": AGENCY,
        "station_id": STATION,
        "submitted_by": STATION,
        **fields,
    }
    return DocumentJob(staging=staging, **values)


def accepted_jobs(
    rows: Session, batch_id: str, staging: Path, files: list[Path], manifest: Manifest, dossier: str
) -> list[DocumentJob]:
    """Intake as the API runs it (survey, split, record in `rows`; the batch for `dossier`, nothing queued), then
    each document's job as a worker reads it."""
    accept_batch(
        batch_id=batch_id,
        staging=staging,
        files=files,
        manifest=manifest,
        actor=Actor(subject=STATION, role=Role.STATION, agency_code=manifest.agency_code),
        limits=ingest_settings(),
        ocr=ocr_settings(),
        open_dossier=lambda _manifest, _actor: dossier,
        record=lambda new: batches.create_batch(rows, new),
        enqueue=lambda *_: None,
        forget=lambda _batch: None,
    )
    rows.flush()
    batch = rows.get(Batch, batch_id)
    view = batches.view_batch(rows, batch_id)
    assert batch is not None and view is not None
    area = FolderArea(staging.parent)
    return [_job(batch, batches.load_document(rows, batch_id, doc.index), area) for doc in view.documents]
