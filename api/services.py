"""The services a request needs (vault, catalogue sessions, pipeline), built once per app and handed to routes
through the `services` dependency, so tests can build an app on a private data folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from core.settings import CoreSettings
from core.types import Actor
from ingest import batches
from ingest.manifest import Manifest
from ingest.models import Batch
from ingest.settings import IngestSettings
from issuing.agency import Issuer
from ocr.settings import OcrSettings


@dataclass
class Services:
    core: CoreSettings
    ingest: IngestSettings
    ocr: OcrSettings
    sessions: sessionmaker[Session]
    vault: Any
    enqueue_document: Callable[[str, int, int], None]
    issuer: Issuer  # the agency's signer and the webhook notifier
    ping_broker: Callable[[], None]  # raises when the broker cannot be reached (readiness)
    event_poll_seconds: float = 0.5

    @property
    def staging_root(self) -> Path:
        root = self.core.data_dir / "ingest" / "batches"
        root.mkdir(parents=True, exist_ok=True)
        return root

    def open_dossier(self, manifest: Manifest, actor: Actor) -> str:
        """The manifest's dossier (created if new) or a newly numbered one for the station's agency."""
        dossier = self.vault.open_dossier(
            agency_code=manifest.agency_code,
            procedure_code=manifest.procedure_code,
            owner_id=manifest.owner_id,
            code=manifest.dossier_code,
            owner_name=manifest.owner_name,
            actor=actor,
        )
        return str(dossier.code)

    def record_batch(self, new: batches.NewBatch) -> None:
        with self.sessions.begin() as session:
            batches.create_batch(session, new)

    def forget_batch(self, batch_id: str) -> None:
        with self.sessions.begin() as session:
            batches.delete_batch(session, batch_id)

    def batch_agency(self, session: Session, batch_id: str) -> str | None:
        batch = session.get(Batch, batch_id)
        return batch.agency_code if batch else None

    def batch_finished(self, session: Session, batch_id: str) -> bool:
        batch = session.get(Batch, batch_id)
        return batch is not None and batch.finished_at is not None


async def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc
