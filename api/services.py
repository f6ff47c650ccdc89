"""The services a request needs (the vault door, the batch and webhook catalogue, the pipeline), built once per
app and handed to routes through the `services` dependency (`Svc`), so tests can build an app on a private data
folder. Routers call these methods and the vault; they never open catalogue sessions themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from core.files import private_folder
from core.logging import get_logger
from core.settings import CoreSettings
from core.types import Actor, Role
from ingest import batches, scanned_again, signature_requests
from ingest.manifest import Manifest
from ingest.models import Batch, SignatureRequest
from ingest.scanned_again import Choice, ChoiceRefused
from ingest.settings import IngestSettings
from ingest.staging import FolderArea, StagingArea
from issuing import webhooks
from issuing.agency import Issuer
from issuing.certified import IssuedCopy, issue_certified_copy
from issuing.dossier_flow import announce_opening
from ocr.settings import OcrSettings
from vault.errors import Conflict, NotFound, ReuseRefused
from vault.records import DossierRecord
from vault.service import Vault

log = get_logger("sohoa.api.services")


@dataclass
class Services:
    core: CoreSettings
    ingest: IngestSettings
    ocr: OcrSettings
    sessions: sessionmaker[Session]
    vault: Vault
    enqueue_document: Callable[[str, int, int], None]
    issuer: Issuer  # the agency's signer and the webhook notifier
    ping_broker: Callable[[], None]  # raises when the broker cannot be reached (readiness)
    event_poll_seconds: float = 0.5
    # the continuation after an officer answered a signature request (split signing): sign step, then store
    resume_signing: Callable[[str, int], None] | None = None
    # Where accepted batches wait for the workers (the object store's staging bucket on S3 setups); None: the
    # spool folder itself (the embedded default, one machine).
    staging_area: StagingArea | None = None
    # Messages waiting per broker queue (`sohoa ops status`); raises when the broker does not answer.
    queue_depths: Callable[[], dict[str, int]] | None = None
    # The workers answering a ping (`sohoa ops status`, /van-hanh); raises when the broker cannot broadcast.
    worker_names: Callable[[], list[str]] | None = None

    @property
    def staging_root(self) -> Path:
        """This host's spool: uploads are written and checked here, then published to the staging area."""
        return private_folder(self.core.data_dir / "ingest" / "batches", exist_ok=True)

    def staging(self) -> StagingArea:
        return self.staging_area or FolderArea(self.staging_root)

    # -- batches --------------------------------------------------------------------------------------
    def open_dossier(self, manifest: Manifest, actor: Actor) -> str:
        """The manifest's dossier (created if new) or a newly numbered one for the station's agency; a new one is
        announced (`dossier.received`) like any other opening."""
        dossier, created = self.vault.open_or_create(
            agency_code=manifest.agency_code,
            procedure_code=manifest.procedure_code,
            owner_id=manifest.owner_id,
            code=manifest.dossier_code,
            owner_name=manifest.owner_name,
            actor=actor,
        )
        if created:
            announce_opening(self.vault, self.issuer, dossier.code, actor)
        return str(dossier.code)

    def record_batch(self, new: batches.NewBatch) -> None:
        with self.sessions.begin() as session:
            batches.create_batch(session, new)

    def forget_batch(self, batch_id: str) -> None:
        with self.sessions.begin() as session:
            batches.delete_batch(session, batch_id)

    def visible_batch(self, batch_id: str, actor: Actor) -> batches.BatchView | None:
        """The batch's status and documents for its agency's staff and admins; None for anyone else."""
        self.expire_signature_requests()
        with self.sessions() as session:
            view = batches.view_batch(session, batch_id)
            batch = session.get(Batch, batch_id)
        agency = batch.agency_code if batch else None
        if view is None or not (actor.role is Role.ADMIN or (agency and agency == actor.agency_code)):
            return None
        return view

    def batch_events(self, batch_id: str, after: int) -> tuple[list[batches.BatchEventView], bool]:
        """The batch's events after the given id, and whether the batch has finished (or only waits for
        signatures)."""
        with self.sessions() as session:
            events = batches.events_after(session, batch_id, after)
            batch = session.get(Batch, batch_id)
            if batch is None or batch.finished_at is not None:
                return events, True
            # settled for now: every document stored, failed or waiting for its officer's token or the station
            return events, batches.batch_status(session, batch_id) in batches.SETTLED

    # -- signature requests (split signing) -------------------------------------------------------------
    def expire_signature_requests(self) -> None:
        """Requests past their expiry become expired, on their documents too (also done hourly by the sweep)."""
        with self.sessions.begin() as session:
            signature_requests.expire_due(session)

    def pending_signature_requests(self, actor: Actor) -> list[signature_requests.RequestView]:
        """The officer's own pending requests, oldest first."""
        self.expire_signature_requests()
        with self.sessions() as session:
            return signature_requests.list_for(session, actor.subject)

    def signature_request(self, request_id: str, actor: Actor) -> signature_requests.RequestView | None:
        """One of the officer's own requests (any state); None when it is not theirs or does not exist."""
        self.expire_signature_requests()
        with self.sessions() as session:
            row = signature_requests.own(session, request_id, actor.subject)
            return signature_requests.view(session, row) if row is not None else None

    def answer_signature_request(
        self, request_id: str, actor: Actor, answer: Callable[[Session, SignatureRequest], None]
    ) -> signature_requests.RequestView | None:
        """Apply `answer` (submit, reject, renew) to the officer's own request; a submitted or renewed one sends
        the continuation after the commit. None when it is not theirs; RequestRefused when it cannot be."""
        self.expire_signature_requests()
        with self.sessions.begin() as session:
            row = signature_requests.own(session, request_id, actor.subject)
            if row is None:
                return None
            answer(session, row)
            view = signature_requests.view(session, row)
        if view.status in (signature_requests.RequestState.SUBMITTED, signature_requests.RequestState.RENEWED):
            assert self.resume_signing is not None, "the app was built without the pipeline's continuation"
            self.resume_signing(view.batch_id, view.index)
        return view

    # -- a paper scanned again ----------------------------------------------------------------------------
    def choose(self, batch_id: str, index: int, choice: Choice, actor: Actor) -> batches.BatchView:
        """The station's choice for a document of its agency's batch that waits as a paper scanned again
        (`ingest.scanned_again`): reuse links the stored document into the dossier (logged as reuse) and stores
        nothing; new_version and new_document send sign and store. ChoiceRefused: 404 no such document, 409 not
        waiting, or the stored document can no longer be reused or versioned by this agency (with the reason)."""
        if self.visible_batch(batch_id, actor) is None:
            raise ChoiceRefused(404, "no such batch")
        with self.sessions() as session:
            batch, row = scanned_again.waiting_document(session, batch_id, index)
            stored_id = str((row.scanned_before or {})["id"])
            name, dossier_code, location, agency = row.name, batch.dossier_code, batch.staging_dir, batch.agency_code
        try:
            if choice is Choice.REUSE:
                self._link_reused(dossier_code, stored_id, name, actor)
            elif choice is Choice.NEW_VERSION:
                self.vault.document_to_version(stored_id, actor)
        except NotFound as exc:
            raise ChoiceRefused(409, f"document {stored_id} cannot be versioned by your agency: {exc}") from exc
        except Conflict as exc:
            raise ChoiceRefused(409, str(exc)) from exc
        with self.sessions.begin() as session:
            status = scanned_again.record_choice(session, batch_id, index, choice)
        if choice is Choice.REUSE:
            self._reused(batch_id, index, location, agency, dossier_code, status)
        else:
            assert self.resume_signing is not None, "the app was built without the pipeline's continuation"
            self.resume_signing(batch_id, index)
        view = self.visible_batch(batch_id, actor)
        assert view is not None
        return view

    def _link_reused(self, dossier_code: str, stored_id: str, name: str, actor: Actor) -> None:
        try:
            self.vault.attach(dossier_code, stored_id, name, actor)
        except ReuseRefused:
            raise
        except Conflict:
            pass  # linked already (an earlier try of this choice, or the paper was attached by hand)

    def _reused(
        self,
        batch_id: str,
        index: int,
        location: str,
        agency: str,
        dossier_code: str,
        status: batches.BatchState | None,
    ) -> None:
        """Nothing of the reused scan is kept: its outputs go now, the batch's page files when it finished."""
        try:
            staged = self.staging().open(location)
            staged.remove(f"doc-{index:03d}/")
            if status is not None:
                staged.remove()
        except Exception as exc:  # the sweep removes it later
            log.warning("staging not removed; the sweep will", batch=batch_id, error=type(exc).__name__)
        if status is not None:
            event = {"batch_id": batch_id, "dossier_code": dossier_code, "status": status.value}
            try:
                self.issuer.notify("batch.finished", agency, event)
            except Exception as exc:  # the delivery rows or the broker: the choice stands
                log.warning("webhook notification not sent", event="batch.finished", error=type(exc).__name__)

    # -- webhooks -------------------------------------------------------------------------------------
    def failed_dossiers(self, since: dt.date | None) -> frozenset[str]:
        """Dossiers whose latest batch (since that day) has a failed document: never counted as digitised."""
        with self.sessions() as session:
            return batches.failed_dossier_codes(session, since)

    def register_webhook(self, agency_code: str, url: str, events: list[str], actor: Actor) -> webhooks.WebhookCreated:
        """A new webhook of the agency; ValueError when the URL or events are refused."""
        with self.sessions.begin() as session:
            return webhooks.register(session, agency_code, url, events, actor.subject)

    def list_webhooks(self, agency_code: str | None) -> list[webhooks.WebhookOut]:
        """The active webhooks of an agency (of every agency with None)."""
        with self.sessions() as session:
            return webhooks.list_for(session, agency_code)

    def delete_webhook(self, webhook_id: str, agency_code: str | None) -> bool:
        """Stop a webhook of the agency (of any agency with None); False when there is none."""
        with self.sessions.begin() as session:
            return webhooks.deactivate(session, webhook_id, agency_code)

    # -- issuing --------------------------------------------------------------------------------------
    def certify_copy(
        self, dossier: DossierRecord, pdf: bytes, *, name: str, type_code: str | None, actor: Actor
    ) -> IssuedCopy:
        """A certified copy numbered in the agency's register, signed and stored in the owner's vault."""
        return issue_certified_copy(
            self.vault, self.sessions, dossier, pdf, name=name, type_code=type_code, actor=actor, issuer=self.issuer
        )


async def services(request: Request) -> Services:
    return services_of(request)


def services_of(request: Request) -> Services:
    """The app's services, read by a hot read route itself: the `Svc` dependency costs every request a level of
    FastAPI's dependency solving (≈0.04 ms of CPU), for a value that never changes."""
    svc: Services = request.app.state.services
    return svc


Svc = Annotated[Services, Depends(services)]
