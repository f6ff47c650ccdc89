"""Who may call the issuing routes (results, receipts, certified copies, public look-up), in the form of the
authorisation matrix's `ROUTES` (tests/api/test_authorisation_matrix.py merges them with `ROUTES.update(...)`).

The matrix sends JSON bodies only: the multipart routes answer 422 to an allowed caller (no file sent) and
403/404 to everyone else, because the dossier or document is checked before the body.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.timezone import now_vn
from issuing.qr import ReceiptPayload, encode_receipt
from tests.api.world import PROCEDURE, World


def _dossier_code(world: World, scenario: str) -> str:
    return world.dossiers["DX" if scenario == "own" else "DY"]


def _doc(world: World, scenario: str) -> str:
    name = {"own": "a1", "foreign": "b1", "granted": "bg", "revoked": "br", "expired": "be"}[scenario]
    return world.documents[name]


def _qr(world: World, scenario: str) -> str:
    return encode_receipt(
        ReceiptPayload(
            dossier_code=_dossier_code(world, scenario),
            procedure_code=PROCEDURE,
            owner_id="045******234",
            issued_at=now_vn().replace(microsecond=0),
            appointment_at=now_vn() + dt.timedelta(days=3),
        )
    )


def _dossier_viewer(role: str, scenario: str) -> bool:
    return role == "admin" or (role in ("station", "handler", "citizen") and scenario == "own")


def _document_handler(role: str, scenario: str) -> bool:
    return role == "admin" or (role == "handler" and scenario in ("own", "granted"))


def issuing_routes(call: Any, rule: Any) -> dict[tuple[str, str], Any]:
    """The rules, built with the matrix's own `Call` and `Rule` classes."""
    return {
        ("POST", "/api/v1/dossiers/{code}/results"): rule(
            lambda w, s: call(f"/api/v1/dossiers/{_dossier_code(w, s)}/results"),
            lambda r, s: r == "admin" or (r == "handler" and s == "own"),
            ok=(422,),
        ),
        ("POST", "/api/v1/documents/{document_id}/correction"): rule(
            lambda w, s: call(f"/api/v1/documents/{_doc(w, s)}/correction"),
            _document_handler,
            ok=(409,),  # the world's papers are components, not results
        ),
        ("POST", "/api/v1/documents/{document_id}/cancel"): rule(
            lambda w, s: call(f"/api/v1/documents/{_doc(w, s)}/cancel", {"reason": "kiểm thử phân quyền"}),
            _document_handler,
            ok=(409,),  # only results and certified copies are cancelled
        ),
        ("POST", "/api/v1/dossiers/{code}/certified-copies"): rule(
            lambda w, s: call(f"/api/v1/dossiers/{_dossier_code(w, s)}/certified-copies"),
            lambda r, s: r in ("station", "handler") and s == "own",
            ok=(422,),
        ),
        ("GET", "/api/v1/dossiers/{code}/receipt"): rule(
            lambda w, s: call(f"/api/v1/dossiers/{_dossier_code(w, s)}/receipt"), _dossier_viewer
        ),
        ("POST", "/api/v1/receipts/lookup"): rule(
            lambda w, s: call("/api/v1/receipts/lookup", {"qr": _qr(w, s)}), _dossier_viewer
        ),
        ("GET", "/api/v1/public/dossiers/{code}/status"): rule(
            lambda w, s: call(f"/api/v1/public/dossiers/{_dossier_code(w, s)}/status"), lambda r, s: True
        ),
        ("GET", "/api/v1/public/status"): rule(
            lambda w, s: call(f"/api/v1/public/status?qr={_quoted(_qr(w, s))}"), lambda r, s: True
        ),
        ("GET", "/api/v1/public/dossiers/{code}/qr"): rule(
            lambda w, s: call(f"/api/v1/public/dossiers/{_dossier_code(w, s)}/qr"), lambda r, s: True
        ),
    }


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
