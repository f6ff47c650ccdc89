"""Which documents a dead step left: a lapsed lease (a holder on another host stopped its heartbeat) or a holder
whose process is gone from this host; live leases, queued documents and finished ones are left alone, and a
dead lease is released once, so the document is sent again once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ingest import batches
from ingest.db import migrate
from vault.db import make_engine, session_factory

NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def _catalogue(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrate(url)
    return session_factory(make_engine(url))


def test_lapsed_and_dead_leases_are_abandoned_and_released_once(tmp_path: Path) -> None:
    sessions = _catalogue(tmp_path)
    planned = [batches.PlannedDocument(f"Tài liệu {i}", None, "component", [i]) for i in range(5)]
    new = batches.NewBatch("b1", "QT-01", "000.00.00.H30", "1.0", "D-1", "045190001234", "st", 5, "/x", planned)
    leases = {
        0: ("t0@host-a:10", NOW - dt.timedelta(seconds=1)),  # lapsed: its heartbeat stopped
        1: ("t1@host-a:11", NOW + dt.timedelta(seconds=30)),  # live
        2: ("t2@here:12", NOW + dt.timedelta(seconds=30)),  # live lease, but its process is gone
        3: (None, None),  # between two steps
    }
    with sessions.begin() as session:
        batches.create_batch(session, new)
        for index, (owner, until) in leases.items():
            batches.update_document(
                session, "b1", index, status=batches.DocState.RUNNING, lease_owner=owner, lease_until=until
            )
    with sessions() as session:
        found = batches.abandoned_documents(session, NOW, lambda owner: owner.endswith(":12"))
    assert found == [("b1", 0, 1, "t0@host-a:10"), ("b1", 2, 1, "t2@here:12")]
    with sessions.begin() as session:
        assert batches.release_lease(session, "b1", 0, "t0@host-a:10")
        assert not batches.release_lease(session, "b1", 0, "t0@host-a:10")  # released already: not sent twice
        assert not batches.release_lease(session, "b1", 1, "someone-else")  # renewed or taken meanwhile
    with sessions() as session:
        assert [i for _, i, _, _ in batches.abandoned_documents(session, NOW, lambda o: o.endswith(":12"))] == [2]
