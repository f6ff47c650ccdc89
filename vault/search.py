"""Full-text search over the catalogue within what the caller may read: folded (case and diacritics
insensitive) names, numbers and OCR text; ranked (FTS5 bm25 / PostgreSQL ts_rank); with the matching snippet.

The index catches up with new or changed documents before each search, so writers need not know about it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from pydantic import BaseModel
from sqlalchemy import Column, DateTime, MetaData, String, Table, delete, insert, outerjoin, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from core.text import fold
from core.types import Actor
from vault.access import readable_documents
from vault.audit import record_access
from vault.models import Document

SNIPPET_CHARS = 80
_WORD = re.compile(r"[0-9a-z]+")

# When each document was last indexed (migration 0002); the FTS table itself is dialect-specific SQL.
search_state = Table(
    "search_state",
    MetaData(),
    Column("document_id", String(32), primary_key=True),
    Column("indexed_at", DateTime()),
)


class SearchHit(BaseModel):
    document_id: str
    name: str
    type_code: str | None
    owner_id: str
    rank: float
    snippet: str


def _document_text(document: Document) -> str:
    return "\n".join(part for part in (document.name, document.number_symbol or "", document.ocr_text or "") if part)


def _stale() -> Select[Document]:
    joined = outerjoin(Document, search_state, search_state.c.document_id == Document.id)
    return (
        select(Document)
        .select_from(joined)
        .where((search_state.c.document_id.is_(None)) | (search_state.c.indexed_at < Document.updated_at))
    )


def catch_up(session: Session) -> int:
    """Index documents written or changed since they were last indexed; how many."""
    count = 0
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for document in session.scalars(_stale()):
        folded = fold(_document_text(document))
        session.execute(text("DELETE FROM search_fts WHERE document_id = :id"), {"id": document.id})
        session.execute(
            text("INSERT INTO search_fts (document_id, folded) VALUES (:id, :folded)"),
            {"id": document.id, "folded": folded},
        )
        session.execute(delete(search_state).where(search_state.c.document_id == document.id))
        session.execute(insert(search_state).values(document_id=document.id, indexed_at=now))
        count += 1
    return count


def _terms(query: str) -> list[str]:
    return _WORD.findall(fold(query))[:12]


def _candidates(session: Session, terms: list[str], limit: int) -> list[tuple[str, float]]:
    if session.get_bind().dialect.name == "sqlite":
        match = " ".join(f'"{term}"' for term in terms)
        rows = session.execute(
            text(
                "SELECT document_id, bm25(search_fts) AS rank FROM search_fts WHERE search_fts MATCH :match "
                "ORDER BY rank LIMIT :limit"
            ),
            {"match": match, "limit": limit},
        )
        return [(row[0], -float(row[1])) for row in rows]
    tsquery = " & ".join(terms)
    rows = session.execute(
        text(
            "SELECT document_id, ts_rank(tsv, to_tsquery('simple', :q)) AS rank FROM search_fts "
            "WHERE tsv @@ to_tsquery('simple', :q) ORDER BY rank DESC LIMIT :limit"
        ),
        {"q": tsquery, "limit": limit},
    )
    return [(row[0], float(row[1])) for row in rows]


def snippet(original: str, terms: list[str], width: int = SNIPPET_CHARS) -> str:
    """The original text around the first matching term, the match marked with «»."""
    source = unicodedata.normalize("NFC", original)
    folded = fold(source)
    positions = [(folded.find(term), term) for term in terms if folded.find(term) >= 0]
    if not positions:
        return source[: 2 * width].strip()
    start, term = min(positions)
    end = start + len(term)
    left, right = max(0, start - width), min(len(source), end + width)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(source) else ""
    return f"{prefix}{source[left:start]}«{source[start:end]}»{source[end:right]}{suffix}".replace("\n", " ")


def search(session: Session, query: str, actor: Actor, limit: int = 20) -> list[SearchHit]:
    """Ranked hits the actor may read; each returned hit is recorded in the access log."""
    terms = _terms(query)
    if not terms:
        return []
    hits: list[SearchHit] = []
    candidates = list(_candidates(session, terms, limit * 10))
    readable = {d.id: d for d in readable_documents(session, [doc_id for doc_id, _ in candidates], actor)}
    for document_id, rank in candidates:  # best first
        document = readable.get(document_id)
        if document is None:
            continue
        owner = document.owner
        hits.append(
            SearchHit(
                document_id=document.id,
                name=document.name,
                type_code=document.type_code,
                owner_id=owner.owner_id,
                rank=round(rank, 6),
                snippet=snippet(_document_text(document), terms),
            )
        )
        record_access(session, actor, "search", document_id=document.id)
        if len(hits) >= limit:
            break
    return hits
