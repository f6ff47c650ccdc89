"""The machine clients' path, written from the docs alone (README, docs/api.md, portal.md, results.md, dossiers.md and
the served OpenAPI document): the province's one-stop system and the national portal, as httpx clients of a real
`sohoa serve` on the embedded default (its own worker, real Tesseract, real signing). docs/api.md, "The integrator's
walk, 2026-12-01".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema_rs  # schemathesis's validator: the answers against the served OpenAPI document
import pytest
from PIL import Image, ImageDraw, ImageFont
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from bench.synthetic import encode_jpeg, render_page, seed_paragraphs
from core.types import Role
from tests.support.receiver import Receiver, serve, shut
from tests.support.stack import SohoaStack

AGENCY = "000.00.00.H30"
PROCEDURE = "1.011442.000.00.00.H30"
OWNER = "045095001777"  # made up
PURPOSE = "giải quyết thủ tục đăng ký kết hôn trên Cổng DVC quốc gia"
DOCS = Path(__file__).resolve().parents[2] / "docs"


def _portal_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schemas docs/portal.md prints (the envelope, and `data` per topic), read from the page itself."""
    blocks = re.findall(r"```json\n(.*?)```", (DOCS / "portal.md").read_text(encoding="utf-8"), re.S)
    schemas = [json.loads(b) for b in blocks if b.startswith('{"type": "object", "required"')]
    named = {}
    for schema in schemas:
        required = schema["required"]
        if "topic" in required:
            named["envelope"] = schema
        elif "event_id" in required:
            named["dossier.status_changed"] = schema
        elif "dossier_code" in required:
            named["catalogue.reused"] = schema
        else:
            named["paper"] = schema
    assert len(named) == 4, list(named)
    return named


SCHEMAS = _portal_schemas()


class Portal:
    """The national portal's receiver as docs/portal.md asks: token, signature and a recent timestamp checked,
    the message stored by id before answering, a repeated id answered 200; the first `failures` posts get a 503."""

    def __init__(self, token: str, secret: str, failures: int) -> None:
        self.token, self.secret, self.failures = token, secret, failures
        self.posts: list[int] = []  # status answered to each POST
        self.messages: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.problems: list[str] = []  # messages that did not match docs/portal.md's schemas
        self.lock = threading.Lock()
        self.server = serve(self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/dvcqg/sohoa"

    def check(self, headers: dict[str, str], body: bytes) -> int:
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401
        stamp = headers.get("X-Sohoa-Timestamp", "")
        mac = hmac.new(self.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("X-Sohoa-Signature", ""), f"sha256={mac}"):
            return 401
        if abs(time.time() - int(stamp)) > 300 or not headers.get("Content-Type", "").startswith("application/json"):
            return 400
        envelope = json.loads(body)
        try:  # a message the contract does not describe is refused (a dead letter) and remembered for the test
            jsonschema_rs.validate(SCHEMAS["envelope"], envelope)
            topic = envelope["topic"]
            jsonschema_rs.validate(SCHEMAS[topic if topic in SCHEMAS else "paper"], envelope["data"])
        except jsonschema_rs.ValidationError as error:
            self.problems.append(f"{envelope.get('topic')}: {error}")
            return 400
        same = (envelope["id"], envelope["topic"], envelope["stream"], str(envelope["sequence"]))
        sent = tuple(
            headers.get(h) for h in ("X-Sohoa-Message-Id", "X-Sohoa-Topic", "X-Sohoa-Stream", "X-Sohoa-Sequence")
        )
        if sent != same or headers.get("Idempotency-Key") != envelope["id"]:
            return 400
        with self.lock:
            if len(self.posts) < self.failures:
                return 503
            if envelope["id"] not in self.messages:
                self.messages[envelope["id"]] = envelope
                self.order.append(envelope["id"])
        return 200

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = portal.check(dict(self.headers.items()), body)
                with portal.lock:
                    portal.posts.append(status)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        return Handler

    def topics(self, stream: str) -> list[str]:
        return [self.messages[i]["topic"] for i in self.order if self.messages[i]["stream"] == stream]


class OpenApi:
    """Checks an answer against the schema the served OpenAPI document gives its route, method and status."""

    def __init__(self, client: httpx.Client) -> None:
        self.spec = client.get("/openapi.json").raise_for_status().json()

    def conforms(self, response: httpx.Response, template: str) -> Any:
        operation = self.spec["paths"][template][response.request.method.lower()]
        assert str(response.status_code) in operation["responses"], (template, response.status_code)
        content = operation["responses"][str(response.status_code)].get("content", {})
        media = response.headers.get("content-type", "").split(";")[0]
        assert media in content, (template, media, list(content))
        if media.endswith("json"):
            schema = {**content[media].get("schema", {}), "components": self.spec["components"]}
            jsonschema_rs.validate(schema, response.json())
            return response.json()
        return response.content


def _wait(condition: Callable[[], bool], timeout: float, what: str, stack: SohoaStack) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"{what} not seen in {timeout} s: {stack.log_tail('server')}")


def _scans() -> list[tuple[str, tuple[str, bytes, str]]]:
    paragraphs = seed_paragraphs()
    pages = []
    for index in range(3):
        image, _ = render_page(paragraphs[index * 2 : index * 2 + 1], height_mm=110.0, header=index == 0)
        pages.append(("files", (f"trang-{index + 1}.jpg", encode_jpeg(image, 300), "image/jpeg")))
    return pages


def _sse(client: httpx.Client, path: str, headers: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event, data) of a server-sent event stream until the server ends it."""
    event = ""
    with client.stream("GET", path, headers=headers, timeout=httpx.Timeout(30, read=300)) as answer:
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
        for line in answer.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                yield event, json.loads(line.split(":", 1)[1])


def _result_pdf(folder: Path, stack: SohoaStack) -> bytes:
    """The agency's result, signed before it is sent (`sohoa sign`, here with the development identity)."""
    page = Image.new("RGB", (1240, 1754), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf", 40)
    ImageDraw.Draw(page).text((150, 200), "GIẤY CHỨNG NHẬN KẾT HÔN (mẫu thử)", font=font, fill="black")
    page.save(folder / "ket-qua.pdf", "PDF", resolution=150)
    signed = stack.cli("sign", str(folder / "ket-qua.pdf"), "-o", str(folder / "ket-qua-ky.pdf"), "--stamp", "agency")
    assert signed.returncode == 0, signed.stderr
    return (folder / "ket-qua-ky.pdf").read_bytes()


def _signed_by(hook: Any, secret: str) -> bool:
    stamp = hook.headers["X-Sohoa-Timestamp"]
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + hook.body, hashlib.sha256).hexdigest()
    return bool(hook.headers["X-Sohoa-Signature"] == f"sha256={mac}")


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[tuple[SohoaStack, Portal]]:
    (tmp_path / "portal-token").write_text("dvcqg-token-walk\n")
    (tmp_path / "portal-secret").write_text("dvcqg-secret-walk\n")
    portal = Portal("dvcqg-token-walk", "dvcqg-secret-walk", failures=2)
    stack = SohoaStack(
        tmp_path / "data",
        {
            "SOHOA_PORTAL_SYNC_URL": portal.url,
            "SOHOA_PORTAL_SYNC_TOKEN_FILE": str(tmp_path / "portal-token"),
            "SOHOA_PORTAL_SYNC_SECRET_FILE": str(tmp_path / "portal-secret"),
            "SOHOA_PORTAL_SYNC_BACKOFF_SECONDS": "0.5",
            "SOHOA_PORTAL_SYNC_BACKOFF_MAX_SECONDS": "2",
            "SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.1/32"]',  # the receivers sit on loopback
        },
        development_sign_in=True,  # the embedded default: `sohoa token` mints the bearer tokens
    )
    stack.data_dir.mkdir()
    try:
        stack.start_server(embedded_worker=True)
        yield stack, portal
    finally:
        stack.stop()
        shut(portal.server)


def test_the_one_stop_system_and_the_portal_walk_their_path(
    installation: tuple[SohoaStack, Portal], tmp_path: Path
) -> None:
    stack, portal = installation
    hooks = Receiver().start()
    client = httpx.Client(base_url=stack.url, timeout=60)
    api = OpenApi(client)
    try:
        # 1. The one-stop system: a handler token (dossiers, webhooks, results) and a station token (batches).
        handler = {"Authorization": f"Bearer {stack.token(Role.HANDLER, 'mot-cua-tinh', agency=AGENCY)}"}
        station = {"Authorization": f"Bearer {stack.token(Role.STATION, 'QT-01', agency=AGENCY, name='Lê Thị B')}"}
        reading = {**handler, "X-Purpose": quote("tiếp nhận và giải quyết hồ sơ")}
        events = ["dossier.received", "batch.finished", "document.stored", "result.stored", "dossier.result_ready"]
        hook = api.conforms(
            client.post("/api/v1/webhooks", headers=handler, json={"url": hooks.url, "events": events}),
            "/api/v1/webhooks",
        )
        internal = client.post(
            "/api/v1/webhooks", headers=handler, json={"url": "http://10.9.9.9/hooks", "events": events}
        )
        refused = api.conforms(internal, "/api/v1/webhooks")  # a network the operator did not allow: which field, why
        assert (
            refused["errors"][0]["field"] == "body.url" and "SOHOA_INGEST_WEBHOOK_ALLOWED_NETWORKS" in refused["detail"]
        )
        opened = api.conforms(
            client.post(
                "/api/v1/dossiers",
                headers=handler,
                json={"owner_id": OWNER, "owner_name": "Trần Thị Thử", "procedure_code": PROCEDURE},
            ),
            "/api/v1/dossiers",
        )
        code = opened["life"]["code"]
        assert opened["life"]["state"] == "received"

        manifest = {
            "station_id": "QT-01",
            "agency_code": AGENCY,
            "procedure_code": PROCEDURE,
            "dossier_code": code,
            "owner_id": OWNER,
            "documents": [
                {"type_code": "GKS", "name": "Giấy khai sinh", "pages": "1-2"},
                {"type_code": "CCCD", "name": "Căn cước công dân", "pages": "3"},
            ],
        }
        upload = client.post(
            "/api/v1/batches", headers=station, data={"manifest": json.dumps(manifest)}, files=_scans()
        )
        batch = api.conforms(upload, "/api/v1/batches")
        assert batch["dossier_code"] == code
        seen = [(e, d.get("status")) for e, d in _sse(client, f"/api/v1/batches/{batch['batch_id']}/events", station)]
        assert seen[-1] == ("batch", "done"), seen
        view = api.conforms(
            client.get(f"/api/v1/batches/{batch['batch_id']}", headers=station), "/api/v1/batches/{batch_id}"
        )
        assert [(d["type_code"], d["status"], d["signature"]) for d in view["documents"]] == [
            ("GKS", "done", "TOTAL-PASSED"),
            ("CCCD", "done", "TOTAL-PASSED"),
        ]

        dossier = api.conforms(client.get(f"/api/v1/dossiers/{code}", headers=reading), "/api/v1/dossiers/{code}")
        assert sorted(d["document"]["type_code"] for d in dossier["documents"]) == ["CCCD", "GKS"]
        slip = client.get(f"/api/v1/dossiers/{code}/receipt", headers=reading)
        assert api.conforms(slip, "/api/v1/dossiers/{code}/receipt").startswith(b"%PDF-")
        data = api.conforms(
            client.get(f"/api/v1/dossiers/{code}/receipt?format=json", headers=reading),
            "/api/v1/dossiers/{code}/receipt",
        )
        assert data["dossier_code"] == code and OWNER not in data["qr_payload"]

        metadata = {
            "type_code": "GCNKH",
            "name": "Giấy chứng nhận kết hôn",
            "number_symbol": "12/2026/GCNKH",
            "issued_at": "2026-12-01",
            "permanent": True,
        }
        issued = client.post(
            f"/api/v1/dossiers/{code}/results",
            headers={**handler, "Idempotency-Key": "mot-cua-kq-1"},
            data={"metadata": json.dumps(metadata)},
            files={"file": ("ket-qua.pdf", _result_pdf(tmp_path, stack), "application/pdf")},
        )
        result = api.conforms(issued, "/api/v1/dossiers/{code}/results")["document"]
        assert result["result_code"] == f"{code}-KQ1"
        _wait(
            lambda: {"dossier.result_ready", "batch.finished"} <= {h.headers["X-Sohoa-Event"] for h in hooks.received},
            60,
            "the one-stop system's webhooks",
            stack,
        )
        assert all(_signed_by(h, hook["secret"]) for h in hooks.received)
        told = {h.headers["X-Sohoa-Event"]: json.loads(h.body) for h in hooks.received}
        assert set(told) == set(events)
        assert told["dossier.received"]["dossier_code"] == code
        assert told["result.stored"]["document_id"] == result["id"]
        by_event = [(h.headers["X-Sohoa-Event"], json.loads(h.body)) for h in hooks.received]
        stored = {body["document_id"] for event, body in by_event if event == "document.stored"}
        assert stored == {d["id"] for d in view["documents"]}
        fetched = client.get(f"/api/v1/documents/{result['id']}/content", headers=reading)  # the one-stop system asks
        assert api.conforms(fetched, "/api/v1/documents/{document_id}/content")[:5] == b"%PDF-"
        assert fetched.headers["repr-digest"] and hashlib.sha256(fetched.content).hexdigest() == result["sha256"]
        assert told["dossier.result_ready"]["state"] == "result_ready"
        assert not any(OWNER.encode() in h.body for h in hooks.received)

        # 2. The national portal: told of the dossier's moves and papers, after refusing the first two posts.
        stream = f"dossier:{code}"
        told_all = lambda: portal.problems != [] or "dossier.status_changed" in portal.topics(stream)[1:]  # noqa: E731
        _wait(told_all, 90, "the portal's messages", stack)
        assert portal.problems == []
        topics = portal.topics(stream)
        assert topics[0] == "dossier.status_changed" and topics.count("catalogue.stored") == 2
        assert topics.index("result.issued") < len(topics) - 1 and topics[-1] == "dossier.status_changed"
        assert portal.posts[:2] == [503, 503] and set(portal.posts[2:]) == {200}
        sequences = [portal.messages[i]["sequence"] for i in portal.order if portal.messages[i]["stream"] == stream]
        assert sequences == sorted(sequences)
        issued_message = next(m for m in portal.messages.values() if m["topic"] == "result.issued")
        assert issued_message["data"]["document_id"] == result["id"]

        citizen = {"Authorization": f"Bearer {stack.token(Role.CITIZEN, 'cd-thu', owner=OWNER)}"}
        until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
        grant = api.conforms(
            client.post(
                "/api/v1/me/grants",
                headers=citizen,
                json={
                    "grantee_kind": "portal",
                    "grantee": "portal",
                    "type_code": "GKS",
                    "purpose": PURPOSE,
                    "expires_at": until,
                },
            ),
            "/api/v1/me/grants",
        )
        dvcqg = {"Authorization": f"Bearer {stack.token(Role.PORTAL, 'dvcqg')}", "X-Purpose": quote(PURPOSE)}
        papers = api.conforms(
            client.get(f"/api/v1/portal/owners/{OWNER}/documents", headers=dvcqg),
            "/api/v1/portal/owners/{owner_id}/documents",
        )
        assert [p["name"] for p in papers] == ["Giấy khai sinh"]
        pdf = client.get(papers[0]["content_path"], headers=dvcqg)
        assert api.conforms(pdf, "/api/v1/portal/documents/{document_id}/content")[:5] == b"%PDF-"
        assert hashlib.sha256(pdf.content).hexdigest() == papers[0]["sha256"]
        trust = load_cert_from_pemder(str(stack.data_dir / "signing" / "dev" / "ca.pem"))  # docs/portal.md
        signature = PdfFileReader(io.BytesIO(pdf.content)).embedded_signatures[0]
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[trust], allow_fetching=False))
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()

        gone = client.delete(f"/api/v1/me/grants/{grant['id']}", headers=citizen)
        assert gone.status_code == 204
        for path, template in (
            (papers[0]["content_path"], "/api/v1/portal/documents/{document_id}/content"),
            (f"/api/v1/portal/owners/{OWNER}/documents", "/api/v1/portal/owners/{owner_id}/documents"),
        ):
            refused = client.get(path, headers=dvcqg)
            assert refused.status_code == 403, refused.text
            problem = api.conforms(refused, template)
            assert problem["type"] == "urn:sohoa:problem:grant-revoked"
            assert f"grant {grant['id']} for this purpose was revoked at" in problem["detail"]
            assert OWNER not in problem["detail"]
        other = client.get(papers[0]["content_path"], headers={**dvcqg, "X-Purpose": quote("mục đích khác")})
        assert other.status_code == 404  # never granted for that purpose: nothing to say
    finally:
        client.close()
        hooks.stop()
