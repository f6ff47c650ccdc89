"""The counter's batch page says why a running document waits, live, in the page's language: until 1 Dec 2026 the
live update always read "đang chờ dịch vụ cấp dấu thời gian" (the TSA), also for a retried fault; a worker whose
disk is full now waits too and must not read as the TSA (Chị Mai's step 3, walked 2026-12-01)."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.batches import WAITING_NOTES
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
