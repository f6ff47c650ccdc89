"""The first electronic result stored for an open dossier moves it to "đã có kết quả" (`result_ready`) in the
same transaction, with its event and portal message; further results, replays and stopped dossiers do not move it
again; two results stored at once make one move (SQLite and PostgreSQL).
"""

from __future__ import annotations

import threading

from sqlalchemy import select

from core.types import Actor, DocumentKind, Role
from tests.vault.conftest import AGENCY, PERSON, PROCEDURE
from vault import outbox
from vault.lifecycle import Action, Step, result_note
from vault.models import OutboxMessage
from vault.records import NewDocument
from vault.service import Vault

STATION = Actor("station-1", Role.STATION, agency_code=AGENCY)
HANDLER = Actor("handler-1", Role.HANDLER, agency_code=AGENCY, purpose="giải quyết hồ sơ")
PDF = b"%PDF-1.7 result\n%%EOF\n"


def _result(code: str, name: str = "Giấy phép") -> NewDocument:
    return NewDocument(owner_id=PERSON, name=name, kind=DocumentKind.RESULT, source_dossier_code=code)


def _moves(vault: Vault, code: str) -> list[tuple[str, str | None, str, str | None]]:
    _dossier, events = vault.dossier_history(code, HANDLER)
    return [(e.action, e.from_state, e.to_state, e.note) for e in events if e.action == Action.RESULT_READY]


def test_the_first_result_moves_the_dossier_once_with_its_portal_message(vault: Vault) -> None:
    outbox.enable(vault.sessions)
    code = vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION).code
    vault.transition(code, Action.ASSIGN, HANDLER, Step(department="Phòng Quản lý đô thị"))
    first = vault.store_document(_result(code), PDF, HANDLER, idempotency_key=f"kq-{code}")
    assert first.result_code == f"{code}-KQ1"
    assert vault.get_dossier(code, HANDLER).status == "result_ready"
    assert _moves(vault, code) == [("result_ready", "processing", "result_ready", result_note(f"{code}-KQ1"))]
    _dossier, events = vault.dossier_history(code, HANDLER)
    assert events[-1].actor_subject == HANDLER.subject and events[-1].department == "Phòng Quản lý đô thị"
    with vault.sessions() as session:
        topics = session.scalars(
            select(OutboxMessage.topic).where(OutboxMessage.stream == f"dossier:{code}").order_by(OutboxMessage.id)
        ).all()
        moved = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "dossier.status_changed")).all()
    assert "result.issued" in topics
    assert [m.payload["to_state"] for m in moved if m.payload["dossier_code"] == code][-1] == "result_ready"

    again = vault.store_document(_result(code), PDF, HANDLER, idempotency_key=f"kq-{code}")  # a replay
    second = vault.store_document(_result(code, "Quyết định"), PDF + b"2", HANDLER)  # a further result: KQ2
    assert again.id == first.id and second.result_code == f"{code}-KQ2"
    assert len(_moves(vault, code)) == 1 and vault.get_dossier(code, HANDLER).status == "result_ready"


def test_a_result_stored_while_papers_are_awaited_leaves_the_state(vault: Vault) -> None:
    code = vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION).code
    vault.transition(code, Action.REQUEST_SUPPLEMENT, HANDLER, Step(note="Cần bổ sung: bản vẽ"))
    vault.store_document(_result(code), PDF, HANDLER)
    assert vault.get_dossier(code, HANDLER).status == "supplement_requested" and _moves(vault, code) == []


def test_two_results_stored_at_once_make_one_move(vault: Vault) -> None:
    code = vault.open_dossier(AGENCY, PROCEDURE, PERSON, STATION).code
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def store(index: int) -> None:
        try:
            start.wait()
            vault.store_document(_result(code, f"Kết quả {index}"), PDF + bytes([index]), HANDLER)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=store, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    codes = sorted(item.document.result_code or "" for item in vault.dossier_and_documents(code, HANDLER)[1])
    assert codes == [f"{code}-KQ1", f"{code}-KQ2"]
    assert len(_moves(vault, code)) == 1
