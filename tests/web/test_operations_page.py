"""`/van-hanh` in Chromium, as Chị Mai (admin) reads it on the embedded default: a batch whose document waits for
the TSA for two hours is listed with its reason and named stuck, one awaiting the counter's choice is listed with
its deadline and not stuck; one waiting on a worker's full disk names the worker host; one whose every document
failed is listed among the batches failed in the last 24 hours; a document signed at B-B three days ago is counted
with its reason (the test stack, as the embedded default, has no TSA configured: development signatures at B-B are
not a problem); the broker, object store and disk lines; nothing personal on the page; axe-core; a station's
officer is kept out."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from sqlalchemy import update

from ingest import batches
from ingest.db import sessions
from ingest.models import Batch, BatchDocument
from issuing.longterm import TSA_DOWN, LongTermState
from issuing.waits import AT_BB_NO_TSA
from tests.support.stack import SohoaStack
from tests.support.uploads import AGENCY
from tests.web.conftest import open_person
from vault.models import Document, Owner

TSA_BATCH, CHOICE_BATCH, AT_BB_DOC, DISK_BATCH, FAILED_BATCH = "7a" * 16, "7b" * 16, "7c" * 16, "7e" * 16, "7f" * 16
DISK_FAILED = "ocr: gave up after 65 retries: disk full: no space left in the data folder of the worker on host w1"
OWNER, DOC_NAME = "045190009999", "Giấy khai sinh của Lê Thị Hoa"


def _waiting_rows(server: SohoaStack) -> None:
    """Two batches in the server's own catalogue: no task carries them, so they wait as written."""
    factory = sessions(f"sqlite:///{server.data_dir / 'vault' / 'catalogue.sqlite3'}")
    now = dt.datetime.now(dt.UTC)
    with factory.begin() as session:
        named = (
            (TSA_BATCH, "HS-TSA-1"),
            (CHOICE_BATCH, "HS-CHON-1"),
            (DISK_BATCH, "HS-DIA-1"),
            (FAILED_BATCH, "HS-LOI-1"),
        )
        for batch_id, dossier in named:
            planned = [batches.PlannedDocument(DOC_NAME, "GKS", "component", [0])]
            new = batches.NewBatch(batch_id, "st", AGENCY, "1.0", dossier, OWNER, "lan", 1, "/nowhere", planned)
            batches.create_batch(session, new)
        session.flush()
        session.execute(update(Batch).where(Batch.id == TSA_BATCH).values(created_at=now - dt.timedelta(hours=2)))
        session.execute(
            update(BatchDocument)
            .where(BatchDocument.batch_id == TSA_BATCH)
            .values(status="running", step="sign", waiting="trust_service", attempts=5)
        )
        session.execute(
            update(BatchDocument)
            .where(BatchDocument.batch_id == CHOICE_BATCH)
            .values(status="awaiting_choice", step="ocr", choice_until=now + dt.timedelta(hours=20))
        )
        session.execute(  # a worker's full disk: the lease of the task that met it names its host
            update(BatchDocument)
            .where(BatchDocument.batch_id == DISK_BATCH)
            .values(status="running", step="ocr", waiting="disk_full", attempts=2, lease_owner="3f9c@worker-b:4711")
        )
        session.execute(  # every document failed: the batch is finished, so it waits no more
            update(BatchDocument)
            .where(BatchDocument.batch_id == FAILED_BATCH)
            .values(status="failed", step="ocr", error=DISK_FAILED)
        )
        session.execute(update(Batch).where(Batch.id == FAILED_BATCH).values(finished_at=now))
        owner = Owner(owner_id=OWNER, partition="7d" * 16, kind="person")
        session.add(owner)
        session.flush()
        signed = now - dt.timedelta(days=3)
        session.add(
            Document(
                id=AT_BB_DOC,
                owner_pk=owner.id,
                name=DOC_NAME,
                kind="component",
                size=1,
                sha256="0" * 64,
                created_at=signed,
            )
        )
        session.flush()
        late = now + dt.timedelta(hours=1)
        session.add(LongTermState(document_id=AT_BB_DOC, version=1, level="B-B", next_check=late, last_error=TSA_DOWN))


def test_the_operator_sees_what_waits_and_why(browser: Any, server: SohoaStack, shots: Path) -> None:
    _waiting_rows(server)
    mai = open_person(browser, server, shots, role="admin", name="Phạm Thị Mai")
    mai.go("/van-hanh")
    assert mai.page.locator("h1").inner_text().startswith("Vận hành")
    problems = mai.page.locator("#problems").inner_text()
    assert f"Lô {TSA_BATCH} (đang xử lý) chưa xong sau 2 giờ" in problems, problems
    assert CHOICE_BATCH not in problems
    assert "B-B" not in problems, problems  # the test stack has no TSA: development signatures, nothing stuck
    tsa = mai.page.locator(f"tr[data-batch='{TSA_BATCH}']").inner_text()
    assert (
        "HS-TSA-1" in tsa and "TSA/OCSP không phản hồi" in tsa and "bước ký số · 5 lần thử" in tsa and "2 giờ" in tsa
    ), tsa
    assert "#1 · bước ký số" in tsa and "#0" not in tsa, tsa  # the batch's first document, counted from 1
    choice = mai.page.locator(f"tr[data-batch='{CHOICE_BATCH}']").inner_text()
    assert "Chờ quầy chọn" in choice and "chờ quầy chọn cách lưu (hạn" in choice, choice
    disk = mai.page.locator(f"tr[data-batch='{DISK_BATCH}']").inner_text()
    assert "Ổ đĩa của worker trên máy worker-b đầy ở bước nhận dạng (OCR)" in disk, disk
    assert mai.page.locator(f"tr[data-batch='{FAILED_BATCH}']").count() == 0  # finished: not among those that wait
    failed = mai.page.locator(f"tr[data-failed-batch='{FAILED_BATCH}']").inner_text()
    assert "HS-LOI-1" in failed and "1/1" in failed and "ổ đĩa đầy — giải phóng dung lượng" in failed, failed
    assert re.search(r"Lô lỗi trong 24 giờ qua \(\d+\)", mai.page.locator("#failed-h").inner_text())
    parts = mai.page.locator("#parts").inner_text()
    assert "Hàng đợi (broker)" in parts and "phản hồi" in parts and "MiB trống" in parts, parts
    at_bb = mai.page.locator("#at-bb").inner_text()  # every B-B document the shared stack signed so far, and ours
    assert re.fullmatch(rf"\d+ tài liệu ở mức B-B, lâu nhất 3 ngày: {re.escape(AT_BB_NO_TSA)}", at_bb), at_bb
    content = mai.page.content()
    assert OWNER not in content and "Lê Thị Hoa" not in content
    mai.shot("60-van-hanh")
    mai.check_accessibility()
    assert mai.page.locator("nav a[href='/van-hanh']").count() == 1
    mai.go("/van-hanh?lang=en")
    assert mai.page.locator("h1").inner_text() == "Operations: what waits and why"
    # the shared stack may hold other tests' unfinished batches: the heading counts the rows the table lists
    listed = mai.page.locator("tr[data-batch]").count()
    assert listed >= 2 and f"Unfinished batches ({listed})" in mai.page.locator("#batches-h").inner_text()
    assert "document(s) at B-B" in mai.page.locator("#at-bb").inner_text()
    assert "Batches failed in the last 24 hours" in mai.page.locator("#failed-h").inner_text()
    mai.shot("61-van-hanh-en")
    mai.go("/van-hanh?lang=vi")
    lan = open_person(browser, server, shots, role="station", name="Nguyễn Thị Lan", agency=AGENCY)
    refused = lan.go("/van-hanh")
    assert refused.status == 403 and TSA_BATCH not in lan.page.content()
