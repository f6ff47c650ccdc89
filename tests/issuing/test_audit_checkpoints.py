"""Checkpoints of the access log (issue #13, item 17): a database administrator who edits rows or cuts the log's end
and recomputes the hash chain fools the chain walk, not the agency-signed, timestamped checkpoints.

Real parts: the certomancer PKI (agency PKCS#12, TSA over HTTP), SQLite and PostgreSQL catalogues, the local
write-once store and SeaweedFS with object lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import x509
from sqlalchemy import delete, select, update

from core.types import Actor, Role
from issuing.checkpoints import ChainBroken, Checkpoint, check_checkpoint, check_stored, take_checkpoint
from signing.sign import DocumentSigner
from signing.trust import load_cert_files
from tests.issuing.agency_signer import pki as pki  # the test PKI, module-scoped
from tests.issuing.agency_signer import signer as signer  # the agency's signer
from tests.support.pki import RunningPki
from tests.vault.conftest import AGENCY, PERSON, PROCEDURE, build_vault, catalogue_url, make_s3_store
from tests.vault.conftest import s3_endpoint as s3_endpoint  # the SeaweedFS fixture
from vault.anchors import checkpoint_key
from vault.audit import GENESIS, row_hash
from vault.errors import ObjectLocked
from vault.models import AccessLog, AuditHead
from vault.records import NewDocument
from vault.service import Vault
from vault.store import LocalStore

STATION = Actor("station-1", Role.STATION, agency_code=AGENCY)
HANDLER = Actor("handler-1", Role.HANDLER, agency_code=AGENCY, purpose="giải quyết hồ sơ")
PDF = b"%PDF-1.7\n" + b"x" * 2000 + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def anchors(pki: RunningPki) -> list[x509.Certificate]:
    return load_cert_files([pki.root_cert])


@pytest.fixture(params=["sqlite", "postgresql"])
def vault(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Vault]:
    with catalogue_url(request.param, tmp_path) as url:
        built = build_vault(url, LocalStore(tmp_path / "objects"))
        yield built
        built.sessions.kw["bind"].dispose()


def _log_some_reads(vault: Vault, reads: int = 4) -> None:
    dossier = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    doc = vault.store_document(NewDocument(owner_id=PERSON, name="Đơn", source_dossier_code=dossier.code), PDF, STATION)
    for _ in range(reads):
        vault.get_document(doc.id, HANDLER)


def _recompute_chain(vault: Vault) -> None:
    """What an administrator with database access does after editing rows: every hash and the head recomputed."""
    with vault.sessions.begin() as session:
        prev, seq = GENESIS, 0
        for row in session.execute(select(AccessLog).order_by(AccessLog.seq)).scalars():
            row.prev_hash = prev
            row.hash = prev = row_hash(row, prev)
            seq = row.seq
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))


def test_a_checkpoint_is_signed_timestamped_and_holds(
    vault: Vault, signer: DocumentSigner, anchors: list[x509.Certificate]
) -> None:
    _log_some_reads(vault)
    taken = take_checkpoint(vault, signer, anchors)
    assert taken is not None and taken.warnings == ()
    assert taken.checkpoint.seq == vault.audit_chain_head().seq > 0
    [checked] = check_stored(vault, anchors)
    assert checked.holds, checked.refused or checked.mismatch
    assert checked.verdict is not None and checked.verdict.timestamp_trusted
    assert checked.verdict.signer == "Ủy ban nhân dân tỉnh Quảng Trị"
    assert take_checkpoint(vault, signer, anchors) is None  # nothing logged since: nothing to anchor


def test_an_edited_row_with_the_chain_recomputed_is_reported(
    vault: Vault, signer: DocumentSigner, anchors: list[x509.Certificate]
) -> None:
    _log_some_reads(vault)
    assert take_checkpoint(vault, signer, anchors) is not None
    _log_some_reads(vault, reads=1)  # rows after the checkpoint
    with vault.sessions.begin() as session:
        session.execute(update(AccessLog).where(AccessLog.seq == 2).values(purpose="sửa lại"))
    _recompute_chain(vault)

    assert vault.verify_audit_chain() == []  # the chain alone is fooled
    [checked] = check_stored(vault, anchors)
    assert checked.refused is None and checked.mismatch is not None
    assert "đã bị sửa" in checked.mismatch and "rewritten" in checked.mismatch
    with pytest.raises(ChainBroken, match="rewritten"):  # a new checkpoint never anchors the rewrite
        take_checkpoint(vault, signer, anchors)


def test_a_row_edited_after_the_last_checkpoint_is_never_anchored(
    vault: Vault, signer: DocumentSigner, anchors: list[x509.Certificate]
) -> None:
    _log_some_reads(vault)
    assert take_checkpoint(vault, signer, anchors) is not None
    _log_some_reads(vault, reads=1)
    with vault.sessions.begin() as session:
        last = session.execute(select(AccessLog.seq).order_by(AccessLog.seq.desc()).limit(1)).scalar_one()
        session.execute(update(AccessLog).where(AccessLog.seq == last).values(detail="sửa"))
    with pytest.raises(ChainBroken, match="chain broken"):
        take_checkpoint(vault, signer, anchors)
    assert len(list(vault.audit_checkpoints())) == 1


def test_rows_cut_off_the_end_are_reported(
    vault: Vault, signer: DocumentSigner, anchors: list[x509.Certificate]
) -> None:
    _log_some_reads(vault)
    taken = take_checkpoint(vault, signer, anchors)
    assert taken is not None
    with vault.sessions.begin() as session:
        session.execute(delete(AccessLog).where(AccessLog.seq > taken.checkpoint.seq - 2))
    _recompute_chain(vault)

    assert vault.verify_audit_chain() == []
    [checked] = check_stored(vault, anchors)
    assert checked.mismatch is not None and "bị cắt" in checked.mismatch and "cut" in checked.mismatch
    assert f"records {taken.checkpoint.seq} rows" in checked.mismatch


def test_a_forged_checkpoint_is_refused(
    vault: Vault, signer: DocumentSigner, anchors: list[x509.Certificate], pki: RunningPki, tmp_path: Path
) -> None:
    _log_some_reads(vault)
    head = vault.audit_chain_head()
    # An administrator's own key, not chaining to the trusted CA, signing the head they recomputed.
    from signing.identity import development_identity

    with DocumentSigner(development_identity(tmp_path, "agency"), signer.settings) as forger:
        forged = forger.sign_data(Checkpoint(head.seq, head.hash, _now()).payload()).der
    checked = check_checkpoint(forged, "forged.p7m", vault, anchors)
    assert checked.refused is not None and "does not chain to a trusted authority" in checked.refused

    # A genuine checkpoint whose content was altered (the hash replaced): the signature no longer matches.
    genuine = signer.sign_data(Checkpoint(head.seq, head.hash, _now()).payload()).der
    altered = genuine.replace(head.hash.encode(), ("f" * 64).encode())
    checked = check_checkpoint(altered, "altered.p7m", vault, anchors)
    assert checked.refused is not None and "signature does not match" in checked.refused
    assert check_checkpoint(b"not a checkpoint", "junk.p7m", vault, anchors).refused is not None

    vault.store_audit_checkpoint(checkpoint_key(head.seq, _now()), forged)  # planted in the store
    [stored] = check_stored(vault, anchors)
    assert stored.refused is not None


def test_a_checkpoint_object_cannot_be_overwritten_on_either_store(
    signer: DocumentSigner, anchors: list[x509.Certificate], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with catalogue_url("sqlite", tmp_path) as url:
        for store in (LocalStore(tmp_path / "objects"), make_s3_store(request.getfixturevalue("s3_endpoint"))):
            vault = build_vault(url, store)
            _log_some_reads(vault, reads=1)
            taken = take_checkpoint(vault, signer, anchors)
            assert taken is not None
            with pytest.raises(ObjectLocked):
                vault.store_audit_checkpoint(taken.key, b"replacement")
            with pytest.raises(ObjectLocked):
                store.delete(taken.key, taken.version_id)
            assert [c.holds for c in check_stored(vault, anchors)] == [True]
            assert vault.fsck().orphan_objects == []  # checkpoints are not orphans of the catalogue


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_the_scheduled_task_takes_a_checkpoint_when_the_log_moved(
    signer: DocumentSigner, pki: RunningPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sohoa.audit_checkpoint`, as the worker's beat runs it every SOHOA_VAULT_AUDIT_CHECKPOINT_MINUTES."""
    from ingest import context as pipeline_context
    from ingest.archive_tasks import audit_checkpoint
    from ingest.staging import FolderArea
    from issuing.agency import Issuer
    from runtime.celery_app import celery_app
    from signing.settings import signing_settings

    assert celery_app.conf.beat_schedule["audit-checkpoint"]["task"] == "sohoa.audit_checkpoint"
    monkeypatch.setenv("SOHOA_SIGNING_TRUST_DIR", str(pki.trust_dir))  # the trust the worker is configured with
    signing_settings.cache_clear()
    with catalogue_url("sqlite", tmp_path) as url:
        vault = build_vault(url, LocalStore(tmp_path / "objects"))
        context = pipeline_context.PipelineContext(
            sessions=vault.sessions,
            vault=lambda: vault,
            staging=lambda: FolderArea(tmp_path / "staging"),
            officer_signer=lambda: signer,
            issuer=Issuer(agency_signer=lambda: signer, notify=lambda *_: None),
        )
        monkeypatch.setattr(pipeline_context, "_factory", lambda: context)
        monkeypatch.setattr(pipeline_context, "_context", None)
        try:
            _log_some_reads(vault)
            assert audit_checkpoint() == vault.audit_chain_head().seq
            assert audit_checkpoint() is None  # nothing logged since
            _log_some_reads(vault, reads=1)
            assert audit_checkpoint() == vault.audit_chain_head().seq
            assert [c.holds for c in check_stored(vault, anchors=load_cert_files([pki.root_cert]))] == [True, True]
        finally:
            signing_settings.cache_clear()
