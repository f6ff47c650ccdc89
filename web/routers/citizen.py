"""`/kho`, the citizen's vault: my documents (filter, search, view), my dossiers and their state, reuse a
document in an application, grants (give per purpose until a date, see, revoke), and who read my documents.
Every action goes through the API's citizen routes, so the owner is always the signed-in person.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.problems import Problem
from api.routers import me
from api.services import Services
from api.views import content_response
from core.text import fold
from core.timezone import VN_TZ, now_vn
from core.types import Actor, DocumentKind, DocumentStatus, Role
from issuing.agencies import known_agencies
from issuing.calendar import default_procedures
from vault.errors import Conflict, InvalidInput, NotFound, ReuseRefused, VaultError
from vault.records import DossierEventRecord
from vault.reports import AccessEntry
from web.docview import KIND_VI
from web.formats import parse_vn_date, typed_code
from web.reasons import problem_vi
from web.render import page
from web.session import CsrfChecked, require, services_of
from web.vault_words import ACTION_VI

router = APIRouter()
Citizen = Annotated[Actor, Depends(require(Role.CITIZEN))]
VN = VN_TZ
LOG_PAGE = 30
# what a grant may cover (docs/web.md, "What a grant offers"): her papers and results, valid; not the agency's notices
GRANTABLE = (DocumentKind.COMPONENT, DocumentKind.RESULT, DocumentKind.CERTIFIED_COPY, DocumentKind.CITIZEN_UPLOAD)
APPLY_VI: dict[type[VaultError], str] = {
    ReuseRefused: "có giấy tờ đã hết hạn, bị thu hồi, bị hủy hoặc là phiếu thông báo của hồ sơ khác.",
    NotFound: "không tìm thấy giấy tờ.",
    InvalidInput: "mã cơ quan hoặc mã thủ tục không hợp lệ.",
}


def _vault_page(
    request: Request,
    actor: Actor,
    q: str,
    kind: str,
    message: str | None,
    status: int,
    log_from: int = 0,
    submitted: str = "",
) -> Response:
    svc = services_of(request)
    chosen = DocumentKind(kind) if kind in {k.value for k in DocumentKind} else None
    everything = me.my_documents(actor, svc, None, None, None, 0, 200).items
    documents = me.my_documents(actor, svc, None, chosen, None, 0, 200).items if chosen else everything
    names = {d.id: d.name for d in everything} | {d.id: d.name for d in documents}  # every paper the log names
    grantable = [d for d in everything if d.kind in GRANTABLE and d.status == DocumentStatus.VALID]
    if q.strip():
        wanted = fold(q.strip())
        documents = [d for d in documents if wanted in fold(f"{d.name} {d.type_code or ''} {d.number_symbol or ''}")]
    dossiers = me.my_dossiers(actor, svc)
    asked = {d.code: _supplement_asked(svc, d.code, actor) for d in dossiers if d.state == "supplement_requested"}
    consents = me.my_consent_requests(actor, svc)
    grants = me.my_grants(actor, svc)
    log = me.my_access_log(actor, svc, log_from, LOG_PAGE)  # a page at a time: a read document's log only grows
    readers = [entry for entry in log if entry.subject != actor.subject or entry.role != "citizen"]
    return page(
        request,
        "vault.html",
        {
            "documents": documents,
            "grantable": grantable,
            "dossiers": dossiers,
            "asked": asked,
            "submitted": next((d for d in dossiers if d.code == submitted), None),  # hers only
            "consents": consents,
            "names": names,
            "procedures": sorted(default_procedures().procedures.values(), key=lambda p: p.code),
            "procedure_names": {p.code: p.name for p in default_procedures().procedures.values()},
            "agencies": known_agencies(),
            "grants": grants,
            "log": collapsed(readers),
            "log_from": log_from,
            "log_more": len(log) == LOG_PAGE,
            "log_page": LOG_PAGE,
            "q": q,
            "kind": kind,
            "kinds": KIND_VI,
            "message": message,
            "action_vi": ACTION_VI,
            "vn": VN,
            "default_expiry": f"{now_vn().date() + dt.timedelta(days=30):%d/%m/%Y}",  # Vietnam's date, not UTC's
        },
        status=status,
    )


def collapsed(entries: list[AccessEntry]) -> list[tuple[AccessEntry, int]]:
    """The access log as she reads it: the same reader doing the same to the same paper for the same purpose in
    the same minute (a dossier page opened again lists each paper again) is one row, with its count."""
    rows: dict[tuple[object, ...], tuple[AccessEntry, int]] = {}
    for entry in entries:  # newest first: each row keeps its newest entry's place
        minute = entry.at.astimezone(VN).replace(second=0, microsecond=0)
        key = (entry.subject, entry.role, entry.agency_code, entry.document_id, entry.purpose, entry.action, minute)
        first, times = rows.get(key, (entry, 0))
        rows[key] = (first, times + 1)
    return list(rows.values())


def _supplement_asked(svc: Services, code: str, actor: Actor) -> DossierEventRecord | None:
    """The agency's latest supplement request of a dossier awaiting one: what to bring, and its signed notice."""
    _record, events = svc.vault.dossier_history(code, actor)
    return next((e for e in reversed(events) if e.action == "request_supplement"), None)


@router.get("/kho")
async def vault(
    request: Request,
    actor: Citizen,
    q: Annotated[str, Query(max_length=100)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    log_from: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    nop: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """`nop`: the dossier just submitted online (the form redirects here, so reloading never submits it again)."""
    return await run_in_threadpool(_vault_page, request, actor, q, kind, None, 200, log_from, nop)


@router.post("/kho/cap-quyen")
def grant(
    request: Request,
    actor: Citizen,
    _: CsrfChecked,
    grantee_kind: Annotated[str, Form(max_length=10)],
    purpose: Annotated[str, Form(max_length=500)],
    expires: Annotated[str, Form(max_length=10)],
    grantee: Annotated[str, Form(max_length=35)] = "",
    document_id: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    if grantee_kind != "portal" and not grantee.strip():  # never the portal in place of the agency she chose
        return _vault_page(request, actor, "", "", GRANT_VI + "nhập mã cơ quan được cấp quyền.", 422)
    try:
        day = parse_vn_date(expires)
    except ValueError:
        return _vault_page(request, actor, "", "", GRANT_VI + EXPIRY_FORMAT_VI, 422)
    try:
        until = dt.datetime.combine(day, dt.time(23, 59), VN)
        body = me.GrantIn(
            grantee_kind=grantee_kind,
            grantee=grantee.strip() or "portal",
            document_id=document_id or None,
            purpose=purpose.strip(),
            expires_at=until,
        )
    except (ValueError, ValidationError):
        return _vault_page(request, actor, "", "", GRANT_VI + "chọn giấy tờ, mục đích và ngày hết hạn.", 422)
    try:
        me.create_grant(body, actor, services_of(request))
    except (Problem, InvalidInput) as exc:
        detail = str(exc.detail) if isinstance(exc, Problem) else str(exc)
        status = exc.status if isinstance(exc, Problem) else 422
        return _vault_page(request, actor, "", "", GRANT_VI + problem_vi(detail), status)
    return RedirectResponse("/kho#grants", status_code=303)


GRANT_VI = "Không cấp được quyền: "
EXPIRY_FORMAT_VI = "ngày hết hạn viết theo dạng ngày/tháng/năm, ví dụ 31/12/2026."


@router.post("/kho/thu-hoi/{grant_id}")
def revoke(request: Request, grant_id: int, actor: Citizen, _: CsrfChecked) -> Response:
    me.revoke_grant(grant_id, actor, services_of(request))
    return RedirectResponse("/kho#grants", status_code=303)


@router.post("/kho/dung-lai")
def reuse(
    request: Request,
    actor: Citizen,
    _: CsrfChecked,
    dossier: Annotated[str, Form(max_length=40)],
    document_id: Annotated[str, Form(max_length=32)],
) -> Response:
    code = typed_code(dossier)
    try:
        me.attach(code, me.Attachment(document_id=document_id), actor, services_of(request))
    except Problem as exc:
        return _vault_page(request, actor, "", "", f"Không dùng lại được: {problem_vi(str(exc.detail))}", exc.status)
    except NotFound:  # a mistyped code, or a dossier or paper that is not hers: the same answer
        return _vault_page(request, actor, "", "", REUSE_NOT_FOUND_VI.format(code), 404)
    except Conflict:
        return _vault_page(request, actor, "", "", REUSE_TWICE_VI.format(code), 409)
    except VaultError as exc:  # refused: expired, revoked, cancelled or superseded, or another dossier's notice
        return _vault_page(request, actor, "", "", f"Không dùng lại được: {APPLY_VI.get(type(exc), str(exc))}", 409)
    return _vault_page(request, actor, "", "", f"Đã đính kèm vào hồ sơ {code}.", 200)


REUSE_TWICE_VI = "Giấy tờ này đã có trong hồ sơ {}: không cần đính kèm lại."
REUSE_NOT_FOUND_VI = "Không dùng lại được: không có hồ sơ {} trong các hồ sơ của bạn. Kiểm tra lại mã hồ sơ."


@router.post("/kho/nop-ho-so")
def apply_online(
    request: Request,
    actor: Citizen,
    _: CsrfChecked,
    agency_code: Annotated[str, Form(max_length=35)],
    procedure_code: Annotated[str, Form(max_length=64)],
    document_id: Annotated[list[str] | None, Form(max_length=32)] = None,
) -> Response:
    """A dossier submitted online from papers of my vault (the API's route: reuse logged, nothing half-stored)."""
    try:
        papers = [me.Attachment(document_id=doc_id) for doc_id in document_id or []]
        body = me.OnlineOpenIn(agency_code=agency_code.strip(), procedure_code=procedure_code, documents=papers)
        opened = me.open_online(body, actor, services_of(request))
    except ValidationError:
        return _vault_page(request, actor, "", "", "Không nộp được: chọn cơ quan, thủ tục và ít nhất một giấy tờ.", 422)
    except Problem as exc:
        return _vault_page(request, actor, "", "", f"Không nộp được: {exc.detail}", exc.status)
    except VaultError as exc:
        return _vault_page(request, actor, "", "", f"Không nộp được: {APPLY_VI.get(type(exc), str(exc))}", 409)
    return RedirectResponse(f"/kho?nop={opened.life.code}#message", status_code=303)


@router.post("/kho/rut/{code}")
def withdraw(request: Request, code: str, actor: Citizen, _: CsrfChecked) -> Response:
    """Withdraw her dossier, after she confirmed it (the form is folded under "Rút hồ sơ": one tap never does)."""
    try:
        me.withdraw(code, me.WithdrawIn(reason="Công dân rút hồ sơ"), actor, services_of(request))
    except (Problem, VaultError):  # moved on meanwhile (a result, a refusal): said in Vietnamese, no error page
        return _vault_page(request, actor, "", "", f"Không rút được hồ sơ {code[:40]}: hồ sơ không còn rút được.", 409)
    return RedirectResponse("/kho#dossiers-h", status_code=303)


@router.get("/kho/diem-neo.p7m")
def access_log_checkpoint(request: Request, actor: Citizen) -> Response:
    """The newest signed checkpoint of the access log, the citizen's copy to keep (`docs/security.md`)."""
    try:
        return me.access_log_checkpoint(actor, services_of(request))
    except NotFound:
        return _vault_page(request, actor, "", "", "Chưa có điểm neo nào của nhật ký truy cập.", 404)


@router.get("/kho/tai-lieu/{doc_id}.pdf")
def document_pdf(
    request: Request, doc_id: str, actor: Citizen, range_: Annotated[str | None, Header(alias="Range")] = None
) -> Response:
    return content_response(services_of(request).vault, doc_id, actor, range_)
