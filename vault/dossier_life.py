"""The door's dossier life: moves (`vault.lifecycle.transition` in a transaction of its own), a dossier's history, an
owner's dossiers, and dossiers opened without scanning (online by the citizen, at the counter with consent).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError as DBIntegrityError
from sqlalchemy.orm import Session

from core.identifiers import InvalidIdentifier, validate_agency_code, validate_procedure_code
from core.types import Actor, Role
from vault.access import dossier_visible, owner_or_admin
from vault.base import VaultBase
from vault.codes import new_dossier_code
from vault.convert import dossier_record
from vault.dossiers import dossier_by_code
from vault.errors import Conflict, Forbidden, InvalidInput, NotFound
from vault.lifecycle import Action, Step, check_move, events_of, record_receipt, transition
from vault.models import ConsentRequest, Document, Dossier, Owner, utcnow
from vault.owners import owner_row
from vault.records import ConsentRecord, DossierEventRecord, DossierRecord, LinkedDocument
from vault.reports import IssuedStep, results_history
from vault.reuse import (
    NothingToReuse,
    WrongConsentCode,
    count_wrong_try,
    left_out,
    link_reused,
    new_consent,
    take_consent,
)

STAFF = (Role.STATION, Role.HANDLER)


def _consent_record(session: Session, request: ConsentRequest, with_code: bool) -> ConsentRecord:
    names = dict(session.execute(select(Document.id, Document.name).where(Document.id.in_(request.document_ids))).all())
    return ConsentRecord(
        id=request.id,
        agency_code=request.agency_code,
        procedure_code=request.procedure_code,
        document_ids=list(request.document_ids),
        document_names=[names.get(doc_id, "") for doc_id in request.document_ids],
        requested_by=request.requested_by,
        created_at=request.created_at,
        expires_at=request.expires_at,
        used=request.used_at is not None,
        dossier_code=request.dossier_code,
        code=request.code if with_code else None,
    )


def _checked_codes(agency_code: str, procedure_code: str) -> None:
    try:
        validate_agency_code(agency_code)
        validate_procedure_code(procedure_code)
    except InvalidIdentifier as exc:
        raise InvalidInput(str(exc)) from exc


class DossierLife(VaultBase):
    """Moves, histories, an owner's dossiers and openings without scanning, behind the `Vault` door."""

    def _visible(self, session: Session, code: str, actor: Actor) -> Dossier:
        dossier = dossier_by_code(session, code)
        if dossier is None or not dossier_visible(actor, dossier.agency_code, dossier.owner.owner_id):
            raise NotFound(f"no dossier {code}")
        return dossier

    def transition(self, code: str, action: Action, actor: Actor, step: Step) -> DossierEventRecord:
        """One move in a transaction of its own (callers that write beside it use `vault.lifecycle.transition`)."""
        with self.sessions.begin() as session:
            return transition(session, code, action, actor, step)

    def check_transition(self, code: str, action: Action, actor: Actor) -> DossierRecord:
        """The dossier if this actor may make this move now (raises as `transition` would), changing nothing:
        checked before a notice is signed and stored."""
        with self.reader() as session:
            dossier = self._visible(session, code, actor)
            check_move(dossier, action, actor)
            return dossier_record(dossier)

    def dossier_history(self, code: str, actor: Actor) -> tuple[DossierRecord, list[DossierEventRecord]]:
        """A dossier the actor may see and its events, oldest first; NotFound for anyone else."""
        with self.reader() as session:
            dossier = self._visible(session, code, actor)
            return dossier_record(dossier), events_of(session, dossier)

    def results_history(self, code: str, actor: Actor) -> dict[str, list[IssuedStep]]:
        """Who issued, corrected or cancelled each of the dossier's results, and when (for those who see it)."""
        with self.reader() as session:
            return results_history(session, self._visible(session, code, actor).id)

    def owner_dossiers(self, owner_id: str, actor: Actor) -> list[DossierRecord]:
        """The owner's dossiers, newest first: the owner (or an admin) only."""
        if not owner_or_admin(actor, owner_id):
            raise NotFound("no such owner")
        with self.reader() as session:
            query = (
                select(Dossier)
                .join(Owner, Owner.id == Dossier.owner_pk)
                .where(Owner.owner_id == owner_id)
                .order_by(Dossier.received_at.desc(), Dossier.id.desc())
            )
            return [dossier_record(row) for row in session.scalars(query)]

    def request_consent(
        self,
        owner_id: str,
        agency_code: str,
        procedure_code: str,
        doc_ids: Sequence[str],
        actor: Actor,
        type_codes: Sequence[str] = (),
    ) -> ConsentRecord:
        """The counter asks to reuse these papers of the citizen: a one-time code the citizen sees in their own
        account (`consent_requests`) and reads out. The agency's stations and handlers only."""
        if not (actor.role in STAFF and actor.agency_code == agency_code):
            raise Forbidden("only the agency's counter asks for a citizen's consent")
        _checked_codes(agency_code, procedure_code)
        with self.sessions.begin() as session:
            owner = session.execute(select(Owner).where(Owner.owner_id == owner_id)).scalar_one_or_none()
            if owner is None and type_codes and not doc_ids:
                raise NothingToReuse(dict.fromkeys(type_codes, "missing"))
            if owner is None:
                raise NotFound("no document of this citizen")
            types = list(type_codes)
            try:
                request = new_consent(session, owner, agency_code, procedure_code, list(doc_ids), actor, types)
            except NotFound:
                if doc_ids or not types:
                    raise
                raise NothingToReuse(left_out(session, owner, types, [])) from None
            dropped = left_out(session, owner, types, request.document_ids) if not doc_ids else {}
            return _consent_record(session, request, with_code=False).model_copy(update={"left_out": dropped})

    def consent_requests(self, owner_id: str, actor: Actor) -> list[ConsentRecord]:
        """The owner's consent requests still open, newest first, with their codes (the owner alone)."""
        if not (actor.role is Role.CITIZEN and actor.owner_id == owner_id):
            raise NotFound("no such owner")
        with self.reader() as session:
            query = (
                select(ConsentRequest)
                .join(Owner, Owner.id == ConsentRequest.owner_pk)
                .where(Owner.owner_id == owner_id, ConsentRequest.used_at.is_(None))
                .where(ConsentRequest.expires_at > utcnow())
                .order_by(ConsentRequest.created_at.desc())
            )
            return [_consent_record(session, row, with_code=True) for row in session.scalars(query)]

    def open_with_documents(
        self,
        agency_code: str,
        procedure_code: str,
        owner_id: str,
        documents: Sequence[tuple[str, str | None]],
        actor: Actor,
        *,
        consent: tuple[str, str] | None = None,
        owner_name: str | None = None,
    ) -> tuple[DossierRecord, list[LinkedDocument]]:
        """A dossier opened without scanning, its vault papers (id, component name) linked as reused, all in one
        transaction: online by the owner, or at the counter by the agency's staff, who need the consent request's
        id and the code the citizen read out when papers are reused. Nothing is stored when any step is refused."""
        _checked_codes(agency_code, procedure_code)
        citizen = actor.role is Role.CITIZEN and actor.owner_id == owner_id
        counter = actor.role in STAFF and actor.agency_code == agency_code
        if not (citizen or counter):
            raise Forbidden("a dossier is opened online by its owner, or at the agency's counter")
        doc_ids = [doc_id for doc_id, _name in documents]
        if len(set(doc_ids)) != len(doc_ids):
            raise InvalidInput("a paper is named twice", field="documents")
        if counter and doc_ids and consent is None:
            raise Forbidden("reusing a citizen's papers at the counter needs their consent code")
        try:
            return self._open(agency_code, procedure_code, owner_id, documents, actor, consent, owner_name)
        except WrongConsentCode:
            assert consent is not None
            with self.sessions.begin() as session:
                count_wrong_try(session, consent[0])
            raise

    def _open(
        self,
        agency_code: str,
        procedure_code: str,
        owner_id: str,
        documents: Sequence[tuple[str, str | None]],
        actor: Actor,
        consent: tuple[str, str] | None,
        owner_name: str | None,
    ) -> tuple[DossierRecord, list[LinkedDocument]]:
        citizen = actor.role is Role.CITIZEN
        doc_ids = [doc_id for doc_id, _name in documents]
        for _ in range(20):
            try:
                with self.sessions.begin() as session:
                    owner = owner_row(session, owner_id, self._partition_key, owner_name)
                    note = "Công dân nộp trực tuyến" if citizen else "Tiếp nhận tại quầy, không cần quét"
                    request = None
                    if not citizen and consent is not None:
                        request = take_consent(session, consent[0], consent[1], owner, agency_code, doc_ids)
                        documents = documents or [(doc_id, None) for doc_id in request.document_ids]
                        note += f"; công dân đồng ý tái sử dụng bằng mã một lần (yêu cầu {request.id[:8]})"
                    moment = utcnow()
                    dossier = Dossier(
                        code=new_dossier_code(session, agency_code, moment),
                        agency_code=agency_code,
                        procedure_code=procedure_code,
                        owner_pk=owner.id,
                        received_at=moment,
                        status="received",
                        channel="online" if citizen else "counter",
                    )
                    session.add(dossier)
                    session.flush()
                    record_receipt(session, dossier, actor, note)
                    if request is not None:
                        request.dossier_code = dossier.code
                    linked = [link_reused(session, dossier, doc_id, name, actor) for doc_id, name in documents]
                    return dossier_record(dossier), linked
            except DBIntegrityError:
                continue
        raise Conflict("could not allocate a dossier code")
