"""What waits and why, in one read for the operator (`sohoa ops status`, `/van-hanh`, the admin API): each fact
read by the stage that owns it, assembled here with what is stuck beyond a threshold. No personal data.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from api.services import Services
from ingest.failed_batches import FailedBatches, failed_batches
from ingest.staging import StagingArea
from ingest.state_words import STATE_WORDS
from ingest.sweep import abandoned_staging
from ingest.waits import WaitingBatch, waiting_batches
from issuing.waits import LongTermDue, Outgoing, longterm_due, portal_outbox, webhook_deliveries
from vault.models import utcnow

LONGTERM_LATE = dt.timedelta(days=2)  # the job runs nightly: a signature due for longer was missed twice
MOVING = ("queued", "running")  # batches a worker should be moving; the others wait for people


class Broker(BaseModel):
    reachable: bool
    queues: dict[str, int]  # messages waiting per Celery queue
    error: str | None = None
    workers: list[str] | None = None  # the workers that answered a ping; None when not asked (or not askable)


class Component(BaseModel):
    reachable: bool
    error: str | None = None


class Disk(BaseModel):
    path_label: str  # "data folder": never the server's path
    free_bytes: int
    min_free_bytes: int


class Problem(BaseModel):
    key: str  # batch:<id>, portal_outbox, broker, …
    text: str  # Vietnamese, what the operator reads


class OpsStatus(BaseModel):
    at: dt.datetime
    stuck_after_seconds: int
    batches: list[WaitingBatch]
    batches_by_state: dict[str, int]
    portal_outbox: Outgoing | None
    webhooks: Outgoing | None
    longterm: LongTermDue | None
    staging_leftovers: list[str] | None  # batch ids whose staging nobody owns (the sweep removes them)
    broker: Broker
    object_store: Component
    disk: Disk
    problems: list[Problem]
    failed_batches: FailedBatches | None = None  # ended failed in the last 24 hours (finished: not waiting)


def _age(now: dt.datetime, since: dt.datetime | None) -> float:
    return (now - since).total_seconds() if since is not None else 0.0


def _failure(exc: Exception) -> str:
    return type(exc).__name__


@dataclass(frozen=True)
class Sources:
    """Where the read looks, each opened only inside it: a part that cannot be opened (the catalogue or the S3
    server down) is reported, never raised. `sources_of` takes them from an app's services; the CLI builds its own."""

    sessions: Callable[[], sessionmaker[Session]]
    probe_store: Callable[[], object]  # raises when the vault's object store does not answer
    staging: Callable[[], StagingArea]
    data_dir: Path
    staging_sweep_after_seconds: int
    queue_depths: Callable[[], dict[str, int]] | None  # raises when the broker does not answer
    workers: Callable[[], list[str]] | None = None  # the workers answering a ping (raises: cannot be asked)


def sources_of(svc: Services) -> Sources:
    return Sources(
        sessions=lambda: svc.sessions,
        probe_store=lambda: svc.vault.store.exists("readiness-probe"),
        staging=svc.staging,
        data_dir=svc.core.data_dir,
        staging_sweep_after_seconds=svc.ingest.staging_sweep_after_seconds,
        queue_depths=svc.queue_depths,
        workers=svc.worker_names,
    )


def _broker(read: Callable[[], dict[str, int]] | None, ping: Callable[[], list[str]] | None = None) -> Broker:
    if read is None:
        return Broker(reachable=False, queues={}, error="not configured")
    try:
        queues = read()
    except Exception as exc:  # the status reports the broker down rather than failing
        return Broker(reachable=False, queues={}, error=_failure(exc))
    try:
        workers = sorted(ping()) if ping is not None else None
    except Exception:  # a broker without broadcast (the embedded one): workers are not asked
        workers = None
    return Broker(reachable=True, queues=queues, workers=workers)


def _object_store(sources: Sources) -> Component:
    try:
        sources.probe_store()
        return Component(reachable=True)
    except Exception as exc:
        return Component(reachable=False, error=_failure(exc))


def _leftovers(sources: Sources, sessions: sessionmaker[Session] | None) -> list[str] | None:
    if sessions is None:
        return None
    try:
        found = abandoned_staging(sources.staging(), sessions, sources.staging_sweep_after_seconds)
    except Exception:  # the staging bucket unreachable: the object store's line says so
        return None
    return sorted(staged.batch_id for staged in found)


def _disk(folder: Path, min_free: int) -> Disk:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return Disk(path_label="data folder", free_bytes=shutil.disk_usage(folder).free, min_free_bytes=min_free)


def read_status(
    sources: Sources,
    *,
    stuck_after_seconds: int,
    min_free_bytes: int,
    now: dt.datetime | None = None,
) -> OpsStatus:
    """Everything that waits, and the problems: what is stuck longer than `stuck_after_seconds` or cannot be
    reached. The parts read from the database are None when it cannot be read (a problem says why)."""
    now = now or utcnow()
    problems: list[Problem] = []
    sessions: sessionmaker[Session] | None = None
    try:
        sessions = sources.sessions()
        with sessions() as session:
            batches, failed = waiting_batches(session, now), failed_batches(session, now)
            outbox, hooks, longterm = portal_outbox(session), webhook_deliveries(session), longterm_due(session, now)
    except Exception as exc:
        hint = " — chạy sohoa migrate" if _failure(exc) == "SchemaOutOfDate" else ""
        problems.append(Problem(key="database", text=f"Không đọc được cơ sở dữ liệu ({_failure(exc)}){hint}"))
        sessions, batches, failed, outbox, hooks, longterm = None, [], None, None, None, None
    by_state: dict[str, int] = {}
    for batch in batches:
        by_state[batch.status] = by_state.get(batch.status, 0) + 1
    status = OpsStatus(
        at=now,
        stuck_after_seconds=stuck_after_seconds,
        batches=batches,
        batches_by_state=by_state,
        portal_outbox=outbox,
        webhooks=hooks,
        longterm=longterm,
        staging_leftovers=_leftovers(sources, sessions),
        broker=_broker(sources.queue_depths, sources.workers),
        object_store=_object_store(sources),
        disk=_disk(sources.data_dir, min_free_bytes),
        problems=problems,
        failed_batches=failed,
    )
    status.problems.extend(find_problems(status, now))
    return status


def find_problems(status: OpsStatus, now: dt.datetime) -> list[Problem]:
    """What is stuck beyond the threshold, or down: the reasons an alert fires."""
    limit = status.stuck_after_seconds
    found = [
        Problem(
            key=f"batch:{b.batch_id}",
            text=f"Lô {b.batch_id} ({STATE_WORDS[b.status].lower()}) chưa xong sau {age_words(b.age_seconds)}",
        )
        for b in status.batches
        if b.status in MOVING and b.age_seconds > limit
    ]
    found += [
        Problem(key=f"batch:{b.batch_id}:{d.index}", text=f"Lô {b.batch_id}, tài liệu {d.number}: quá hạn — {d.reason}")
        for b in status.batches
        for d in b.documents
        if d.deadline is not None and d.deadline < now
    ]
    for key, label, out in (
        ("portal_outbox", "Cổng DVC", status.portal_outbox),
        ("webhooks", "Webhook", status.webhooks),
    ):
        if out is not None and _age(now, out.oldest_pending_at) > limit:
            found.append(Problem(key=key, text=f"{label}: {out.pending} thông điệp chờ gửi quá {age_words(limit)}"))
        if out is not None and out.dead:
            found.append(Problem(key=f"{key}:dead", text=f"{label}: {out.dead} thông điệp gửi lỗi hẳn, cần gửi lại"))
    if status.longterm is not None and _age(now, status.longterm.oldest_due_at) > LONGTERM_LATE.total_seconds():
        found.append(Problem(key="longterm", text=f"{status.longterm.due} chữ ký quá hạn nâng cấp/gia hạn dài hạn"))
    at_bb = status.longterm
    late = at_bb is not None and _age(now, at_bb.oldest_at_bb_since) > LONGTERM_LATE.total_seconds()
    if at_bb is not None and at_bb.at_bb and at_bb.tsa_configured and late:  # no TSA: development signatures
        age = age_words(_age(now, at_bb.oldest_at_bb_since))
        found.append(Problem(key="longterm:bb", text=f"{at_bb.at_bb} tài liệu có {at_bb.at_bb_reason}; lâu nhất {age}"))
    if not status.broker.reachable:
        found.append(Problem(key="broker", text=f"Hàng đợi (broker) không phản hồi ({status.broker.error})"))
    waiting = sum(status.broker.queues.values())
    if status.broker.workers == [] and waiting:
        found.append(Problem(key="workers", text=f"Không worker nào trả lời — {waiting} việc chờ trong hàng đợi"))
    if not status.object_store.reachable:
        found.append(Problem(key="object_store", text=f"Kho đối tượng S3 không phản hồi ({status.object_store.error})"))
    if status.disk.free_bytes < status.disk.min_free_bytes:
        found.append(Problem(key="disk", text=f"Thư mục dữ liệu còn {status.disk.free_bytes // 1024**2} MiB trống"))
    return found


def age_words(seconds: float) -> str:
    """An age as the operator reads it: "3 ngày 2 giờ", "2 giờ 5 phút", "4 phút"."""
    minutes = int(seconds // 60)
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} ngày {hours} giờ" if hours else f"{days} ngày"
    if hours:
        return f"{hours} giờ {mins} phút" if mins else f"{hours} giờ"
    return f"{mins} phút"
