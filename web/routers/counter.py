"""`/quay`, the counter: upload a batch (files or a zip, owner, dossier, split rule), follow it live (the API's
server-sent events), see each page's thumbnail and verdict, print cover sheets and the receipt.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.errors import status_of
from api.problems import Problem
from api.routers import batches, versions
from api.routers.batches import _visible_batch, upload_batch
from api.routers.counter import MISSING_REUSE_VI, UNUSABLE_VI, PapersQuery
from api.routers.counter import papers_on_file as on_file
from api.routers.documents import get_validation
from api.routers.dossiers import ConsentGiven, ConsentIn, CounterOpenIn, open_at_counter, request_consent
from api.services import Services
from core.timezone import VN_TZ
from core.types import Actor, DocumentKind, Role
from issuing.calendar import default_procedures
from issuing.coversheet import make_cover_sheet, render_cover_sheets
from vault.errors import Forbidden, InvalidInput, NotFound, ReuseRefused, VaultError
from vault.records import ConsentRecord
from vault.reuse import NothingToReuse, WrongConsentCode
from web.docview import Badge, cached_report, report_badge
from web.i18n import language
from web.purposes import at_counter
from web.reasons import problem_vi, reason_vi
from web.render import page
from web.session import CsrfChecked, require, services_of

router = APIRouter()
Station = Annotated[Actor, Depends(require(Role.STATION))]

CHOICE_VI = {
    "reuse": "Dùng lại giấy tờ đã lưu",
    "new_version": "Lưu thành phiên bản mới",
    "new_document": "Lưu thành giấy tờ mới",
}
VERDICT_VI = {"TOTAL-PASSED": "Hợp lệ", "INDETERMINATE": "Chưa xác định", "TOTAL-FAILED": "Không hợp lệ"}
STATUS_VI = {
    "queued": "Đang chờ",
    "running": "Đang xử lý",
    "awaiting_signature": "Chờ cán bộ ký số",
    "awaiting_choice": "Chờ chọn: giấy tờ đã có trong kho",
    "done": "Hoàn thành",
    "needs_rescan": "Cần quét lại",
    "failed": "Lỗi",
}
STEP_VI = {"ocr": "nhận dạng chữ", "sign": "ký số", "store": "lưu vào kho"}


def _form(request: Request, actor: Actor, error: str | None = None, status: int = 200, **values: str) -> Response:
    return _counter_page(request, actor, error, status, None, values)


def _counter_page(
    request: Request,
    actor: Actor,
    error: str | None,
    status: int,
    consent: ConsentRecord | dict[str, Any] | None,
    values: dict[str, str],
    **extra: Any,
) -> Response:
    procedures = sorted(default_procedures().procedures.values(), key=lambda p: p.code)
    if error and language(request) == "vi":  # the API's refusals are worded in English
        error = problem_vi(error)
    context = {"error": error, "values": values, "agency": actor.agency_code, "consent": consent, **extra}
    context["left_out_words"] = UNUSABLE_VI | {"missing": MISSING_REUSE_VI}  # a type the consent request leaves out
    return page(request, "counter.html", context | {"procedures": procedures}, status)


@router.get("/quay")
def counter(request: Request, actor: Station, ho_so: Annotated[str, Query(max_length=40)] = "") -> Response:
    """The counter; with `?ho_so=` (from a dossier's page) the dossier's papers checked and its code filled in, so
    the cover sheets and the upload go to that dossier without the code typed again."""
    if not ho_so.strip():
        return _form(request, actor)
    try:
        dossier = services_of(request).vault.get_dossier(ho_so.strip(), at_counter(actor, ho_so))
    except VaultError:
        return _form(request, actor, f"Không tìm thấy hồ sơ {ho_so.strip()} của cơ quan.", 404)
    notice = f"Hồ sơ {dossier.code}: in tờ bìa cho giấy tờ cần quét, đặt trước từng giấy tờ, quét rồi tải lên."
    return _checklist(request, actor, dossier.owner_id, dossier.procedure_code, "", dossier.code, notice)


@router.post("/quay")
async def upload(
    request: Request,
    actor: Station,
    _: CsrfChecked,
    files: Annotated[list[UploadFile], File()],
    owner: Annotated[str, Form(max_length=20)] = "",
    owner_name: Annotated[str, Form(max_length=300)] = "",
    procedure: Annotated[str, Form(max_length=40)] = "",
    dossier: Annotated[str, Form(max_length=40)] = "",
    split: Annotated[str, Form(max_length=10)] = "qr",
) -> Response:
    values = {"owner_name": owner_name, "procedure": procedure, "dossier": dossier, "split": split}
    one_zip = len(files) == 1 and (files[0].filename or "").lower().endswith(".zip") and not owner.strip()
    manifest = None
    if not one_zip:
        if not (owner.strip() and procedure.strip()):
            return _form(request, actor, "Cần số định danh chủ hồ sơ và mã thủ tục.", 422, **values)
        manifest = json.dumps(
            {
                "station_id": "web",
                "agency_code": actor.agency_code,
                "procedure_code": procedure.strip(),
                "dossier_code": dossier.strip() or None,
                "owner_id": owner.strip(),
                "owner_name": owner_name.strip() or None,
                "split": split if split in ("qr", "blank") else "qr",
            },
            ensure_ascii=False,
        )
    try:
        accepted = await upload_batch(files=files, actor=actor, svc=services_of(request), manifest=manifest)
    except Problem as exc:
        return _form(request, actor, str(exc.detail), exc.status, **values)
    return RedirectResponse(f"/quay/lo/{accepted.batch_id}", status_code=303)


@router.post("/quay/tai-lieu/{doc_id}/trang/{number}")
async def replace_page(
    request: Request,
    doc_id: str,
    number: int,
    actor: Station,
    _: CsrfChecked,
    file: Annotated[UploadFile, File()],
) -> Response:
    """The new scan of a page that needs a rescan: the API's route makes the next version of the document (its
    stored pages read with the counter's purpose: receiving the document's dossier)."""
    svc = services_of(request)
    try:
        record = await run_in_threadpool(svc.vault.get_document, doc_id, actor, log_read=False)
        reader = at_counter(actor, record.source_dossier_code or "")
        accepted = await versions.replace_page(doc_id, number, file, reader, svc)
    except VaultError:
        return _form(request, actor, f"Không thay được trang {number}: không tìm thấy giấy tờ.", 404)
    except Problem as exc:
        return _form(request, actor, f"Không thay được trang {number}: {exc.detail}", exc.status)
    return RedirectResponse(f"/quay/lo/{accepted.batch_id}", status_code=303)


@router.get("/quay/lo/{batch_id}")
async def batch_page(request: Request, batch_id: str, actor: Station) -> Response:
    view = await run_in_threadpool(_visible_batch, services_of(request), batch_id, actor)
    lang = language(request)
    svc = services_of(request)
    documents = []
    reader = at_counter(actor, view.dossier_code)  # the badge's check reads the paper: logged with why
    for doc in view.documents:
        badge = await run_in_threadpool(_badge, svc, doc.id, reader, lang) if doc.id else None
        rescan = {item.page: reason_vi(item.reason) if lang == "vi" else item.reason for item in doc.rescan}
        pages = [{"number": n, "reason": rescan.get(n)} for n in range(1, doc.pages + 1)]
        documents.append({"doc": doc, "pages": pages, "rescan": bool(rescan), "badge": badge})
    return page(
        request,
        "batch.html",
        {
            "batch": view,
            "documents": documents,
            "status_vi": STATUS_VI,
            "step_vi": STEP_VI,
            "verdict_vi": VERDICT_VI,
            "finished": view.status in ("done", "needs_rescan", "failed", "awaiting_signature", "awaiting_choice"),
            "choice_vi": CHOICE_VI,
            "vn": VN_TZ,
            "replacing": any(doc.new_version_of for doc in view.documents),
            "server_url": str(request.base_url).rstrip("/"),  # for the sign-agent's command line
            "all_replaced": any(doc.rescan for doc in view.documents)
            and all(doc.replaced_by for doc in view.documents if doc.rescan),
        },
    )


@router.post("/quay/lo/{batch_id}/tai-lieu/{index}/lua-chon")
def choose(
    request: Request,
    batch_id: str,
    index: int,
    actor: Station,
    _: CsrfChecked,
    choice: Annotated[str, Form(max_length=20)],
) -> Response:
    """The station's choice for a paper scanned again (the API's route): reuse, new version or new document."""
    try:
        batches.choose(batch_id, index, batches.ChoiceIn(choice=choice), actor, services_of(request))
    except (Problem, ValidationError) as exc:
        reason = str(exc.detail) if isinstance(exc, Problem) else "Lựa chọn không hợp lệ."
        status = exc.status if isinstance(exc, Problem) else 422
        return _form(request, actor, f"Không ghi được lựa chọn: {reason}", status)
    return RedirectResponse(f"/quay/lo/{batch_id}", status_code=303)


def _badge(svc: Services, doc_id: str, actor: Actor, lang: str) -> Badge:
    record = svc.vault.get_document(doc_id, actor, log_read=False)
    return report_badge(cached_report(svc.core, record.sha256, lambda: get_validation(doc_id, actor, svc)), lang)


@router.post("/quay/kiem-tra-kho")
def papers_on_file(
    request: Request,
    actor: Station,
    _: CsrfChecked,
    owner: Annotated[str, Form(max_length=20)],
    procedure: Annotated[str, Form(max_length=40)] = "",
    types: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    """Before scanning: which of the procedure's papers (its own list, or the types typed) the citizen's vault
    already holds with legal value."""
    return _checklist(request, actor, owner, procedure, types)


def _checklist(
    request: Request, actor: Actor, owner: str, procedure: str, types: str, dossier: str = "", notice: str = ""
) -> Response:
    codes = types.replace(";", " ").replace(",", " ").split()  # "GKS, CCCD" or "GKS CCCD", as the consent form takes
    values = {"owner": owner.strip(), "procedure": procedure.strip(), "types": types, "dossier": dossier}
    if not codes and not procedure.strip():
        return _form(request, actor, "Cần mã thủ tục hoặc ít nhất một mã loại giấy tờ.", 422, **values)
    query = {"owner_id": owner, "procedure_code": procedure.strip() or None, "type_codes": codes}
    try:
        reader = at_counter(actor, dossier)  # the citizen's access log says why the counter looked
        answer = on_file(PapersQuery.model_validate(query), reader, reader, services_of(request))
    except Problem as exc:
        reason = NO_LIST_VI if exc.status == 422 and "no list of papers" in str(exc.detail) else str(exc.detail)
        return _form(request, actor, reason, exc.status, **values)
    except ValidationError:
        return _form(request, actor, "Mã loại giấy tờ không hợp lệ.", 422, **values)
    held = [p.type_code for p in answer.papers if p.on_file]
    values |= {"type_codes": " ".join(held)}  # the consent form below asks to reuse what the vault holds
    context = {"papers": answer.papers, "by_procedure": answer.procedure_papers, "held": len(held), "notice": notice}
    return _counter_page(request, actor, None, 200, None, values, **context)


NO_LIST_VI = "Thủ tục này chưa có danh mục giấy tờ: nhập mã loại giấy tờ cần kiểm tra."


@router.post("/quay/to-bia")
def cover_sheet(
    request: Request,
    actor: Station,
    _: CsrfChecked,
    dossier: Annotated[str, Form(max_length=40)] = "",
    type_code: Annotated[str, Form(max_length=50)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    paper: Annotated[list[str] | None, Form(max_length=260)] = None,
    owner: Annotated[str, Form(max_length=20)] = "",
    procedure: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """One cover sheet (type and name typed), or one per paper still to scan (`paper`: "GKS|Giấy khai sinh", from
    the checklist). Without a dossier code the checklist's citizen gets a new dossier, opened here."""
    wanted = [(kind, text) for kind, _, text in (p.partition("|") for p in paper or []) if text]
    wanted = wanted or ([(type_code, name)] if type_code else [])
    if not wanted:
        return _form(request, actor, "Chọn ít nhất một giấy tờ cần in tờ bìa.", 422)
    code = dossier.strip()
    if not code and owner.strip() and procedure.strip():  # opened once, then printed from its own checklist
        try:
            body = CounterOpenIn(owner_id=owner.strip(), procedure_code=procedure.strip())
            code = open_at_counter(body, actor, services_of(request)).life.code
        except (ValidationError, Problem, VaultError):
            return _form(request, actor, "Không mở được hồ sơ mới: kiểm tra số định danh và mã thủ tục.", 422)
        return RedirectResponse(f"/quay?ho_so={code}#sheets-form", status_code=303)
    try:
        sheets = [make_cover_sheet(code, kind, paper_name, DocumentKind.COMPONENT) for kind, paper_name in wanted]
    except ValueError as exc:
        return _form(request, actor, str(exc), 422)
    return Response(
        render_cover_sheets(sheets),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="to-bia-{code}.pdf"', "Cache-Control": "no-store"},
    )


OPEN_VI: dict[type[VaultError], str] = {
    NotFound: "Kho của công dân không có giấy tờ hợp lệ thuộc các loại này.",
    WrongConsentCode: "Mã đồng ý không đúng: đề nghị công dân đọc lại mã trong tài khoản.",
    Forbidden: "Yêu cầu đồng ý đã dùng, đã hết hạn hoặc nhập sai quá 5 lần: xin công dân đồng ý lại.",
    ReuseRefused: "Có giấy tờ đã hết hạn, bị thu hồi hoặc bị hủy, không dùng lại được.",
    InvalidInput: "Số định danh hoặc mã thủ tục không hợp lệ.",
}


def _why(exc: Problem | VaultError) -> tuple[str, int]:
    if isinstance(exc, Problem):
        return str(exc.detail), exc.status
    message = next((text for kind, text in OPEN_VI.items() if isinstance(exc, kind)), str(exc))
    return message, status_of(exc)


@router.post("/quay/dong-y")
def ask_consent(
    request: Request,
    actor: Station,
    _: CsrfChecked,
    owner: Annotated[str, Form(max_length=20)],
    procedure: Annotated[str, Form(max_length=40)],
    type_codes: Annotated[str, Form(max_length=500)],
    owner_name: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Ask the citizen's consent to reuse their vault papers of these types (a code appears in their account)."""
    values = {"owner": owner.strip(), "owner_name": owner_name.strip(), "procedure": procedure.strip()}
    types = [code for code in type_codes.replace(",", " ").split() if code]
    try:
        body = ConsentIn(owner_id=owner.strip(), procedure_code=procedure.strip(), type_codes=types)
        asked = request_consent(body, at_counter(actor), services_of(request))
    except ValidationError:
        return _form(request, actor, "Cần số định danh, mã thủ tục và mã loại giấy tờ (ví dụ GKS CCCD).", 422, **values)
    except NothingToReuse as exc:  # which type, and why: the same words as under a request that leaves some out
        words = UNUSABLE_VI | {"missing": MISSING_REUSE_VI}
        why = "; ".join(f"{code} ({words.get(reason, reason)})" for code, reason in exc.left_out.items())
        return _form(request, actor, f"Không có giấy tờ nào xin dùng lại được: {why}.", 404, **values)
    except (Problem, VaultError) as exc:
        message, status = _why(exc)
        return _form(request, actor, message, status, **values)
    return _counter_page(request, actor, None, 200, asked, values)


@router.post("/quay/mo-ho-so")
def open_without_scanning(
    request: Request,
    actor: Station,
    _: CsrfChecked,
    owner: Annotated[str, Form(max_length=20)],
    procedure: Annotated[str, Form(max_length=40)],
    owner_name: Annotated[str, Form(max_length=300)] = "",
    request_id: Annotated[str, Form(max_length=32)] = "",
    code: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Open the dossier: with the papers the citizen consented to (their code), or with none."""
    values = {"owner": owner.strip(), "owner_name": owner_name.strip(), "procedure": procedure.strip()}
    try:
        consent = ConsentGiven(request_id=request_id, code=code) if request_id else None
        body = CounterOpenIn(
            owner_id=owner.strip(),
            owner_name=owner_name.strip() or None,
            procedure_code=procedure.strip(),
            consent=consent,
        )
        opened = open_at_counter(body, at_counter(actor, consented=bool(request_id)), services_of(request))
    except ValidationError:
        return _form(request, actor, "Mã đồng ý gồm 6 chữ số; cần số định danh và mã thủ tục.", 422, **values)
    except WrongConsentCode as exc:  # the same request stays open (five tries): ask the code again
        message, status = _why(exc)
        return _counter_page(request, actor, message, status, {"id": request_id, "document_names": []}, values)
    except (Problem, VaultError) as exc:
        message, status = _why(exc)
        return _form(request, actor, message, status, **values)
    return RedirectResponse(f"/ho-so/{opened.life.code}", status_code=303)
