"""`sohoa sign-agent`'s work, on the officer's PC: fetch the officer's pending signature requests over the API,
show each (dossier, document, pages, level, hash), ask, sign with the token, post the value; or reject one.
"""

from __future__ import annotations

import base64
import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from asn1crypto import cms

from api.client import ApiError, Unreachable, _raise_for_problem
from core.timezone import to_vn


class AgentClient:
    """The officer's calls of `/api/v1/signature-requests`, with their bearer token and a time-out."""

    def __init__(self, server: str, token: str, timeout: float = 60.0) -> None:
        self.server = server.rstrip("/")
        self._http = httpx.Client(base_url=self.server, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, f"/api/v1/signature-requests{path}", **kwargs)
        except httpx.TransportError as exc:
            raise Unreachable(f"server {self.server} unreachable ({type(exc).__name__})") from exc
        _raise_for_problem(response)
        return response.json()

    def pending(self) -> list[dict[str, Any]]:
        return list(self._call("GET", ""))

    def get(self, request_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/{request_id}"))

    def submit(self, request_id: str, value: bytes) -> dict[str, Any]:
        return dict(
            self._call("POST", f"/{request_id}/signature", json={"signature": base64.b64encode(value).decode()})
        )

    def reject(self, request_id: str, reason: str) -> dict[str, Any]:
        return dict(self._call("POST", f"/{request_id}/rejection", json={"reason": reason}))


def shown(request: dict[str, Any]) -> str:
    """What the officer reads before signing (Vietnamese)."""
    return (
        f"Hồ sơ: {request['dossier_code']}\n"
        f"Tài liệu: {request['document_name']} ({request['pages']} trang)\n"
        f"Mức chữ ký: {request['level']}\n"
        f"Mã băm SHA-256 của tài liệu: {request['document_sha256']}\n"
        f"Hạn ký: {to_vn(dt.datetime.fromisoformat(request['expires_at'])):%H:%M %d/%m/%Y}"
    )


def to_be_signed(request: dict[str, Any]) -> bytes:
    """The signed attributes, after checking that they commit to the hash shown (the server cannot show one
    document and have another signed)."""
    data = base64.b64decode(request["to_be_signed"])
    attributes = cms.CMSAttributes.load(data)
    digests = [a["values"][0].native for a in attributes if a["type"].native == "message_digest"]
    if digests != [bytes.fromhex(request["document_sha256"])]:
        raise ApiError("the request's signed attributes do not match the hash shown: not signed")
    return data


@dataclass
class AgentRun:
    signed: int = 0
    skipped: int = 0


def sign_pending(
    client: AgentClient,
    requests: list[dict[str, Any]],
    sign: Callable[[bytes], bytes],
    confirm: Callable[[dict[str, Any]], bool],
    echo: Callable[[str], None],
) -> AgentRun:
    """Each pending request: shown, confirmed, signed by the token, posted."""
    run = AgentRun()
    for request in requests:
        echo(shown(request))
        if not confirm(request):
            echo("→ bỏ qua (chưa ký)\n")
            run.skipped += 1
            continue
        answer = client.submit(request["id"], sign(to_be_signed(request)))
        echo(
            "→ đã ký, máy chủ đang hoàn tất chữ ký\n"
            if answer["status"] == "submitted"
            else f"→ đã ký ({answer['status']})\n"
        )
        run.signed += 1
    return run


YES = frozenset({"c", "có", "co", "y", "yes"})
NO = frozenset({"k", "không", "khong", "n", "no", ""})  # Enter alone: no, as the capital K says


def ask_vi(question: str) -> bool:
    """Ask on the terminal with "[c/K]" (c/có/y: sign; k/không/n or Enter: skip), again after any other answer;
    click's own confirm says "[y/N]" and takes only y/n."""
    import typer

    while True:
        answer = typer.prompt(f"{question} [c/K]", default="", show_default=False)
        word = unicodedata.normalize("NFC", answer).strip().lower()
        if word in YES or word in NO:
            return word in YES
        typer.echo("Trả lời c (có, ký) hoặc k (không ký).")
