"""The admin API of what waits and why: an admin reads the report (a batch of the world waiting, the broker,
the object store), anyone else is refused."""

from __future__ import annotations

from core.types import Role
from tests.api.conftest import Api


def test_admins_read_what_waits_and_others_are_refused(api_app: Api, agency_code: str) -> None:
    answer = api_app.client.get("/api/v1/admin/operations", headers=api_app.headers(Role.ADMIN))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {"batches", "portal_outbox", "webhooks", "longterm", "broker", "object_store", "disk", "problems"} <= set(
        body
    )
    assert body["object_store"]["reachable"] is True and isinstance(body["problems"], list)
    for role in (Role.HANDLER, Role.STATION):
        refused = api_app.client.get("/api/v1/admin/operations", headers=api_app.headers(role, agency_code))
        assert refused.status_code == 403, role
    assert api_app.client.get("/api/v1/admin/operations").status_code == 401
