"""The batch page of a paper waiting for the officer's own token says how to sign it: start `sohoa sign-agent` on her
PC, with this server's address (walked 2026-11-30 night: it said only "Chờ cán bộ ký bằng chứng thư số của mình").
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from starlette.requests import Request

from web.i18n import translator
from web.render import TEMPLATES
from web.routers.counter import CHOICE_VI, STATUS_VI, STEP_VI, VERDICT_VI


def _render(lang: str, status: str) -> str:
    request = Request({"type": "http", "method": "GET", "path": "/quay/lo/b", "headers": [], "query_string": b""})
    doc = SimpleNamespace(
        index=0,
        id=None,
        name="Giấy tờ 1",
        type_code=None,
        status=status,
        note=None,
        signature=None,
        pages=1,
        error="Chờ cán bộ ký bằng chứng thư số của mình (hạn 05:23 04/12/2026)",
        scanned_before=None,
        choice=None,
        replaced_by=None,
        choice_until=None,
    )
    batch = SimpleNamespace(batch_id="b" * 32, dossier_code="000.00.00.H30-261130-0042", status=status)
    context: dict[str, Any] = {
        "request": request,
        "t": translator(lang),
        "lang": lang,
        "other_lang_url": "/",
        "actor": None,
        "user_name": None,
        "role_label": None,
        "nav": [],
        "csrf": "",
        "path": "/quay/lo/b",
        "agency_label": lambda code: code,
        "batch": batch,
        "status_vi": STATUS_VI,
        "step_vi": STEP_VI,
        "verdict_vi": VERDICT_VI,
        "choice_vi": CHOICE_VI,
        "vn": dt.UTC,
        "finished": True,
        "replacing": False,
        "all_replaced": False,
        "server_url": "http://127.0.0.1:8000",
        "documents": [{"doc": doc, "pages": [{"number": 1, "reason": None}], "rescan": False, "badge": None}],
    }
    return TEMPLATES.env.get_template("batch.html").render(context)


def test_a_paper_waiting_for_the_token_names_the_sign_agent_command() -> None:
    html = _render("vi", "awaiting_signature")
    assert "trên máy tính của cán bộ, cắm thiết bị ký USB và chạy" in html
    command = 'sohoa sign-agent --server http://127.0.0.1:8000 --token-label "NHÃN-THIẾT-BỊ-KÝ"'
    assert f"<code>{command}</code>" in html.replace("&#34;", '"')
    assert "plug in the USB token" in _render("en", "awaiting_signature")
    assert "sohoa sign-agent" not in _render("vi", "done")
