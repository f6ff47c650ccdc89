"""The vault's catalogue and rules on SQLite and PostgreSQL: owners, dossiers, storing, reading, reuse, grants,
versions, statuses, the hash-chained access log.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core.identifiers import DOSSIER_CODE_RE
from core.types import Actor, DocumentKind, DocumentStatus, Role
from tests.support.concurrency import run_concurrently
from tests.vault.conftest import AGENCY, COMPANY, OTHER_AGENCY, OTHER_PERSON, PERSON, PROCEDURE
from vault.errors import Conflict, Forbidden, GrantLapsed, InvalidInput, NotFound, ReuseRefused
from vault.models import AccessLog, DocumentVersion, PendingWrite
from vault.records import DocumentFilters, NewDocument
from vault.service import Vault

STATION = Actor("station-1", Role.STATION, agency_code=AGENCY)
HANDLER = Actor("handler-1", Role.HANDLER, agency_code=AGENCY, purpose="giải quyết hồ sơ")
OTHER_HANDLER = Actor("handler-9", Role.HANDLER, agency_code=OTHER_AGENCY, purpose="giải quyết hồ sơ")
CITIZEN = Actor("citizen-1", Role.CITIZEN, owner_id=PERSON)
OTHER_CITIZEN = Actor("citizen-2", Role.CITIZEN, owner_id=OTHER_PERSON)
ADMIN = Actor("admin-1", Role.ADMIN)
PDF = b"%PDF-1.7\n" + b"trang 1 " * 2000 + b"\n%%EOF\n"


def store(vault: Vault, owner: str = PERSON, **fields: object) -> tuple[str, str]:
    """Create a dossier at AGENCY for `owner` and store one paper in it; (dossier code, document id)."""
    dossier = vault.create_dossier(AGENCY, PROCEDURE, owner)
    new = NewDocument(owner_id=owner, name="Giấy khai sinh", source_dossier_code=dossier.code, **fields)  # type: ignore[arg-type]
    return dossier.code, vault.store_document(new, PDF, STATION).id


def test_owner_ids_are_validated(vault: Vault) -> None:
    assert vault.ensure_owner(PERSON, "Nguyễn Văn A").kind == "person"
    assert vault.ensure_owner(COMPANY).kind == "organisation"
    with pytest.raises(InvalidInput):
        vault.ensure_owner("999090123456")  # unknown province
    with pytest.raises(InvalidInput):
        vault.ensure_owner("0100109107")  # bad check digit


def test_dossier_codes_are_generated_per_agency_and_day(vault: Vault) -> None:
    first = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    second = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    other = vault.create_dossier(OTHER_AGENCY, PROCEDURE, PERSON)
    assert DOSSIER_CODE_RE.fullmatch(first.code)
    assert first.code.endswith("-0001") and second.code.endswith("-0002") and other.code.endswith("-0001")
    supplied = vault.create_dossier(AGENCY, PROCEDURE, PERSON, code=f"{AGENCY}-250101-0042")
    assert supplied.code == f"{AGENCY}-250101-0042"
    with pytest.raises(Conflict):
        vault.create_dossier(AGENCY, PROCEDURE, PERSON, code=f"{AGENCY}-250101-0042")
    with pytest.raises(InvalidInput):
        vault.create_dossier("bad agency", PROCEDURE, PERSON)


def test_two_concurrent_writers_get_distinct_dossier_codes(vault: Vault) -> None:
    codes: list[str] = []

    def writer(_thread: int) -> None:
        for _ in range(15):
            codes.append(vault.create_dossier(AGENCY, PROCEDURE, PERSON).code)

    run_concurrently(2, writer)
    assert len(codes) == 30 and len(set(codes)) == 30
    assert sorted(int(code[-4:]) for code in codes) == list(range(1, 31))


def test_store_read_and_the_access_log(vault: Vault) -> None:
    code, doc_id = store(vault, type_code="GKS", extracted_fields={"ho_ten": "Nguyễn Văn A"})
    record = vault.get_document(doc_id, CITIZEN)
    assert record.owner_id == PERSON and record.status is DocumentStatus.VALID
    assert record.extracted_fields == {"ho_ten": "Nguyễn Văn A"}
    with vault.open_content(doc_id, HANDLER) as content:
        assert content.read() == PDF
    with vault.open_content(doc_id, CITIZEN, byte_range=(0, 7)) as head:
        assert head.read() == b"%PDF-1.7"
    linked = vault.dossier_documents(code, ADMIN)
    assert [(d.document.id, d.reused) for d in linked] == [(doc_id, False)]
    with vault.sessions() as session:
        rows = session.execute(select(AccessLog).order_by(AccessLog.seq)).scalars().all()
        actions = [(r.action, r.subject, r.role) for r in rows]
        keys = session.execute(select(DocumentVersion.object_key)).scalars().all()
    assert actions[0] == ("store", "station-1", "station")
    assert ("read", "handler-1", "handler") in actions and ("view", "citizen-1", "citizen") in actions
    assert rows[-1].purpose is None and any(r.purpose == "giải quyết hồ sơ" for r in rows)
    assert all(PERSON not in key for key in keys)  # the personal ID never appears in object keys


def test_idempotency_key_never_stores_a_second_copy(vault: Vault) -> None:
    dossier = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    new = NewDocument(owner_id=PERSON, name="Đơn", source_dossier_code=dossier.code)
    first = vault.store_document(new, PDF, STATION, idempotency_key="batch-1:0")
    again = vault.store_document(new, PDF, STATION, idempotency_key="batch-1:0")
    assert first.id == again.id
    assert len(vault.list_owner_documents(PERSON, CITIZEN)) == 1


def test_foreign_documents_are_not_found(vault: Vault) -> None:
    _, doc_id = store(vault)
    for stranger in (OTHER_CITIZEN, OTHER_HANDLER, Actor("portal", Role.PORTAL, purpose="tra cứu")):
        with pytest.raises(NotFound):
            vault.get_document(doc_id, stranger)
        with pytest.raises(NotFound):
            vault.open_content(doc_id, stranger)
    with pytest.raises(NotFound):
        vault.get_document("0" * 32, CITIZEN)


def test_grants_are_per_purpose_revocable_and_time_bound(vault: Vault) -> None:
    _, doc_id = store(vault, type_code="GKS")
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    assert not vault.check_grant(doc_id, OTHER_HANDLER)  # silence is not consent
    assert not vault.check_grant("0" * 32, OTHER_HANDLER)
    with pytest.raises(Forbidden):
        vault.create_grant(PERSON, OTHER_AGENCY, "giải quyết hồ sơ", until, OTHER_CITIZEN, document_id=doc_id)
    grant = vault.create_grant(PERSON, OTHER_AGENCY, "giải quyết hồ sơ", until, CITIZEN, document_id=doc_id)
    assert vault.check_grant(doc_id, OTHER_HANDLER)
    assert vault.get_document(doc_id, OTHER_HANDLER).id == doc_id
    wrong_purpose = Actor("handler-9", Role.HANDLER, agency_code=OTHER_AGENCY, purpose="tiếp thị")
    assert not vault.check_grant(doc_id, wrong_purpose)
    with pytest.raises(NotFound):
        vault.get_document(doc_id, wrong_purpose)
    by_type = vault.create_grant(PERSON, "portal", "liên thông", until, CITIZEN, type_code="GKS")
    portal = Actor("portal", Role.PORTAL, purpose="liên thông")
    assert vault.check_grant(doc_id, portal)
    assert {g.id for g in vault.list_grants(PERSON, CITIZEN, active_only=True)} == {grant.id, by_type.id}
    vault.revoke_grant(grant.id, CITIZEN)
    assert not vault.check_grant(doc_id, OTHER_HANDLER)
    with pytest.raises(GrantLapsed, match=f"grant {grant.id} for this purpose was revoked"):  # it held it: told why
        vault.open_content(doc_id, OTHER_HANDLER)
    with pytest.raises(InvalidInput):
        vault.create_grant(
            PERSON, OTHER_AGENCY, "x", dt.datetime.now(dt.UTC) - dt.timedelta(days=1), CITIZEN, document_id=doc_id
        )
    with pytest.raises(InvalidInput):
        vault.create_grant(PERSON, OTHER_AGENCY, "x", until, CITIZEN)  # neither document nor type


def test_reuse_links_never_copies_and_records_an_event(vault: Vault) -> None:
    _, doc_id = store(vault)
    new_dossier = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    with vault.sessions() as session:
        objects_before = session.execute(select(func.count()).select_from(DocumentVersion)).scalar_one()
    linked = vault.attach(new_dossier.code, doc_id, "Bản sao giấy khai sinh", CITIZEN)
    assert linked.reused and linked.document.id == doc_id
    docs = vault.dossier_documents(new_dossier.code, ADMIN)
    assert [(d.document.id, d.component_name, d.reused) for d in docs] == [(doc_id, "Bản sao giấy khai sinh", True)]
    with vault.sessions() as session:
        assert session.execute(select(func.count()).select_from(DocumentVersion)).scalar_one() == objects_before
        reuse = session.execute(select(AccessLog).where(AccessLog.action == "reuse")).scalar_one()
        assert reuse.dossier_code == new_dossier.code and reuse.document_id == doc_id
    with pytest.raises(Conflict):
        vault.attach(new_dossier.code, doc_id, "again", CITIZEN)


def test_reuse_refused_for_expired_revoked_cancelled_and_foreign(vault: Vault) -> None:
    yesterday = dt.date.today() - dt.timedelta(days=2)
    _, expired = store(vault, valid_until=yesterday)
    assert vault.get_document(expired, CITIZEN).status is DocumentStatus.EXPIRED
    _, revoked = store(vault)
    vault.set_status(revoked, DocumentStatus.REVOKED, "thu hồi theo quyết định 12/QĐ", HANDLER)
    _, cancelled = store(vault, kind=DocumentKind.RESULT)
    vault.set_status(cancelled, DocumentStatus.CANCELLED, "hủy kết quả", ADMIN)
    assert vault.get_document(cancelled, CITIZEN).status is DocumentStatus.CANCELLED  # kept for look-up
    target = vault.create_dossier(AGENCY, PROCEDURE, PERSON)
    for doc_id in (expired, revoked, cancelled):
        with pytest.raises(ReuseRefused):
            vault.attach(target.code, doc_id, "thành phần", CITIZEN)
    _, foreign = store(vault, owner=OTHER_PERSON)
    with pytest.raises(NotFound):
        vault.attach(target.code, foreign, "thành phần", HANDLER)
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    other = Actor("citizen-2", Role.CITIZEN, owner_id=OTHER_PERSON)
    vault.create_grant(OTHER_PERSON, AGENCY, "giải quyết hồ sơ", until, other, document_id=foreign)
    assert vault.attach(target.code, foreign, "thành phần", HANDLER).reused
    with pytest.raises(NotFound):  # another agency's handler cannot even see it
        vault.set_status(foreign, DocumentStatus.REVOKED, "x", OTHER_HANDLER)


def test_results_get_result_codes(vault: Vault) -> None:
    dossier = vault.create_dossier(AGENCY, PROCEDURE, COMPANY)
    codes = []
    for _ in range(2):
        new = NewDocument(
            owner_id=COMPANY, name="Giấy phép", kind=DocumentKind.RESULT, source_dossier_code=dossier.code
        )
        codes.append(vault.store_document(new, PDF, HANDLER).result_code)
    assert codes == [f"{dossier.code}-KQ1", f"{dossier.code}-KQ2"]


def test_a_new_version_supersedes_and_the_old_stays_readable(vault: Vault) -> None:
    _, doc_id = store(vault)
    updated = vault.new_version(doc_id, PDF + b"v2", HANDLER, page_count=3)
    assert updated.current_version == 2 and updated.page_count == 3
    versions = vault.document_versions(doc_id, CITIZEN)
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].superseded_at is not None and versions[1].superseded_at is None
    with vault.open_content(doc_id, CITIZEN) as current:
        assert current.read() == PDF + b"v2"
    with vault.open_content(doc_id, CITIZEN, version=1) as old:
        assert old.read() == PDF
    replacement = vault.store_document(NewDocument(owner_id=PERSON, name="Giấy mới", supersedes=doc_id), PDF, STATION)
    old_record = vault.get_document(doc_id, CITIZEN)
    assert old_record.status is DocumentStatus.SUPERSEDED and old_record.superseded_by_id == replacement.id


def test_listing_an_owners_vault(vault: Vault) -> None:
    for _ in range(3):
        store(vault, type_code="GKS")
    store(vault, type_code="CCCD")
    store(vault, owner=OTHER_PERSON)
    assert len(vault.list_owner_documents(PERSON, ADMIN)) == 4
    assert len(vault.list_owner_documents(PERSON, ADMIN, DocumentFilters(type_code="GKS"))) == 3
    assert vault.list_owner_documents("079200000001", ADMIN) == []
    assert len(vault.list_owner_documents(PERSON, CITIZEN)) == 4
    with pytest.raises(Forbidden):
        vault.list_owner_documents(PERSON, OTHER_CITIZEN)
    with pytest.raises(Forbidden):
        vault.list_owner_documents(PERSON, HANDLER)  # not even the agency holding its dossiers
    with pytest.raises(InvalidInput):
        vault.list_owner_documents("12345", ADMIN)
    code, _ = store(vault)
    assert len(vault.dossier_documents(code, HANDLER)) == 1
    with pytest.raises(NotFound):
        vault.dossier_documents(code, OTHER_HANDLER)
    with vault.sessions() as session:
        listed = session.execute(select(AccessLog).where(AccessLog.action == "list")).scalars().all()
    expected = {("admin-1", None), ("citizen-1", None), ("handler-1", code)}
    assert {(r.subject, r.dossier_code) for r in listed} == expected


def test_the_audit_chain_detects_an_edited_and_a_deleted_row(vault: Vault) -> None:
    _, doc_id = store(vault)
    for _ in range(3):
        vault.get_document(doc_id, CITIZEN)
    assert vault.verify_audit_chain() == []
    with vault.sessions.begin() as session:
        ids = session.execute(select(AccessLog.id).order_by(AccessLog.seq)).scalars().all()
        session.execute(text("UPDATE access_log SET subject = 'someone-else' WHERE id = :id"), {"id": ids[1]})
    assert vault.verify_audit_chain() == [ids[1]]
    with vault.sessions.begin() as session:
        session.execute(text("UPDATE access_log SET subject = 'citizen-1' WHERE id = :id"), {"id": ids[1]})
        session.execute(text("DELETE FROM access_log WHERE id = :id"), {"id": ids[2]})
    assert vault.verify_audit_chain() == [ids[3]]


def test_only_writers_store(vault: Vault) -> None:
    new = NewDocument(owner_id=PERSON, name="Đơn")
    with pytest.raises(Forbidden):
        vault.store_document(new, PDF, Actor("portal", Role.PORTAL))
    with pytest.raises(Forbidden):
        vault.store_document(new, PDF, CITIZEN)  # a citizen uploads only as citizen_upload
    upload = vault.store_document(new.model_copy(update={"kind": DocumentKind.CITIZEN_UPLOAD}), PDF, CITIZEN)
    assert upload.kind is DocumentKind.CITIZEN_UPLOAD
    with pytest.raises(InvalidInput):
        vault.store_document(new, b"", STATION)
    with pytest.raises(InvalidInput):
        vault.store_document(new, Path("/nonexistent/scan.pdf"), STATION)
    with pytest.raises(NotFound):
        vault.store_document(new.model_copy(update={"source_dossier_code": f"{AGENCY}-250101-0009"}), PDF, STATION)
    with vault.sessions() as session:
        assert session.execute(select(func.count()).select_from(PendingWrite)).scalar_one() == 0
    assert len(vault.list_owner_documents(PERSON, CITIZEN)) == 1  # only the citizen's upload


def test_concurrent_new_versions_get_distinct_numbers(vault: Vault) -> None:
    _, doc_id = store(vault)

    def writer(index: int) -> None:
        tag = b"ab"[index : index + 1]
        for n in range(3):
            vault.new_version(doc_id, PDF + tag + bytes([n]), HANDLER)

    run_concurrently(2, writer)
    versions = vault.document_versions(doc_id, CITIZEN)
    assert [v.number for v in versions] == list(range(1, 8))
    assert vault.get_document(doc_id, CITIZEN).current_version == 7
    assert [v.number for v in versions if v.superseded_at is None] == [7]


@pytest.mark.slow
def test_two_writer_processes_get_distinct_dossier_codes(db_url: str, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    start = tmp_path / "go"
    args = [db_url, AGENCY, PROCEDURE, PERSON, "20", str(start), str(tmp_path / "objects")]
    env = {**os.environ, "PYTHONPATH": str(root)}
    writers = [
        subprocess.Popen(
            [sys.executable, str(root / "tests/vault/code_writer.py"), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    time.sleep(1.0)
    start.touch()
    outputs = [w.communicate(timeout=120) for w in writers]
    assert all(w.returncode == 0 for w in writers), [err.decode()[-500:] for _, err in outputs]
    codes = [line for out, _ in outputs for line in out.decode().split()]
    assert len(codes) == 40 and len(set(codes)) == 40
    assert sorted(int(code[-4:]) for code in codes) == list(range(1, 41))
