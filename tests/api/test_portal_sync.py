"""The admin API of the portal outbox: backlog, dead letters with their error, replay; bad bodies are 422."""

from __future__ import annotations

from sqlalchemy import update

from core.types import Role
from tests.api.conftest import Api
from vault import outbox
from vault.models import OutboxMessage


def test_dead_letters_are_listed_and_replayed(api_app: Api, agency_code: str) -> None:
    sessions = api_app.services.sessions
    with sessions.begin() as session:
        session.info[outbox.ENABLED] = True
        first = outbox.write(session, "dossier.status_changed", "dossier:X", {"dossier_code": "X"})
        outbox.write(session, "dossier.status_changed", "dossier:X", {"dossier_code": "X"})
        session.flush()
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == first)
            .values(status="dead", attempts=12, last_error="HTTP 503")
        )
    admin = api_app.headers(Role.ADMIN)
    status = api_app.client.get("/api/v1/admin/portal-sync", headers=admin)
    assert status.status_code == 200, status.text
    body = status.json()
    assert body["dead"] >= 1 and body["pending"] >= 1
    letter = next(d for d in body["dead_letters"] if d["id"] == first)
    assert (letter["attempts"], letter["last_error"], letter["stream"]) == (12, "HTTP 503", "dossier:X")
    replay = api_app.client.post("/api/v1/admin/portal-sync/replay", headers=admin, json={"ids": [first]})
    assert replay.json() == {"replayed": 1}
    again = api_app.client.get("/api/v1/admin/portal-sync", headers=admin).json()
    assert first not in {d["id"] for d in again["dead_letters"]}
    for bad in ({}, {"ids": [first], "all": True}, {"ids": ["nothex"]}, {"all": True, "extra": 1}):
        refused = api_app.client.post("/api/v1/admin/portal-sync/replay", headers=admin, json=bad)
        assert refused.status_code == 422, bad
    handler = api_app.headers(Role.HANDLER, agency_code)
    assert api_app.client.get("/api/v1/admin/portal-sync", headers=handler).status_code == 403
