"""Plain records the vault takes and returns (pydantic models), never ORM objects.

`NewDocument` is what the pipeline hands in; `DocumentRecord`, `DossierRecord`, `GrantRecord`, `FsckReport`
are what callers get back. A document's catalogue fields are written once, in `DocumentFields`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.types import DocumentKind, DocumentStatus, SignatureLevel, Verdict


class DocumentFields(BaseModel):
    """A document's catalogue fields, given when it is stored and returned when it is read.

    Defined once: `NewDocument` and `DocumentRecord` extend it, the catalogue row is written from it
    (`vault.writes`) and read back into it (`vault.convert`), and the API's `DocumentOut` derives from
    `PublicDocument`. A new field goes here, in `vault/models.py` and in a migration (docs/vault.md)."""

    name: str = Field(min_length=1, max_length=500)
    kind: DocumentKind = DocumentKind.COMPONENT
    type_code: str | None = None
    number_symbol: str | None = None
    issuing_agency_code: str | None = None
    issue_date: dt.date | None = None
    valid_until: dt.date | None = None
    permanent: bool = False
    validity_scope: str | None = None
    result_code: str | None = None  # generated `<dossier code>-KQ<n>` for results when not given
    source_dossier_code: str | None = None
    procedure_code: str | None = None
    digitised_by: str | None = None
    digitised_at: dt.datetime | None = None
    page_count: int | None = Field(default=None, ge=0)
    signature_verdict: Verdict | None = None


class NewDocument(DocumentFields):
    """A document to store in its owner's vault, with the catalogue fields the issue lists."""

    model_config = ConfigDict(extra="forbid")

    owner_id: str
    component_name: str | None = None
    ocr_text: str | None = None
    extracted_fields: dict[str, Any] = Field(default_factory=dict)
    page_prints: list[str] | None = None  # each page's perceptual hash (hex): a paper scanned again is recognised
    supersedes: str | None = None  # id of a document this one replaces (marked superseded)
    legal_hold: bool = False


class OwnerRecord(BaseModel):
    owner_id: str
    kind: str  # person | organisation
    display_name: str | None


class PublicDocument(DocumentFields):
    """What every reader of a document may see of its record: the catalogue fields and its state, no OCR."""

    id: str
    owner_id: str
    size: int
    sha256: str
    status: DocumentStatus  # effective: a valid paper past its validity reads as expired
    status_reason: str | None
    current_version: int
    supersedes_id: str | None
    superseded_by_id: str | None
    created_at: dt.datetime


class DocumentRecord(PublicDocument):
    """The whole record, with what OCR read; the API serves the text and fields at their own routes."""

    ocr_text: str | None
    extracted_fields: dict[str, Any]


class VersionRecord(BaseModel):
    number: int
    sha256: str
    size: int
    signature_level: SignatureLevel | None = None  # the level our signer reached; None: not known (as received)
    retain_until: dt.datetime | None
    legal_hold: bool
    created_at: dt.datetime
    superseded_at: dt.datetime | None


class DossierRecord(BaseModel):
    code: str
    agency_code: str
    procedure_code: str
    owner_id: str
    received_at: dt.datetime
    status: str
    department: str | None = None
    due_at: dt.datetime | None = None  # a deadline reset or moved by an event; None: counted from received_at
    channel: str = "scan"  # scan | counter | online


class DossierEventRecord(BaseModel):
    """One step of a dossier's life (`vault.lifecycle`): the action, the states, who, when and what was said."""

    id: int
    dossier_code: str
    at: dt.datetime
    action: str
    from_state: str | None
    to_state: str
    actor_subject: str
    actor_role: str
    department: str | None
    note: str | None
    due_at: dt.datetime | None
    notice_document_id: str | None


class ConsentRecord(BaseModel):
    """A counter's request to reuse the owner's papers; `code` is shown to the owner alone (None for others)."""

    id: str
    agency_code: str
    procedure_code: str
    document_ids: list[str]
    document_names: list[str] = []
    requested_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used: bool
    dossier_code: str | None
    code: str | None = None
    # on the answer to the request only: each type asked for that it leaves out, and why (`missing` or the status
    # of the newest paper held: expired, revoked, cancelled, superseded)
    left_out: dict[str, str] = {}


class LinkedDocument(BaseModel):
    """A document as it appears in a dossier: the component it fills and whether it came from the vault."""

    document: DocumentRecord
    component_name: str | None
    reused: bool
    attached_at: dt.datetime


class DossierRead(BaseModel):
    """A dossier as a reader sees it, read at once: the record, its documents, its history (oldest first) and
    whether a valid result of it is stored."""

    dossier: DossierRecord
    documents: list[LinkedDocument]
    events: list[DossierEventRecord]
    completed: bool


class DossierState(BaseModel):
    """What anyone may know of a dossier without logging in: its code, its state, whether a valid result is stored,
    and what its appointment is counted from (procedure, reception, a deadline an event set and which event set it)."""

    code: str
    status: str
    completed: bool
    procedure_code: str
    received_at: dt.datetime
    due_at: dt.datetime | None = None
    due_set_by: str | None = None  # the action of the last event that set the deadline (apologise, receive_supplement)


class GrantRecord(BaseModel):
    id: int
    owner_id: str
    grantee: str
    document_id: str | None
    type_code: str | None
    purpose: str
    valid_until: dt.datetime
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.valid_until > dt.datetime.now(dt.UTC)


class DocumentFilters(BaseModel):
    status: DocumentStatus | None = None
    kind: DocumentKind | None = None
    type_code: str | None = None


class Page(BaseModel):
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=500)


class FsckReport(BaseModel):
    """What `sohoa vault fsck` found and, with --repair, did. `clean` when nothing needs attention."""

    checked_versions: int = 0
    completed_writes: list[str] = Field(default_factory=list)  # intents rolled forward (object was there)
    rolled_back_writes: list[str] = Field(default_factory=list)  # intents dropped (no matching object)
    pending_writes: list[str] = Field(default_factory=list)  # intents found but left (in grace or no repair)
    missing_objects: list[str] = Field(default_factory=list)  # document ids whose object version is missing
    hash_mismatches: list[str] = Field(default_factory=list)  # document ids whose bytes fail the SHA-256
    orphan_objects: list[str] = Field(default_factory=list)  # "key@version" the catalogue does not know
    deleted_orphans: list[str] = Field(default_factory=list)
    # staging folders (batch ids) that no running batch owns: scans and text outside the vault (`ingest.sweep`)
    abandoned_staging: list[str] = Field(default_factory=list)
    swept_staging: list[str] = Field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.pending_writes
            or self.missing_objects
            or self.hash_mismatches
            or self.orphan_objects
            or self.abandoned_staging
        )
