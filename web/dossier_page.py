"""The handler's dossier page as the dossier and result routes render it: the purpose asked first, the documents
with their badges, the dossier's life and moves, each result's history, and the forms' inputs kept on a refusal.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.dossier_views import ACTION_LABELS, dossier_status, event_out
from api.problems import Problem
from api.routers.documents import get_validation
from api.services import Services
from core.timezone import VN_TZ, now_vn
from core.types import Actor, Role
from vault.errors import NotFound
from web.docview import KIND_VI, cached_report, report_badge
from web.i18n import language
from web.purposes import at_counter
from web.render import page
from web.session import services_of, stated_purpose

ISSUED_VI = {  # a result's history, as the page names each step
    "store": "Ban hành (lưu vào kho)",
    "new_version": "Đính chính",
    "status:cancelled": "Hủy",
    "status:revoked": "Thu hồi",
    "status:valid": "Khôi phục hiệu lực",
}
STATUS_VI = {
    "valid": "Còn hiệu lực",
    "cancelled": "Đã hủy",
    "revoked": "Đã thu hồi",
    "superseded": "Đã được thay thế",
    "expired": "Hết hiệu lực",
}


def with_purpose(request: Request, actor: Actor, code: str) -> Actor | None:
    """The actor carrying the purpose stated for this dossier (a station: receiving it, `web.purposes`); None when
    a handler has not stated one yet."""
    if actor.role not in (Role.HANDLER, Role.PORTAL):
        return at_counter(actor, code)
    purpose = stated_purpose(request, code)
    return dataclasses.replace(actor, purpose=purpose) if purpose else None


def _dossier(svc: Services, code: str, actor: Actor) -> tuple[Any, list[Any]]:
    try:  # who may see the dossier, and each document's read authorised and logged: the vault's rules
        return svc.vault.dossier_and_documents(code, actor)
    except NotFound:
        raise Problem(404, "no such dossier") from None


def report_of(svc: Services, doc_id: str, sha256: str, actor: Actor) -> dict[str, Any]:
    """A document's validation report, cached by its bytes (the document page shows it too)."""
    return cached_report(svc.core, sha256, lambda: get_validation(doc_id, actor, svc))


async def dossier_page(
    request: Request,
    code: str,
    actor: Actor,
    error: str | None = None,
    status: int = 200,
    form: dict[str, Any] | None = None,
) -> Response:
    """The dossier page; `error` shown at the top (role=alert), `form` the inputs of the form that was refused
    (`result`: the new result's fields; `fix`: the result corrected or cancelled and the reason typed)."""
    reader = with_purpose(request, actor, code)
    if reader is None:
        return page(request, "purpose.html", {"code": code, "error": None})
    svc = services_of(request)
    dossier, linked = await run_in_threadpool(_dossier, svc, code, reader)
    docs = []
    for link in linked:
        doc = link.document
        report = await run_in_threadpool(report_of, svc, doc.id, doc.sha256, reader)
        docs.append({"link": link, "doc": doc, "badge": report_badge(report, language(request))})
    _record, events = await run_in_threadpool(svc.vault.dossier_history, code, reader)
    history = await run_in_threadpool(svc.vault.results_history, code, reader)
    life = await run_in_threadpool(dossier_status, svc, dossier, events, reader)
    context = {"dossier": dossier, "docs": docs, "kind_vi": KIND_VI, "purpose": reader.purpose, "state": life.state}
    context |= {"state_vi": life.state_vi, "life": life, "events": [event_out(e) for e in events], "error": error}
    context |= {"action_vi": ACTION_LABELS, "today": now_vn().strftime("%Y-%m-%dT%H:%M"), "vn": VN_TZ}
    context |= {"history": history, "issued_vi": ISSUED_VI, "status_vi": STATUS_VI, "form": form or {}}
    own_results = [d["doc"] for d in docs if d["doc"].kind == "result" and not d["link"].reused]  # not a paper reused
    context["has_valid_result"] = any(doc.status == "valid" for doc in own_results)
    return page(request, "dossier.html", context, status=status)
