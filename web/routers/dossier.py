"""`/ho-so/{code}`, the case handler's dossier: found by code or from a photo of the receipt's QR (decoded on the
server), its documents with thumbnails, a viewer, the signature badge, OCR text and fields, download, its moves.
A handler states the purpose once per dossier; it is kept in the session and every read is logged with it, as in
the API. Its results are stored, corrected and cancelled by `web.routers.results`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.dossier_views import ACTION_LABELS
from api.errors import status_of
from api.problems import Problem
from api.routers.dossiers import MoveIn
from api.routers.dossiers import move as move_dossier
from api.views import content_response
from core.identifiers import InvalidIdentifier, validate_dossier_code
from core.timezone import VN_TZ
from core.types import Actor, Role
from vault.errors import Conflict, Forbidden, NotFound, VaultError
from web.docview import KIND_VI, field_rows, render_thumbnail, report_badge, thumbnail_path
from web.dossier_page import dossier_page, report_of, with_purpose
from web.formats import parse_vn_datetime, typed_code
from web.i18n import language
from web.qrphoto import dossier_code_from_photo
from web.render import page
from web.session import CsrfChecked, require, services_of, state_purpose

router = APIRouter()
Reader = Annotated[Actor, Depends(require(Role.HANDLER, Role.STATION, Role.CITIZEN))]
Handler = Annotated[Actor, Depends(require(Role.HANDLER))]


@router.get("/ho-so")
def find(request: Request, actor: Handler, code: str | None = None) -> Response:
    if code is None:
        return page(request, "find.html", {"error": None, "typed": ""})
    try:
        wanted = validate_dossier_code(typed_code(code))
    except InvalidIdentifier:
        return page(request, "find.html", {"error": CODE_FORMAT_VI, "typed": code[:40]}, status=422)
    return _open(request, actor, wanted, code[:40])


@router.post("/ho-so/qr")
async def find_by_photo(
    request: Request, actor: Handler, _: CsrfChecked, photo: Annotated[UploadFile, File()]
) -> Response:
    data = await photo.read(20 * 1024 * 1024 + 1)
    code = await run_in_threadpool(dossier_code_from_photo, data) if len(data) <= 20 * 1024 * 1024 else None
    if code is None:
        error = "Không đọc được mã QR của giấy tiếp nhận trong ảnh."
        return page(request, "find.html", {"error": error, "typed": ""}, 422)
    return _open(request, actor, code, code)


CODE_FORMAT_VI = (
    "Mã hồ sơ không đúng dạng: mã cơ quan, ngày nhận (năm tháng ngày, 6 chữ số) và số thứ tự (4 chữ số), "
    "cách nhau bởi dấu gạch ngang, ví dụ 000.00.00.H30-261130-0042."
)
NOT_FOUND_VI = "Không tìm thấy hồ sơ {} trong các hồ sơ bạn được xem. Kiểm tra lại mã trên giấy tiếp nhận."


def _open(request: Request, actor: Actor, code: str, typed: str) -> Response:
    """The dossier's page when it exists and this handler may see it; else the finder says so, the code kept."""
    try:
        services_of(request).vault.dossier_history(code, actor)
    except NotFound:
        return page(request, "find.html", {"error": NOT_FOUND_VI.format(code), "typed": typed}, status=404)
    return RedirectResponse(f"/ho-so/{code}", status_code=303)


@router.post("/ho-so/{code}/muc-dich")
def state(request: Request, code: str, actor: Handler, _: CsrfChecked, purpose: Annotated[str, Form()]) -> Response:
    purpose = " ".join(purpose.split())[:500]
    if len(purpose) < 3:
        return page(request, "purpose.html", {"code": code, "error": "Nêu mục đích (ít nhất 3 ký tự)."}, 422)
    state_purpose(request, code, purpose)
    return RedirectResponse(f"/ho-so/{code}", status_code=303)


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
async def show(request: Request, code: str, actor: Reader) -> Response:
    return await dossier_page(request, code, actor)


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
        return await dossier_page(request, code, actor, f"Không thực hiện được: {why}", 422)
    except Problem as exc:
        return await dossier_page(request, code, actor, f"Không thực hiện được: {exc.detail}", exc.status)
    except VaultError as exc:
        return await dossier_page(request, code, actor, _why_vi(exc, action), status_of(exc))
    return RedirectResponse(f"/ho-so/{code}#history", status_code=303)


NEW_DATE_FORMAT_VI = "ngày hẹn mới viết theo dạng giờ:phút ngày/tháng/năm, ví dụ 14:00 31/12/2026."


def _is_moment(text: str) -> bool:
    try:
        parse_vn_datetime(text)
    except ValueError:
        return False
    return True


@router.get("/ho-so/{code}/tai-lieu/{doc_id}.pdf")
def document_pdf(
    request: Request,
    code: str,
    doc_id: str,
    actor: Reader,
    range_: Annotated[str | None, Header(alias="Range")] = None,
    download: bool = False,
) -> Response:
    reader = with_purpose(request, actor, code)
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
    reader = with_purpose(request, actor, code)
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
    reader = with_purpose(request, actor, code)
    if reader is None:
        return RedirectResponse(f"/ho-so/{code}", status_code=303)
    svc = services_of(request)
    record = await run_in_threadpool(svc.vault.get_document, doc_id, reader)
    report = await run_in_threadpool(report_of, svc, doc_id, record.sha256, reader)
    return page(
        request,
        "document.html",
        {
            "code": code,
            "doc": record,
            "badge": report_badge(report, language(request)),
            "kind_vi": KIND_VI,
            "fields": field_rows(record),
        },
    )
