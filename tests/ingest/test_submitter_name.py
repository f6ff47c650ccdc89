"""The submitter's name (the token's `name` claim) goes with the batch to the signing step: the actor carries it,
the batch row keeps it (migration ingest_0005), the job hands it to the context's per-officer signer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.tokens import actor_from_claims
from core.types import Actor, Role
from ingest import context
from ingest.claim import _job
from ingest.models import Batch, BatchDocument
from ingest.staging import FolderArea
from issuing.agency import Issuer
from tests.support.jobs import BIRTH_CERTIFICATE, catalogue_with_batch

AGENCY = "000.00.00.H30"
LAN = "Nguyễn Thị Lan"


def test_the_token_name_claim_fills_the_actor_and_stays_out_of_its_repr() -> None:
    claims = {"sub": "QT-01", "role": "station", "agency": AGENCY}
    actor = actor_from_claims({**claims, "name": f"  {LAN} "})
    assert actor.name == LAN and LAN not in repr(actor)
    assert actor_from_claims(claims).name is None
    assert actor_from_claims({**claims, "name": "   "}).name is None


def test_the_batch_keeps_the_name_and_the_job_signs_with_it(tmp_path: Path) -> None:
    factory = catalogue_with_batch(tmp_path, [BIRTH_CERTIFICATE], submitter_name=LAN)
    with factory() as session:
        batch = session.get(Batch, "b1")
        assert batch is not None and batch.submitter_name == LAN
        [row] = session.query(BatchDocument).filter_by(batch_id="b1").all()
        job = _job(batch, row, FolderArea(tmp_path))
    assert (job.submitted_by, job.submitter_name) == ("QT-01", LAN) and LAN not in repr(job)
    asked: list[tuple[str, str | None]] = []

    def signer_for(sub: str, name: str | None) -> Any:
        asked.append((sub, name))
        return "signer"

    ctx = context.PipelineContext(
        sessions=factory,
        vault=lambda: pytest.fail("no vault in this test"),
        staging=lambda: FolderArea(tmp_path),
        officer_signer=lambda: pytest.fail("the per-officer signer is used"),
        issuer=Issuer(agency_signer=lambda: pytest.fail("no seal"), notify=lambda *_: None),
        officer_signer_for=signer_for,
    )
    assert ctx.signer_of(job.submitted_by, job.submitter_name) == "signer"
    assert asked == [("QT-01", LAN)]


def test_the_web_session_actor_carries_the_signed_in_name() -> None:
    from starlette.requests import Request

    from web.session import session_actor, sign_in

    request = Request({"type": "http", "session": {}})
    sign_in(request, Actor(subject="QT-01", role=Role.STATION, agency_code=AGENCY, name=LAN), LAN, 60)
    actor = session_actor(request)
    assert actor is not None and actor.name == LAN and actor.subject == "QT-01"


def test_sohoa_token_name_sets_the_name_claim(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import jwt

    command = [sys.executable, "-m", "cli", "token", "--role", "station", "--sub", "QT-01", "--agency", AGENCY]
    env = {**os.environ, "SOHOA_DATA_DIR": str(tmp_path / "data")}
    minted = subprocess.run([*command, "--name", LAN], env=env, capture_output=True, text=True, check=True)
    assert jwt.decode(minted.stdout.strip(), options={"verify_signature": False})["name"] == LAN
