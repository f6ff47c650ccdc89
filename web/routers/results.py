"""A dossier's results from its page (`/ho-so/{code}/ket-qua`): stored, corrected and cancelled by the agency's
handler through the API's own calls and checks, refusals in plain Vietnamese, the form's inputs kept on a refusal.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.errors import status_of
from api.problems import Problem
from api.routers.results import cancel_issued, correctable
from api.views import read_pdf
from core.logging import get_logger
from core.types import Actor, Role
from issuing.results import ResultFields, ResultRefused, correct_result, issue_result
from signing.errors import PdfInputError, SigningError
from vault.errors import VaultError
from web.dossier_page import dossier_page, with_purpose
from web.formats import parse_vn_date
from web.reasons import problem_vi
from web.session import CsrfChecked, require, services_of

router = APIRouter()
log = get_logger("sohoa.web.results")
Handler = Annotated[Actor, Depends(require(Role.HANDLER))]
RETRY_AFTER = 60
SIGNING_DOWN = (
    "Dịch vụ ký số của cơ quan tạm thời không hoạt động nên chưa lưu được kết quả; chưa có gì được lưu. "
    "Vui lòng thử lại sau ít phút (chọn lại tệp PDF, các thông tin khác vẫn giữ nguyên)."
)
FIELD_VI = {
    "type_code": "mã loại giấy tờ chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 50 ký tự)",
    "name": "nhập tên giấy tờ",
    "issued_at": "ngày ban hành không hợp lệ",
    "valid_until": "ngày hết hiệu lực không hợp lệ",
}
REASON_VI = "Nêu lý do (ít nhất 3 ký tự)."
DATE_FORMAT_VI = "{what} viết theo dạng ngày/tháng/năm, ví dụ 31/12/2026"


class DateRefused(ValueError):
    """A date of the result form that is not day/month/year (or no such day): said in Vietnamese, nothing stored."""


def _typed_day(text: str, what: str) -> dt.date | None:
    """A date typed on the result form (31/12/2026; ISO from older forms), None when left empty."""
    if not text.strip():
        return None
    try:
        return parse_vn_date(text)
    except ValueError:
        raise DateRefused(DATE_FORMAT_VI.format(what=what)) from None


def _fields_vi(exc: ValidationError) -> str:
    """What is wrong with the result's details, field by field, in Vietnamese."""
    messages = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if "before issued_at" in str(error["msg"]):
            messages.append("ngày hết hiệu lực phải từ ngày ban hành trở đi")
        else:
            messages.append(FIELD_VI.get(field, str(error["msg"])))
    return "; ".join(dict.fromkeys(messages))


async def _refused(
    request: Request, code: str, actor: Actor, exc: Exception, lead: str, form: dict[str, Any]
) -> Response:
    """The page again with why, in Vietnamese, and the inputs kept: 422 for what the handler can fix, 503 with
    Retry-After when the agency's seal cannot be applied now (HSM or TSA down), the API's status otherwise."""
    if isinstance(exc, ValidationError):
        return await dossier_page(request, code, actor, f"Thông tin kết quả chưa đúng: {_fields_vi(exc)}.", 422, form)
    if isinstance(exc, DateRefused):
        return await dossier_page(request, code, actor, f"Thông tin kết quả chưa đúng: {exc}.", 422, form)
    if isinstance(exc, ResultRefused):
        return await dossier_page(request, code, actor, f"Kết quả bị từ chối: {problem_vi(exc.detail)}", 422, form)
    if isinstance(exc, PdfInputError):
        return await dossier_page(request, code, actor, f"{lead}: tệp PDF không đọc được ({exc}).", 422, form)
    if isinstance(exc, SigningError):  # the operator sees why (no personal data in a signing error's message)
        log.warning("result_seal_unavailable", dossier_code=code, detail=str(exc))
        response = await dossier_page(request, code, actor, SIGNING_DOWN, 503, form)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    if isinstance(exc, Problem):
        return await dossier_page(request, code, actor, f"{lead}: {problem_vi(exc.detail)}", exc.status, form)
    assert isinstance(exc, VaultError)
    return await dossier_page(request, code, actor, f"{lead}: {problem_vi(str(exc))}", status_of(exc), form)


# PdfInputError is a SigningError
REFUSALS = (ValidationError, DateRefused, ResultRefused, SigningError, Problem, VaultError)


@router.post("/ho-so/{code}/ket-qua")
async def store(
    request: Request,
    code: str,
    actor: Handler,
    _: CsrfChecked,
    file: Annotated[UploadFile, File()],
    type_code: Annotated[str, Form(max_length=50)],
    name: Annotated[str, Form(max_length=500)],
    issued_at: Annotated[str, Form(max_length=20)],
    number_symbol: Annotated[str, Form(max_length=100)] = "",
    valid_until: Annotated[str, Form(max_length=20)] = "",
    scope: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The agency's signed result uploaded from the dossier page: checked as the API checks it (the competent
    agency's valid signature, or sohoa's seal when allowed) and stored as `<code>-KQ<n>` in the owner's vault; the
    first one moves the dossier to "Đã có kết quả"."""
    reader = with_purpose(request, actor, code)
    if reader is None:
        return RedirectResponse(f"/ho-so/{code}", status_code=303)
    svc = services_of(request)
    typed = {"type_code": type_code, "name": name, "number_symbol": number_symbol, "issued_at": issued_at}
    typed |= {"valid_until": valid_until, "scope": scope}
    try:
        issued_day = _typed_day(issued_at, "ngày ban hành")
        valid_day = _typed_day(valid_until, "ngày hết hiệu lực")
        dossier = await run_in_threadpool(svc.vault.get_dossier, code, reader)
        if dossier.agency_code != actor.agency_code:  # the competent agency's handlers only, as in the API
            raise Problem(403, "only the issuing agency stores its results")
        fields = ResultFields(
            type_code=type_code.strip(),
            name=name.strip(),
            number_symbol=number_symbol.strip() or None,
            issued_at=issued_day or issued_at,  # empty: the model says the date is missing
            valid_until=valid_day,
            permanent=valid_day is None,
            scope=scope.strip() or None,
        )
        pdf = await read_pdf(file, svc.ingest.max_file_bytes)
        issued = await run_in_threadpool(issue_result, svc.vault, dossier, pdf, fields, reader, svc.issuer)
    except REFUSALS as exc:
        return await _refused(request, code, actor, exc, "Không lưu được kết quả", {"result": typed})
    return RedirectResponse(f"/ho-so/{code}#doc-{issued.record.id}", status_code=303)


def _reason(reason: str) -> str:
    text = " ".join(reason.split())
    if len(text) < 3:
        raise Problem(422, REASON_VI)
    return text


def _of_dossier(record_code: str | None, code: str) -> None:
    if record_code != code:  # a result of another dossier is not corrected or cancelled from this page
        raise Problem(404, "no such document")


@router.post("/ho-so/{code}/ket-qua/{doc_id}/dinh-chinh")
async def correct(
    request: Request,
    code: str,
    doc_id: str,
    actor: Handler,
    _: CsrfChecked,
    file: Annotated[UploadFile, File()],
    reason: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """A corrected result (the API's `correction`): the same checks, stored as the next version of the same
    result; the reason joins its history."""
    reader = with_purpose(request, actor, code)
    if reader is None:
        return RedirectResponse(f"/ho-so/{code}", status_code=303)
    svc = services_of(request)
    try:
        why = _reason(reason)
        record, dossier = await run_in_threadpool(correctable, svc, doc_id, reader)
        _of_dossier(record.source_dossier_code, code)
        pdf = await read_pdf(file, svc.ingest.max_file_bytes)
        await run_in_threadpool(
            lambda: correct_result(svc.vault, record, dossier.agency_code, pdf, reader, svc.issuer, reason=why)
        )
    except REFUSALS as exc:
        form = {"fix": doc_id, "action": "correct", "reason": reason}
        return await _refused(request, code, actor, exc, "Không đính chính được kết quả", form)
    return RedirectResponse(f"/ho-so/{code}#doc-{doc_id}", status_code=303)


@router.post("/ho-so/{code}/ket-qua/{doc_id}/huy")
async def cancel(
    request: Request,
    code: str,
    doc_id: str,
    actor: Handler,
    _: CsrfChecked,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Cancel a result (the API's `cancel`): it stays stored and readable, marked cancelled with its reason."""
    reader = with_purpose(request, actor, code)
    if reader is None:
        return RedirectResponse(f"/ho-so/{code}", status_code=303)
    svc = services_of(request)
    try:
        why = _reason(reason)
        record = await run_in_threadpool(svc.vault.get_document, doc_id, reader, log_read=False)
        _of_dossier(record.source_dossier_code, code)
        await run_in_threadpool(cancel_issued, svc, doc_id, why, reader)
    except REFUSALS as exc:
        form = {"fix": doc_id, "action": "cancel", "reason": reason}
        return await _refused(request, code, actor, exc, "Không hủy được kết quả", form)
    return RedirectResponse(f"/ho-so/{code}#doc-{doc_id}", status_code=303)
