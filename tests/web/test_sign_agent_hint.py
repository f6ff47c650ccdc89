"""The batch page of a paper waiting for the officer's own token says how to sign it: start `sohoa sign-agent` on her
PC, with this server's address (walked 2026-11-30 night: it said only "Chờ cán bộ ký bằng chứng thư số của mình").
Through the real route (`GET /quay/lo/{batch}` of a running `sohoa serve`, Chromium, axe-core), in both languages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest import batches
from tests.support.stack import SohoaStack
from tests.web.conftest import at_the_counter, one_paper_batch

WAITING = "Chờ cán bộ ký bằng chứng thư số của mình (hạn 05:23 04/12/2026)"
COMMAND = 'sohoa sign-agent --server {url} --token-label "{label}"'


def _batch_awaiting_the_token(server: SohoaStack, *, settled: bool) -> str:
    """A one-paper batch of the counter's agency, written into the running server's catalogue: its paper waits for
    the officer's token when `settled`, else it failed (with the same words); its id."""
    with one_paper_batch(server) as (session, batch_id):
        state = batches.DocState.AWAITING_SIGNATURE if settled else batches.DocState.FAILED
        batches.update_document(session, batch_id, 0, status=state, step="sign", error=WAITING)
    return batch_id


def test_a_paper_waiting_for_the_token_names_the_sign_agent_command(
    browser: Any, server: SohoaStack, shots: Path
) -> None:
    waiting = _batch_awaiting_the_token(server, settled=True)
    failed = _batch_awaiting_the_token(server, settled=False)
    lan = at_the_counter(browser, server, shots)
    lan.go(f"/quay/lo/{waiting}")
    hint = lan.page.locator(".sign-agent-hint")
    assert "trên máy tính của cán bộ, cắm thiết bị ký USB và chạy" in hint.inner_text()
    command = COMMAND.format(url=server.url, label="NHÃN-THIẾT-BỊ-KÝ")
    assert hint.locator("code").inner_text() == command
    assert "SOHOA_TOKEN" in hint.inner_text()
    lan.shot("sign-agent-hint-vi")
    lan.check_accessibility()

    lan.go(f"/quay/lo/{waiting}?lang=en")
    assert "plug in the USB token" in lan.page.locator(".sign-agent-hint").inner_text()
    lan.shot("sign-agent-hint-en")
    lan.check_accessibility()

    lan.go(f"/quay/lo/{failed}")  # a paper not waiting for a token: no command to run
    assert lan.page.locator(".sign-agent-hint").count() == 0
    assert "sohoa sign-agent" not in lan.page.content()
    lan.page.context.close()
