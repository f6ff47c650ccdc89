"""A dossier opened by a station's scan batch is announced like any other opening: its first event (`receive`) and
one `dossier.received` webhook; the next batch into the same dossier announces nothing."""

from __future__ import annotations

import pytest

from core.types import Actor, Role
from ingest.manifest import Manifest
from issuing import webhooks
from tests.api.conftest import OWNER_ID, Api

pytestmark = pytest.mark.slow


def test_a_scan_batch_opening_sends_dossier_received_once(api_app: Api, agency_code: str) -> None:
    with api_app.services.sessions.begin() as session:
        hook = webhooks.register(session, agency_code, "https://one-stop.example.vn/hooks", ["dossier.received"], "t")
    station = Actor("QT-01", Role.STATION, agency_code=agency_code, purpose="số hóa")
    manifest = Manifest.model_validate(
        {"station_id": "QT-01", "agency_code": agency_code, "procedure_code": "1.011442.000.00.00.H30",
         "owner_id": OWNER_ID, "owner_name": "Nguyễn Văn An", "split": "qr"}
    )  # fmt: skip
    code = api_app.services.open_dossier(manifest, station)  # as the batch intake opens it
    again = api_app.services.open_dossier(manifest.model_copy(update={"dossier_code": code}), station)
    assert again == code
    _dossier, events = api_app.services.vault.dossier_history(code, station)
    assert [(e.action, e.to_state, e.actor_subject) for e in events] == [("receive", "received", "QT-01")]
    with api_app.services.sessions() as session:
        sent = [(d.event, d.payload) for d in session.query(webhooks.Delivery).filter_by(webhook_id=hook.id)]
    assert [event for event, _ in sent] == ["dossier.received"]
    payload = sent[0][1]
    assert (payload["dossier_code"], payload["action"], payload["state"]) == (code, "receive", "received")
    assert OWNER_ID not in str(payload)
