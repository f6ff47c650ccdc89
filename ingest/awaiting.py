"""The sign step for an officer who signs on their own machine (split signing), free of Celery: prepare the PDF
and a signature request, wait (`AwaitingSignature`), and when the officer's value came, embed it and go on.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from core.identifiers import redact
from core.logging import get_logger
from core.timezone import now_vn
from core.types import SignatureLevel
from ingest import batches
from ingest import signature_requests as requests
from ingest.pipeline import Certify, DocumentJob, keep_signed, load_summary, run_signing
from signing.split import PendingSignature, SplitSigner
from signing.stamps import officer_stamp

log = get_logger("sohoa.pipeline")

REASON = "Số hóa từ bản giấy tại Bộ phận Một cửa"


class Waiting(Exception):
    """The document waits for someone (its officer's token, the station's choice): the chain stops here, and the
    step records what it waits for (`record`); an answer sends the chain's continuation."""

    def record(self, sessions: sessionmaker[Session], batch_id: str, index: int) -> None:
        raise NotImplementedError


class AwaitingSignature(Waiting):
    """The document waits for its officer's token: `reason` is what the document shows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def record(self, sessions: sessionmaker[Session], batch_id: str, index: int) -> None:
        record_awaiting(sessions, batch_id, index, self.reason)


def record_awaiting(sessions: sessionmaker[Session], batch_id: str, index: int, reason: str) -> None:
    """The document waits for its officer's own token (or shows why its request was rejected or expired)."""
    with sessions.begin() as session:
        batches.update_document(
            session,
            batch_id,
            index,
            status=batches.DocState.AWAITING_SIGNATURE,
            step="sign",
            error=redact(reason)[:2000],
            lease_owner=None,
            lease_until=None,
        )
    log.info("document awaiting the officer's signature", batch=batch_id, index=index)


def run_split_signing(
    job: DocumentJob,
    signer: SplitSigner,
    level: SignatureLevel,
    officer_name: str,
    sessions: sessionmaker[Session],
    ttl: dt.timedelta,
    certify: Certify | None = None,
    *,
    unit: str | None = None,
) -> None:
    """signed.pdf written to the staging once the officer's value is embedded; AwaitingSignature while a request
    waits (a new one is prepared when there is none or the last was renewed; a rejected or expired one keeps the
    document waiting)."""
    if job.has("signed.pdf"):
        return
    if load_summary(job).as_received:  # a signed PDF kept as received is never signed again: no request
        run_signing(job, signer, level, officer_name, certify, unit=unit)
        return
    with sessions() as session:
        row = requests.latest(session, job.batch_id, job.index)
        state = row.status if row is not None else None
        reason = requests.waiting_reason(row) if row is not None else ""
        submitted = row is not None and row.status == requests.RequestState.SUBMITTED
        answer = (row.pending, row.signature_value) if row is not None and submitted else None
    if answer is not None and answer[1] is not None:  # the request is marked signed when the document is stored
        keep_signed(job, signer.finish(PendingSignature.from_json(answer[0].decode()), answer[1]), certify)
        return
    if state in (requests.RequestState.PENDING, requests.RequestState.REJECTED, requests.RequestState.EXPIRED):
        raise AwaitingSignature(reason)
    raise AwaitingSignature(_prepare(job, signer, level, officer_name, sessions, ttl, unit))


def _prepare(
    job: DocumentJob,
    signer: SplitSigner,
    level: SignatureLevel,
    officer_name: str,
    sessions: sessionmaker[Session],
    ttl: dt.timedelta,
    unit: str | None,
) -> str:
    """Stamp and placeholder, the prepared PDF kept in staging, the request row; the line the document shows."""
    pdf = job.read("ocr.pdf")
    stamp = officer_stamp(officer_name, now_vn(), unit=unit)
    pending = signer.prepare(pdf, level=level, stamp=stamp, reason=REASON)
    with sessions.begin() as session:  # one commit: the row holds the prepared PDF too
        row = requests.create(
            session,
            request_id=requests.new_request_id(),
            batch_id=job.batch_id,
            index=job.index,
            officer_sub=job.submitted_by,
            level=str(pending.level),
            document_sha256=pending.document_digest.hex(),  # what the signature covers
            to_be_signed=pending.to_be_signed,
            certificate=pending.certificate,
            pending=pending.to_json().encode(),
            ttl=ttl,
        )
        return requests.waiting_reason(row)
