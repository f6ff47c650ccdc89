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
from pydantic import ValidationError

from api.dossier_views import ACTION_LABELS, dossier_status, event_out
from api.errors import status_of
from api.problems import Problem
from api.routers.documents import get_validation
from api.routers.dossiers import MoveIn
from api.routers.dossiers import move as move_dossier
from api.services import Services
from api.views import content_response, read_pdf
from core.identifiers import InvalidIdentifier, validate_dossier_code
from core.timezone import VN_TZ, now_vn
from core.types import Actor, Role
from issuing.results import ResultFields, ResultRefused, issue_result
from signing.errors import PdfInputError, SigningError
from vault.errors import Conflict, Forbidden, NotFound, VaultError
from web.docview import KIND_VI, cached_report, field_rows, render_thumbnail, report_badge, thumbnail_path
from web.formats import parse_vn_datetime
from web.qrphoto import dossier_code_from_photo
from web.render import page
from web.session import CsrfChecked, require, services_of, state_purpose, stated_purpose

router = APIRouter()
Reader = Annotated[Actor, Depends(require(Role.HANDLER, Role.STATION, Role.CITIZEN))]
Handler = Annotated[Actor, Depends(require(Role.HANDLER))]


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


async def _dossier_page(
    request: Request, code: str, actor: Actor, error: str | None = None, status: int = 200
) -> Response:
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
    _record, events = await run_in_threadpool(svc.vault.dossier_history, code, reader)
    life = await run_in_threadpool(dossier_status, svc, dossier, events, reader)
    context = {"dossier": dossier, "docs": docs, "kind_vi": KIND_VI, "purpose": reader.purpose, "state": life.state}
    context |= {"state_vi": life.state_vi, "life": life, "events": [event_out(e) for e in events], "error": error}
    context |= {"action_vi": ACTION_LABELS, "today": now_vn().strftime("%Y-%m-%dT%H:%M"), "vn": VN_TZ}
    return page(request, "dossier.html", context, status=status)


FIELD_VI = {
    "missing": "Liệt kê giấy tờ, nội dung cần bổ sung (mỗi dòng một mục).",
    "reason": "Nêu lý do.",
    "department": "Nêu tên phòng, bộ phận giải quyết.",
    "new_date": "Ngày hẹn mới phải sau thời hạn đã lỡ và sau thời điểm hiện tại.",
}


def _why_vi(exc: VaultError, action: str) -> str:
    """Why a move was refused, in the officer's words."""
    if isinstance(exc, Conflict):
        return f"Không thực hiện được «{ACTION_LABELS.get(action, action)}» ở tình trạng hiện tại của hồ sơ."
    if isinstance(exc, Forbidden):
        return "Bạn không có quyền thực hiện bước này."
    if exc.field == "new_date" and "working calendar" in str(exc):
        return "Không thực hiện được: " + CALENDAR_VI
    return "Không thực hiện được: " + FIELD_VI.get(exc.field or "", str(exc))


CALENDAR_VI = "lịch làm việc chưa có ngày nghỉ, ngày lễ của năm đó; chọn ngày hẹn trong các năm lịch đã có."


@router.get("/ho-so/{code}")
async def dossier_page(request: Request, code: str, actor: Reader) -> Response:
    return await _dossier_page(request, code, actor)


@router.post("/ho-so/{code}/chuyen")
async def move(
    request: Request,
    code: str,
    actor: Handler,
    _: CsrfChecked,
    action: Annotated[str, Form(max_length=40)],
    department: Annotated[str, Form(max_length=255)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    missing: Annotated[str, Form(max_length=5000)] = "",
    new_date: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """A move of the dossier's life from the page's forms (the API's route, so the same rules and notices)."""
    try:
        when = parse_vn_datetime(new_date).replace(tzinfo=VN_TZ) if new_date else None
        body = MoveIn(
            action=action,
            department=department or None,
            reason=reason or None,
            missing=[line.strip() for line in missing.splitlines() if line.strip()],
            new_date=when,
        )
        await run_in_threadpool(move_dossier, code, body, actor, services_of(request))
    except (ValueError, ValidationError) as exc:
        why = NEW_DATE_FORMAT_VI if new_date and not _is_moment(new_date) else str(exc)
        return await _dossier_page(request, code, actor, f"Không thực hiện được: {why}", 422)
    except Problem as exc:
        return await _dossier_page(request, code, actor, f"Không thực hiện được: {exc.detail}", exc.status)
    except VaultError as exc:
        return await _dossier_page(request, code, actor, _why_vi(exc, action), status_of(exc))
    return RedirectResponse(f"/ho-so/{code}#history", status_code=303)


NEW_DATE_FORMAT_VI = "ngày hẹn mới viết theo dạng giờ:phút ngày/tháng/năm, ví dụ 14:00 31/12/2026."


def _is_moment(text: str) -> bool:
    try:
        parse_vn_datetime(text)
    except ValueError:
        return False
    return True


@router.post("/ho-so/{code}/ket-qua")
async def result(
    request: Request,
    code: str,
    actor: Handler,
    _: CsrfChecked,
    file: Annotated[UploadFile, File()],
    type_code: Annotated[str, Form(max_length=50)],
    name: Annotated[str, Form(max_length=500)],
    issued_at: Annotated[str, Form(max_length=10)],
    number_symbol: Annotated[str, Form(max_length=100)] = "",
    valid_until: Annotated[str, Form(max_length=10)] = "",
    scope: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The agency's signed result uploaded from the dossier page: checked as the API checks it (the competent
    agency's valid signature, or sohoa's seal when allowed) and stored as `<code>-KQ<n>` in the owner's vault."""
    reader = _with_purpose(request, actor, code)
    if reader is None:
        return RedirectResponse(f"/ho-so/{code}", status_code=303)
    svc = services_of(request)
    try:
        dossier = await run_in_threadpool(svc.vault.get_dossier, code, reader)
        if dossier.agency_code != actor.agency_code:  # the competent agency's handlers only, as in the API
            raise Problem(403, "chỉ cán bộ của cơ quan giải quyết hồ sơ mới lưu kết quả")
        fields = ResultFields(
            type_code=type_code.strip(),
            name=name.strip(),
            number_symbol=number_symbol.strip() or None,
            issued_at=issued_at,  # a form's text (YYYY-MM-DD), parsed by the model
            valid_until=valid_until or None,
            permanent=not valid_until,
            scope=scope.strip() or None,
        )
        pdf = await read_pdf(file, svc.ingest.max_file_bytes)
        issued = await run_in_threadpool(issue_result, svc.vault, dossier, pdf, fields, reader, svc.issuer)
    except ValidationError as exc:
        why = "; ".join(str(e["msg"]) for e in exc.errors())
        return await _dossier_page(request, code, actor, f"Thông tin kết quả chưa đúng: {why}", 422)
    except ResultRefused as exc:
        return await _dossier_page(request, code, actor, f"Kết quả bị từ chối: {exc.detail}", 422)
    except Problem as exc:
        return await _dossier_page(request, code, actor, f"Không lưu được kết quả: {exc.detail}", exc.status)
    except (PdfInputError, SigningError) as exc:
        return await _dossier_page(request, code, actor, f"Không lưu được kết quả: {exc}", 422)
    except VaultError as exc:
        return await _dossier_page(request, code, actor, f"Không lưu được kết quả: {exc}", status_of(exc))
    return RedirectResponse(f"/ho-so/{code}#doc-{issued.record.id}", status_code=303)


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
    disposition = "attachment" if download else "inline"
    return content_response(services_of(request).vault, doc_id, reader, range_, disposition=disposition)


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
