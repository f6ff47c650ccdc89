"""`/ho-so/{code}`, the case handler's dossier: found by code or from a photo of the receipt's QR (decoded on the
server), its documents with thumbnails, a viewer, the signature badge, OCR text and fields, download. A handler
states the purpose once per dossier; it is kept in the session and every read is logged with it, as in the API.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response

from api.problems import Problem
from api.routers.documents import get_validation
from api.routers.public import STATE_LABELS
from api.services import Services
from api.views import content_response
from core.identifiers import InvalidIdentifier, validate_dossier_code
from core.types import Actor, Role
from vault.errors import NotFound
from web.docview import cached_report, field_rows, render_thumbnail, report_badge, thumbnail_path
from web.qrphoto import dossier_code_from_photo
from web.render import page
from web.session import CsrfChecked, require, services_of, state_purpose, stated_purpose

router = APIRouter()
Reader = Annotated[Actor, Depends(require(Role.HANDLER, Role.STATION, Role.CITIZEN))]
Handler = Annotated[Actor, Depends(require(Role.HANDLER))]
KIND_VI = {
    "component": "Thành phần hồ sơ",
    "result": "Kết quả giải quyết",
    "certified_copy": "Bản sao chứng thực",
    "citizen_upload": "Công dân nộp",
}


def _with_purpose(request: Request, actor: Actor, code: str) -> Actor | None:
    """The actor carrying the purpose stated for this dossier; None when a handler has not stated one yet."""
    if actor.role not in (Role.HANDLER, Role.PORTAL):
        return actor
    purpose = stated_purpose(request, code)
    return dataclasses.replace(actor, purpose=purpose) if purpose else None


@router.get("/ho-so")
def find(request: Request, actor: Handler, code: str | None = None) -> Response:
    if code:
        try:
            return RedirectResponse(f"/ho-so/{validate_dossier_code(code.strip())}", status_code=303)
        except InvalidIdentifier:
            return page(request, "find.html", {"error": "Mã hồ sơ không hợp lệ."}, status=422)
    return page(request, "find.html", {"error": None})


@router.post("/ho-so/qr")
async def find_by_photo(
    request: Request, actor: Handler, _: CsrfChecked, photo: Annotated[UploadFile, File()]
) -> Response:
    data = await photo.read(20 * 1024 * 1024 + 1)
    code = await run_in_threadpool(dossier_code_from_photo, data) if len(data) <= 20 * 1024 * 1024 else None
    if code is None:
        return page(request, "find.html", {"error": "Không đọc được mã QR của giấy tiếp nhận trong ảnh."}, 422)
    return RedirectResponse(f"/ho-so/{code}", status_code=303)


@router.post("/ho-so/{code}/muc-dich")
def state(request: Request, code: str, actor: Handler, _: CsrfChecked, purpose: Annotated[str, Form()]) -> Response:
    purpose = " ".join(purpose.split())[:500]
    if len(purpose) < 3:
        return page(request, "purpose.html", {"code": code, "error": "Nêu mục đích (ít nhất 3 ký tự)."}, 422)
    state_purpose(request, code, purpose)
    return RedirectResponse(f"/ho-so/{code}", status_code=303)


def _dossier(svc: Services, code: str, actor: Actor) -> tuple[Any, list[Any]]:
    try:  # who may see the dossier, and each document's read authorised and logged: the vault's rules
        return svc.vault.dossier_and_documents(code, actor)
    except NotFound:
        raise Problem(404, "no such dossier") from None


def _report(svc: Services, doc_id: str, sha256: str, actor: Actor) -> dict[str, Any]:
    return cached_report(svc.core, sha256, lambda: get_validation(doc_id, actor, svc))


@router.get("/ho-so/{code}")
async def dossier_page(request: Request, code: str, actor: Reader) -> Response:
    reader = _with_purpose(request, actor, code)
    if reader is None:
        return page(request, "purpose.html", {"code": code, "error": None})
    svc = services_of(request)
    dossier, linked = await run_in_threadpool(_dossier, svc, code, reader)
    docs = []
    for link in linked:
        doc = link.document
        report = await run_in_threadpool(_report, svc, doc.id, doc.sha256, reader)
        docs.append({"link": link, "doc": doc, "badge": report_badge(report)})
    state = "completed" if svc.vault.dossier_state(dossier.code).completed else str(dossier.status)
    context = {"dossier": dossier, "docs": docs, "kind_vi": KIND_VI, "purpose": reader.purpose, "state": state}
    context["state_vi"] = STATE_LABELS.get(state, state)
    return page(request, "dossier.html", context)


@router.get("/ho-so/{code}/tai-lieu/{doc_id}.pdf")
def document_pdf(
    request: Request,
    code: str,
    doc_id: str,
    actor: Reader,
    range_: Annotated[str | None, Header(alias="Range")] = None,
    download: bool = False,
) -> Response:
    reader = _with_purpose(request, actor, code)
    if reader is None:
        raise Problem(404, "no such document")
    svc = services_of(request)
    record = svc.vault.get_document(doc_id, reader, log_read=False)
    response = content_response(svc.vault, record, reader, range_)
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{record.result_code or record.id}.pdf"'
    return response


@router.get("/ho-so/{code}/tai-lieu/{doc_id}/trang/{number}.png")
def thumbnail(
    request: Request,
    code: str,
    doc_id: str,
    number: int,
    actor: Reader,
    w: Annotated[int, Query(ge=100, le=1400)] = 240,
) -> Response:
    reader = _with_purpose(request, actor, code)
    if reader is None:
        raise Problem(404, "no such page")
    svc = services_of(request)
    record = svc.vault.get_document(doc_id, reader, log_read=False)  # authorised (404 otherwise)
    if not 1 <= number <= (record.page_count or 1):
        raise Problem(404, "no such page")
    target = thumbnail_path(svc.core, record.sha256, number, w)
    if not target.exists():
        with svc.vault.open_content(doc_id, reader) as content:
            render_thumbnail(content.read(), number, target, w)
    return FileResponse(target, media_type="image/png", headers={"Cache-Control": "private, no-store"})


# Declared last: `{doc_id}` would also match "<id>.pdf".
@router.get("/ho-so/{code}/tai-lieu/{doc_id}")
async def document_page(request: Request, code: str, doc_id: str, actor: Reader) -> Response:
    reader = _with_purpose(request, actor, code)
    if reader is None:
        return RedirectResponse(f"/ho-so/{code}", status_code=303)
    svc = services_of(request)
    record = await run_in_threadpool(svc.vault.get_document, doc_id, reader)
    report = await run_in_threadpool(_report, svc, doc_id, record.sha256, reader)
    return page(
        request,
        "document.html",
        {"code": code, "doc": record, "badge": report_badge(report), "kind_vi": KIND_VI, "fields": field_rows(record)},
    )
