"""The level each signer reached is stored with the version it made (pipeline, result seal, the long-term job's
upgrade), and the long-term job works from it: a document signed at B-B while the TSA was down is enrolled and
postponed without a read of its file (nothing in the citizen's access log), read once to be upgraded when the TSA
is back; a result corrected at B-B is due again. On SQLite and PostgreSQL (certomancer PKI, a dead TSA port)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.signing_sample import sample_pdf
from core.types import Actor, DocumentKind, Role, SignatureLevel
from ingest.db import migrate, sessions
from ingest.pipeline import run_signing, run_store
from ingest.staging import FolderBatch
from issuing.agency import Issuer
from issuing.longterm import SYSTEM, LongTermState, moved_on, run_longterm
from issuing.results import ResultFields, correct_result, issue_result
from issuing.settings import IssuingSettings
from issuing.waits import at_bb_query, longterm_due
from signing.identity import load_pkcs12
from signing.settings import SigningSettings, signing_settings
from signing.sign import DocumentSigner
from tests.support.jobs import document_job
from tests.support.pgschema import private_schema
from tests.support.pki import RunningPki, free_port, pki_fixture
from tests.vault.conftest import PG_URL
from vault.models import AccessLog
from vault.service import Vault
from vault.settings import VaultSettings
from vault.store import LocalStore

OWNER = "045190001234"
AGENCY = "000.00.12.H30"
PROCEDURE = "1.011442.000.00.00.H30"
ADMIN = Actor("root", Role.ADMIN, purpose="kiểm tra")
B_B, B_LTA = SignatureLevel.B_B, SignatureLevel.B_LTA


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPki]:
    yield from pki_fixture(tmp_path_factory.mktemp("levels-pki"))


@pytest.fixture(params=["sqlite", "postgresql"])
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], Vault]]:
    def opened(url: str) -> tuple[sessionmaker[Session], Vault]:
        migrate(url)
        factory = sessions(url)
        return factory, Vault(factory, LocalStore(tmp_path / "objects"), VaultSettings())

    if request.param == "sqlite":
        yield opened(f"sqlite:///{tmp_path / 'catalogue.sqlite3'}")
        return
    with private_schema(PG_URL, "levels_test", migrated=False) as url:
        factory, vault = opened(url)
        yield factory, vault
        factory.kw["bind"].dispose()


@pytest.fixture
def tsa(pki: RunningPki, tmp_path: Path) -> tuple[SigningSettings, SigningSettings]:
    """Signing settings with the PKI's TSA answering, and the same with nothing listening at the TSA's address."""
    up = pki.signing_settings(tmp_path / "fonts", allow_bb_fallback=True)
    return up, up.model_copy(update={"tsa_url": f"http://127.0.0.1:{free_port()}/tsa"})


@pytest.fixture
def reads(catalogue: tuple[sessionmaker[Session], Vault], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The documents whose content the vault opened, in order (every `open_content` call)."""
    _factory, vault = catalogue
    opened: list[str] = []
    original = vault.open_content

    def counted(doc_id: str, actor: Actor, *args: Any, **kwargs: Any) -> Any:
        opened.append(doc_id)
        return original(doc_id, actor, *args, **kwargs)

    monkeypatch.setattr(vault, "open_content", counted)
    return opened


def _signer(pki: RunningPki, label: str, settings: SigningSettings) -> DocumentSigner:
    return DocumentSigner(load_pkcs12(pki.identity(label).p12, pki.password), settings, trust=pki.trust())


def _levels(vault: Vault, doc_id: str) -> list[SignatureLevel | None]:
    return [version.signature_level for version in vault.document_versions(doc_id, ADMIN)]


def _job_reads(factory: sessionmaker[Session], doc_id: str) -> list[str]:
    """The access log's entries by the long-term job for this document (its reads and its versions)."""
    with factory() as session:
        rows = session.execute(
            select(AccessLog.action).where(AccessLog.document_id == doc_id, AccessLog.subject == SYSTEM.subject)
        )
        return list(rows.scalars())


def _at_bb(factory: sessionmaker[Session], settings: SigningSettings, later: dt.timedelta) -> int:
    with factory() as session:
        return longterm_due(session, dt.datetime.now(dt.UTC) + later, settings).at_bb


def test_a_scan_signed_while_the_tsa_is_down_is_upgraded_without_a_read_before(
    pki: RunningPki,
    catalogue: tuple[sessionmaker[Session], Vault],
    tsa: tuple[SigningSettings, SigningSettings],
    reads: list[str],
    tmp_path: Path,
) -> None:
    factory, vault = catalogue
    up, down = tsa
    dossier = vault.create_dossier(AGENCY, PROCEDURE, OWNER)
    (tmp_path / "staging").mkdir()
    job = document_job(
        FolderBatch(tmp_path / "staging"), dossier_code=dossier.code, agency_code=AGENCY, procedure_code=PROCEDURE
    )
    summary = {"page_count": 1, "text": "", "fields": {}, "issues": [], "sidecar": {}}
    job.write("ocr.json", json.dumps(summary).encode())
    job.write("ocr.pdf", sample_pdf(1))  # what the OCR step leaves for the sign step
    with _signer(pki, "officer", down) as signer:
        run_signing(job, signer, down.level_for(DocumentKind.COMPONENT), "Nguyễn Thị Lan")
    doc_id = run_store(job, vault, "TOTAL-PASSED")
    assert _levels(vault, doc_id) == [B_B]
    assert _at_bb(factory, down, dt.timedelta()) == 1  # counted from the stored level before the job ever ran

    still_down = run_longterm(factory, vault, down)
    assert (still_down.enrolled, still_down.upgraded, still_down.postponed) == (1, [], [doc_id])
    again = run_longterm(factory, vault, down, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    assert (again.enrolled, again.postponed) == (0, [doc_id])
    assert reads == [] and _job_reads(factory, doc_id) == []  # nothing read, nothing in the citizen's log
    with factory() as session:
        state = session.get(LongTermState, doc_id)
        assert state is not None and (state.level, state.version) == (B_B.value, 1)

    back = run_longterm(factory, vault, up, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=4))
    assert (back.enrolled, back.upgraded, back.postponed) == (0, [doc_id], [])
    assert reads == [doc_id] and _job_reads(factory, doc_id) == ["read", "new_version"]  # read once, to upgrade
    assert _levels(vault, doc_id) == [B_B, B_LTA]
    assert _at_bb(factory, up, dt.timedelta(hours=4)) == 0


def test_a_result_corrected_while_the_tsa_is_down_is_due_again(
    pki: RunningPki,
    catalogue: tuple[sessionmaker[Session], Vault],
    tsa: tuple[SigningSettings, SigningSettings],
    reads: list[str],
) -> None:
    factory, vault = catalogue
    up, down = tsa
    dossier = vault.create_dossier(AGENCY, PROCEDURE, OWNER)
    fields = ResultFields(name="Giấy phép xây dựng", type_code="GPXD", issued_at=dt.date(2026, 11, 30), permanent=True)
    sealing = IssuingSettings(seal_unsigned_results=True)
    with _signer(pki, "agency", up) as sealer:
        issuer = Issuer(agency_signer=lambda: sealer, notify=lambda *_: None)
        issued = issue_result(vault, dossier, sample_pdf(1), fields, ADMIN, issuer, trust=pki.trust(), settings=sealing)
    doc_id = issued.record.id
    assert issued.sealed and _levels(vault, doc_id) == [B_LTA]

    first = run_longterm(factory, vault, up)
    assert (first.enrolled, first.upgraded, first.postponed) == (1, [], [])  # B-LTA: first look in 30 days
    with _signer(pki, "agency", down) as sealer:
        issuer = Issuer(agency_signer=lambda: sealer, notify=lambda *_: None)
        correct_result(vault, issued.record, AGENCY, sample_pdf(2), ADMIN, issuer, trust=pki.trust(), settings=sealing)
    assert _levels(vault, doc_id) == [B_LTA, B_B]
    assert _at_bb(factory, down, dt.timedelta()) == 1

    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    still_down = run_longterm(factory, vault, down, now=later)
    assert (still_down.enrolled, still_down.postponed) == (1, [doc_id])  # the B-B correction is followed
    with factory() as session:
        state = session.get(LongTermState, doc_id)
        assert state is not None and (state.level, state.version) == (B_B.value, 2)
    assert reads == []

    back = run_longterm(factory, vault, up, now=later + dt.timedelta(hours=2))
    assert (back.enrolled, back.upgraded) == (0, [doc_id])
    assert _levels(vault, doc_id) == [B_LTA, B_B, B_LTA] and reads == [doc_id]
    assert _job_reads(factory, doc_id) == ["read", "new_version"]


def _plan(session: Session, statement: Any) -> str:
    """The backend's plan of a statement: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN with sequential scans
    priced out (the tables are empty here; the question is whether an index can serve the read at all)."""
    dialect = session.get_bind().dialect
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.name == "sqlite":
        return "\n".join(str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(str(row[0]) for row in session.execute(text(f"EXPLAIN {sql}")))


def test_the_b_b_count_and_the_look_for_newer_versions_read_through_indexes(
    catalogue: tuple[sessionmaker[Session], Vault],
) -> None:
    factory, _vault = catalogue
    with factory.begin() as session:
        counted = _plan(session, at_bb_query(signing_settings()))
        moved = _plan(session, moved_on(10))
    # Before migration 0010 and ingest 0011 both read every document joined to its current version and its state.
    assert "ix_document_versions_signature_level" in counted and "ix_ingest_longterm_level" in counted, counted
    assert "ix_documents_current_version" in moved, moved
