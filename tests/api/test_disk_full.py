"""A full disk: `/readyz` is not ready below the free-space threshold, and an upload that cannot be staged
(ENOSPC) is a 507 problem (RFC 9457), not a bare 500, with nothing left in staging.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import api.uploads as upload_spool
from api.app import create_app
from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import CoreSettings
from core.types import Role
from runtime.app import api_services
from tests.api.test_auth_ops import core  # noqa: F401  (the fixture)

AGENCY = "000.00.00.H30"


def test_readyz_is_not_ready_below_the_free_space_threshold(core: CoreSettings) -> None:  # noqa: F811
    app = create_app(ApiSettings(min_free_disk_bytes=2**62), core, services=api_services(core))
    response = TestClient(app).get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["disk"].startswith("failed: OSError")


def test_an_upload_on_a_full_disk_is_a_507_problem(core: CoreSettings, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    def full(target: Path) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(upload_spool, "open_new_private", full)
    api = ApiSettings()
    client = TestClient(create_app(api, core, services=api_services(core)), raise_server_exceptions=False)
    token = mint_development_token(api, core, role=Role.STATION, subject="QT-01", agency_code=AGENCY)
    manifest = {
        "station_id": "QT-01",
        "agency_code": AGENCY,
        "procedure_code": "1.011442.000.00.00.H30",
        "owner_id": "045190001234",
        "split": "none",
    }
    response = client.post(
        "/api/v1/batches",
        headers={"Authorization": f"Bearer {token}"},
        data={"manifest": json.dumps(manifest)},
        files=[("files", ("p1.jpg", b"\xff\xd8\xff" + b"0" * 100, "image/jpeg"))],
    )
    assert response.status_code == 507, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert list((core.data_dir / "ingest" / "batches").iterdir()) == []
