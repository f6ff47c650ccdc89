"""The counter's batch page says why a running document waits, live, in the page's language: until 1 Dec 2026 the
live update always read "đang chờ dịch vụ cấp dấu thời gian" (the TSA), also for a retried fault; a worker whose
disk is full now waits too and must not read as the TSA (Chị Mai's step 3, walked 2026-12-01)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ingest import batches
from ingest.batches import WAITING_NOTES
from tests.support.stack import SohoaStack
from tests.web.conftest import at_the_counter, one_paper_batch
from web.i18n import EN

ROOT = Path(__file__).resolve().parents[2]


def test_the_live_page_has_each_waiting_note_by_its_code_in_both_languages() -> None:
    template = (ROOT / "web" / "templates" / "batch.html").read_text()
    found = re.search(r"data-waiting-notes='\{\{ (\{.*?\})\|tojson \}\}'", template)
    assert found, "batch.html: no data-waiting-notes"
    pairs = dict(re.findall(r'"(\w+)": t\("([^"]+)"\)', found.group(1)))
    assert pairs == WAITING_NOTES  # each code the pipeline records, with the words the server renders
    assert all(EN.get(note) for note in WAITING_NOTES.values())
    script = (ROOT / "web" / "static" / "batch.js").read_text()
    assert "notes[data.waiting]" in script and "waitingNote " not in script


def _running_batch(server: SohoaStack) -> str:
    """A one-paper batch of the counter's agency whose paper's OCR step waits for a worker's full disk."""
    with one_paper_batch(server) as (session, batch_id):
        held = {"lease_owner": "sohoa.ocr@worker-2:7", "lease_until": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)}
        batches.update_document(session, batch_id, 0, status=batches.DocState.RUNNING, step="ocr", attempts=3, **held)
        batches.update_document(session, batch_id, 0, waiting="disk_full")
    return batch_id


def test_the_counter_reads_a_full_disk_not_the_tsa_live_in_both_languages(
    browser: Any, server: SohoaStack, shots: Path
) -> None:
    lan = at_the_counter(browser, server, shots)
    note = lan.page.locator("#doc-0 .doc-note")
    for lang, words in (
        ("vi", "(ổ đĩa của worker đầy, chờ thử lại)"),
        ("en", "(the worker's disk is full, waiting to retry)"),
    ):
        batch_id = _running_batch(server)  # each its own: the server's sweeps may end a batch staged nowhere
        lan.go(f"/quay/lo/{batch_id}?lang={lang}")
        lan.page.wait_for_timeout(2500)  # the events replayed since the batch began have reached the page
        assert note.inner_text() == words
        lan.shot(f"waiting-disk-full-{lang}")
    lan.page.context.close()
