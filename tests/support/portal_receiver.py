"""A national-portal receiver on loopback for tests that speaks docs/portal.md: checks the bearer token and the
HMAC signature, deduplicates by message id, keeps what it accepted per stream; can go down and come back."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.receiver import serve, shut

REQUIRED = {"id": str, "topic": str, "stream": str, "sequence": int, "created_at": str, "data": dict}


@dataclass
class PortalReceiver:
    token: str
    secret: str
    statuses: list[int] = field(default_factory=list)  # forced answers, in order (then the contract's)
    failing: set[str] = field(default_factory=set)  # streams answered 503 while listed
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)  # message id → envelope
    order: list[str] = field(default_factory=list)  # message ids in the order accepted
    posts: int = 0
    port: int = 0
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sync"

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """The contract's answer to one POST."""
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"error": "bad token"}
        expected = hmac.new(
            self.secret.encode(), headers.get("X-Sohoa-Timestamp", "").encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(headers.get("X-Sohoa-Signature", ""), f"sha256={expected}"):
            return 401, {"error": "bad signature"}
        try:
            envelope = json.loads(body)
        except ValueError:
            return 400, {"error": "not JSON"}
        if not isinstance(envelope, dict) or any(not isinstance(envelope.get(k), t) for k, t in REQUIRED.items()):
            return 400, {"error": "envelope fields missing"}
        if envelope["id"] != headers.get("X-Sohoa-Message-Id"):
            return 400, {"error": "id and header differ"}
        if envelope["stream"] in self.failing:
            return 503, {"error": "unavailable"}
        with self.lock:
            if envelope["id"] in self.accepted:
                return 200, {"status": "duplicate"}
            self.accepted[envelope["id"]] = envelope
            self.order.append(envelope["id"])
        return 200, {"status": "accepted"}

    def start(self) -> PortalReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.posts += 1
                    forced = receiver.statuses.pop(0) if receiver.statuses else None
                status, answer = (forced, {"error": "forced"}) if forced else receiver.answer(dict(self.headers), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return

        self.server = serve(Handler, self.port)
        self.port = self.server.server_address[1]
        return self

    def stop(self) -> None:
        """Down: the port refuses connections until `start()` binds it again."""
        shut(self.server)
        self.server = None

    def streams(self) -> dict[str, list[int]]:
        """Accepted sequences per stream, in the order they arrived."""
        out: dict[str, list[int]] = {}
        for message_id in self.order:
            envelope = self.accepted[message_id]
            out.setdefault(envelope["stream"], []).append(envelope["sequence"])
        return out
