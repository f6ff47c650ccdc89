"""`/tra-cuu/{code}`: the public status page the receipt's QR opens; no sign-in, the code and state only.

`/tra-cuu?code=` and `/tra-cuu?qr=` (a receipt's QR text) lead to it; the JSON stays at `/api/v1/public/...`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.problems import Problem
from api.routers.public import public_status
from api.services import Services
from core.identifiers import InvalidIdentifier, validate_dossier_code
from issuing.qr import PayloadError, decode_receipt
from web.formats import typed_code
from web.render import page

router = APIRouter()


@router.get("/tra-cuu")
def lookup(request: Request, code: str | None = None, qr: str | None = None) -> Response:
    wanted = typed_code(code or "")
    if qr:
        try:
            wanted = decode_receipt(qr[:2000]).dossier_code
        except PayloadError:
            wanted = ""
    if wanted:
        try:
            return RedirectResponse(f"/tra-cuu/{validate_dossier_code(wanted)}", status_code=303)
        except InvalidIdentifier:
            return page(request, "status.html", {"status": None, "code": wanted[:40]}, status=404)
    return page(request, "status.html", {"status": None, "code": None})


@router.get("/tra-cuu/{code}")
def status(request: Request, code: str) -> Response:
    svc: Services = request.app.state.services
    try:
        found = public_status(svc, code)
    except Problem:
        return page(request, "status.html", {"status": None, "code": code[:40]}, status=404)
    return page(request, "status.html", {"status": found, "code": found.code})
