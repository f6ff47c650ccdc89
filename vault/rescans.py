"""A paper scanned again: the usable document of the same owner whose pages look the same (perceptual prints
within a Hamming distance) and whose OCR text reads the same, found from the catalogue alone (docs/intake.md).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from imagehash import hex_to_hash
from pydantic import BaseModel
from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from core.types import Actor, Role
from vault.audit import record_access
from vault.base import VaultBase
from vault.convert import effective_status
from vault.errors import Forbidden
from vault.models import Document, Owner
from vault.reuse import UNUSABLE

# Chosen on real renders through Tesseract (tests/ingest/test_scanned_again.py, docs/intake.md): one paper
# scanned twice (another resolution, skew, noise, blur, shadow, a dark border, a seal) came within 6 of 64 bits and
# read ≥ 98.4 alike; the same form filled in for another person came as close in prints (0–8 bits) but read ≤ 95.1
# alike; a page of other text was ≥ 14 bits away.
PRINT_DISTANCE = 10  # the most bits of 64 in which a page's print may differ from the stored page's
TEXT_SIMILARITY = 97.0  # the least `rapidfuzz.fuzz.ratio` (0–100) of the two normalised OCR texts
FIELDS = ("personal_ids", "tax_codes", "dates", "document_numbers")  # read on both: must agree
MATCHERS = (Role.STATION, Role.HANDLER, Role.ADMIN)


@dataclass(frozen=True)
class ScannedPaper:
    """What the pipeline read of a new document: each page's print (None for a page with none), text, fields."""

    prints: list[str | None]
    text: str
    fields: dict[str, list[str]] = field(default_factory=dict)


class StoredMatch(BaseModel):
    """The stored document a new scan matched: what the station is shown, and how close it came."""

    id: str
    type_code: str | None
    name: str
    kind: str
    stored_at: dt.datetime
    distance: int  # the largest page print distance (bits of 64)
    similarity: float  # the text similarity (0–100)


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def print_distance(stored: list[str], prints: list[str | None]) -> int | None:
    """The largest distance between corresponding pages; None when the page counts differ or a page has no print."""
    if not stored or len(stored) != len(prints) or any(p is None for p in prints):
        return None
    return max(int(hex_to_hash(a) - hex_to_hash(b)) for a, b in zip(stored, prints, strict=True) if b is not None)


def fields_agree(stored: dict[str, list[str]], read: dict[str, list[str]]) -> bool:
    """Numbers and dates read on both papers are the same (one read on one paper only does not count)."""
    return all(
        set(stored.get(name) or []) == set(read.get(name) or [])
        for name in FIELDS
        if stored.get(name) and read.get(name)
    )


def compare(document: Document, paper: ScannedPaper) -> tuple[int, float] | None:
    """(distance, similarity) when the stored document is this paper scanned again; None otherwise."""
    distance = print_distance(list(document.page_prints or []), paper.prints)
    if distance is None or distance > PRINT_DISTANCE:
        return None
    if not fields_agree(dict(document.extracted_fields or {}), paper.fields):
        return None
    similarity = float(fuzz.ratio(normalise(document.ocr_text or ""), normalise(paper.text)))
    return (distance, similarity) if similarity >= TEXT_SIMILARITY else None


def find_match(session: Session, owner: Owner, paper: ScannedPaper, skip_key: str | None) -> StoredMatch | None:
    """The owner's closest usable document that is this paper (never another owner's); `skip_key` leaves out the
    documents whose idempotency key starts with it (those the same batch stored)."""
    query = (
        select(Document)
        .where(Document.owner_pk == owner.id, Document.kind != "notice")
        .options(defer(Document.ocr_text))
        .order_by(Document.created_at.desc())
    )
    best: StoredMatch | None = None
    for document in session.scalars(query):
        if not document.page_prints or effective_status(document) in UNUSABLE:
            continue
        if skip_key and (document.idempotency_key or "").startswith(skip_key):
            continue
        found = compare(document, paper)
        if found is None or (best is not None and (found[0], -found[1]) >= (best.distance, -best.similarity)):
            continue
        best = StoredMatch(
            id=document.id,
            type_code=document.type_code,
            name=document.name,
            kind=document.kind,
            stored_at=document.created_at,
            distance=found[0],
            similarity=found[1],
        )
    return best


class ScannedAgain(VaultBase):
    """Recognising a paper scanned again, behind the `Vault` door."""

    def find_scanned_again(
        self, owner_id: str, paper: ScannedPaper, actor: Actor, *, skip_key: str | None = None
    ) -> StoredMatch | None:
        """The owner's stored document that this new scan is, if any; the match is recorded in the access log
        (`match`) as a read of that document by the digitising station."""
        if actor.role not in MATCHERS:
            raise Forbidden("only stations, handlers and administrators look for a paper scanned again")
        with self.sessions.begin() as session:
            owner = session.execute(select(Owner).where(Owner.owner_id == owner_id)).scalar_one_or_none()
            match = find_match(session, owner, paper, skip_key) if owner is not None else None
            if match is not None:
                detail = f"scanned again: prints within {match.distance} bits, text {match.similarity:.1f}"
                record_access(session, actor, "match", document_id=match.id, detail=detail)
            return match
