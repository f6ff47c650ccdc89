"""The hostile-input table of docs/security.md, case by case, against the real app on a private data folder.

Every case must end in a clear 4xx problem (RFC 9457, no traceback, no server path), store nothing (no batch
row, no owner, no dossier, no webhook, no staging folder, no object, nothing enqueued) and log no personal ID.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import json
import re
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.services import Services
from api.settings import ApiSettings
from api.tokens import mint_development_token, sign_token
from core.settings import CoreSettings
from core.timezone import VN_TZ
from core.types import Role
from ingest.db import migrate, sessions
from ingest.models import Batch
from ingest.settings import IngestSettings
from issuing import webhooks
from runtime.app import api_services
from tests.security import hostile
from tests.support import pdfs
from vault.models import Dossier, Owner

AGENCY = "000.00.00.H30"
OTHER_AGENCY = "000.00.15.H38"
OWNER = "045190001234"
PROCEDURE = "1.011442.000.00.00.H30"
ANY_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")  # \d: ASCII, full-width and Arabic-Indic digits alike


@dataclass
class Stack:
    client: TestClient
    core: CoreSettings
    services: Services
    objects: Path
    enqueued: list[tuple[str, int, int]] = field(default_factory=list)

    def token(self, role: Role = Role.STATION, **claims: Any) -> str:
        if role in (Role.STATION, Role.HANDLER):
            claims.setdefault("agency_code", AGENCY)
        return mint_development_token(ApiSettings(), self.core, role=role, subject=f"{role.value}-1", **claims)

    def headers(self, role: Role = Role.STATION, **claims: Any) -> dict[str, str]:
        """A bearer token, and for a handler a stated purpose (so that the input itself is what is judged)."""
        purpose = {"X-Purpose": "kiem-tra"} if role is Role.HANDLER else {}
        return {"Authorization": f"Bearer {self.token(role, **claims)}", **purpose}

    def stored(self) -> dict[str, int]:
        """Everything a refused request must not leave behind."""
        with self.services.sessions() as session:
            counts = {
                table.__name__: int(session.scalar(select(func.count()).select_from(table)) or 0)
                for table in (Batch, Owner, Dossier, webhooks.Webhook)
            }
        counts["staging"] = sum(1 for _ in self.services.staging_root.iterdir())
        counts["objects"] = sum(1 for path in self.objects.rglob("*") if path.is_file())
        counts["enqueued"] = len(self.enqueued)
        return counts


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from vault.service import Vault
    from vault.settings import vault_settings
    from vault.store import LocalStore

    folder = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{folder / 'catalogue.sqlite3'}"
    migrate(url)
    factory = sessions(url)
    core = CoreSettings(data_dir=folder / "data")
    enqueued: list[tuple[str, int, int]] = []
    services = dataclasses.replace(
        api_services(core, factory, Vault(factory, LocalStore(folder / "objects"), vault_settings())),
        ingest=IngestSettings(
            max_file_bytes=4 * 1024**2, max_upload_bytes=8 * 1024**2, max_pages=20, max_pixels_per_page=30_000_000
        ),
        enqueue_document=lambda *args: enqueued.append(args),
    )
    app = create_app(ApiSettings(), core, services=services)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Stack(client, core, services, folder / "objects", enqueued)


# --- requests -------------------------------------------------------------------------------------------------


def manifest(**change: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "station_id": "QT-01",
        "agency_code": AGENCY,
        "procedure_code": PROCEDURE,
        "owner_id": OWNER,
        "owner_name": "Nguyễn Văn An",
        "split": "manifest",
        "documents": [{"type_code": "GKS", "name": "Giấy khai sinh", "pages": "1"}],
    }
    base.update(change)
    return base


def with_pages(pages: str) -> dict[str, Any]:
    return manifest(documents=[{"type_code": "GKS", "name": "Giấy khai sinh", "pages": pages}])


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    role: Role | None = Role.STATION  # None: send the headers as given, no token added
    claims: dict[str, Any] = field(default_factory=dict)


def upload(files: list[tuple[str, bytes]], body: dict[str, Any] | str | None = None, **extra: Any) -> Call:
    data = {} if body is None else {"manifest": body if isinstance(body, str) else json.dumps(body)}
    parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
    return Call("POST", "/api/v1/batches", {"files": parts, "data": data}, **extra)


def page_upload(name: str, content: bytes, body: dict[str, Any] | None = None) -> Call:
    return upload([(name, content)], body or manifest())


def zipped(entries: dict[str, bytes] | list[zipfile.ZipInfo | tuple[str, bytes]], method: int = 8) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as bundle:
        items = entries.items() if isinstance(entries, dict) else entries
        for item in items:
            if isinstance(item, zipfile.ZipInfo):
                bundle.writestr(item, hostile.jpeg(64, 64))
            else:
                bundle.writestr(*item)
    return out.getvalue()


def zip_upload(entries: dict[str, bytes] | list[Any], with_manifest: bool = True) -> Call:
    if with_manifest:
        man = ("manifest.json", json.dumps(manifest()).encode())
        entries = {man[0]: man[1], **entries} if isinstance(entries, dict) else [man, *entries]
    return upload([("batch.zip", zipped(entries))])


def link_entry() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("page.jpg")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def encrypted_entry() -> bytes:
    data = bytearray(zipped({"manifest.json": json.dumps(manifest()).encode(), "p.jpg": hostile.jpeg(64, 64)}))
    for signature in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag in local and central headers
        start = 0
        while (at := data.find(signature, start)) >= 0:
            offset = at + (6 if signature == b"PK\x03\x04" else 8)
            data[offset] |= 0x01
            start = at + 4
    return bytes(data)


def token_call(token: str) -> Call:
    return Call("GET", "/api/v1/batches/" + "0" * 32, {"headers": {"Authorization": f"Bearer {token}"}}, role=None)


def foreign_token() -> str:
    return sign_token(Ed25519PrivateKey.generate(), ApiSettings(), role=Role.ADMIN, subject="intruder")


def none_token() -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    claims = {"iss": "sohoa-dev", "aud": "sohoa", "sub": "x", "role": "admin", "exp": 4102444800}
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{body}."


def hs256_token() -> str:
    """Signed with HS256 using a guessable secret: an algorithm the API does not take."""
    claims = {"iss": "sohoa-dev", "aud": "sohoa", "sub": "x", "role": "admin", "exp": 4102444800}
    return jwt.encode(claims, "secret-key-of-at-least-32-bytes!!", algorithm="HS256")


def hook(url: str) -> Call:
    return Call("POST", "/api/v1/webhooks", {"json": {"url": url, "events": ["batch.finished"]}}, role=Role.HANDLER)


GET_BATCH = "/api/v1/batches/" + "0" * 32


def vn_day(days_ahead: int) -> str:
    """YYMMDD of today plus `days_ahead` in Vietnam time (a dossier code's date)."""
    return f"{dt.datetime.now(VN_TZ).date() + dt.timedelta(days=days_ahead):%y%m%d}"


FULL_WIDTH_OWNER = OWNER.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
ARABIC_OWNER = OWNER.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

# (case id, request builder, expected status or statuses); the ids are the rows of docs/security.md.
CASES: list[tuple[str, Callable[[Stack], Call], tuple[int, ...]]] = [
    # upload
    ("upload-no-files", lambda s: Call("POST", "/api/v1/batches", {"data": {"manifest": "{}"}}), (422,)),
    ("upload-files-without-manifest", lambda s: upload([("a.jpg", hostile.jpeg()), ("b.jpg", hostile.jpeg())]), (422,)),
    ("upload-empty-file", lambda s: page_upload("p.jpg", b""), (422,)),
    ("upload-html-named-jpg", lambda s: page_upload("p.jpg", b"<html><script>alert(1)</script></html>"), (415,)),
    ("upload-traversal-file-name", lambda s: page_upload("../../../../etc/passwd", b"root:x:0:0"), (415,)),
    ("upload-file-over-limit", lambda s: page_upload("p.jpg", hostile.jpeg() + bytes(5 * 1024**2)), (413,)),
    ("upload-too-many-pages", lambda s: page_upload("p.tif", hostile.tiff_many_pages(25)), (413,)),
    ("upload-page-too-many-pixels", lambda s: page_upload("p.jpg", hostile.jpeg_header_only(6000, 6000)), (413,)),
    (
        "upload-other-agency",
        lambda s: page_upload("p.jpg", hostile.jpeg(), manifest(agency_code="000.00.12.H30")),
        (403,),
    ),
    (
        "upload-wrong-role",
        lambda s: Call("POST", "/api/v1/batches", {"data": {"manifest": "{}"}}, role=Role.HANDLER),
        (403,),
    ),
    (
        "upload-multipart-without-boundary",
        lambda s: Call(
            "POST", "/api/v1/batches", {"content": b"--x\r\n", "headers": {"Content-Type": "multipart/form-data"}}
        ),
        (400, 422),
    ),
    # zip
    ("zip-entry-dot", lambda s: zip_upload({".": hostile.jpeg(64, 64)}), (422,)),
    ("zip-entry-300-characters", lambda s: zip_upload({"a" * 300 + ".jpg": hostile.jpeg(64, 64)}), (422,)),
    ("zip-entry-parent-path", lambda s: zip_upload({"../evil.jpg": hostile.jpeg(64, 64)}), (422,)),
    ("zip-entry-absolute", lambda s: zip_upload({"/tmp/evil.jpg": hostile.jpeg(64, 64)}), (422,)),
    ("zip-entry-symlink", lambda s: zip_upload([link_entry()]), (422,)),
    ("zip-entry-in-folder", lambda s: zip_upload({"pages/p1.jpg": hostile.jpeg(64, 64)}), (422,)),
    ("zip-bomb", lambda s: zip_upload({"p1.tif": bytes(3 * 1024**2)}), (422,)),
    ("zip-nested", lambda s: zip_upload({"inner.zip": zipped({"p.jpg": hostile.jpeg(64, 64)})}), (422,)),
    ("zip-without-manifest", lambda s: zip_upload({"p1.jpg": hostile.jpeg(64, 64)}, with_manifest=False), (422,)),
    (
        "zip-truncated",
        lambda s: upload([("b.zip", zipped({"manifest.json": b"{}", "p.jpg": hostile.jpeg()})[:300])]),
        (422,),
    ),
    ("zip-encrypted-entry", lambda s: upload([("b.zip", encrypted_entry())]), (422,)),
    (
        "zip-duplicate-names",
        lambda s: zip_upload([("p.jpg", hostile.jpeg(64, 64)), ("p.jpg", hostile.jpeg(64, 64))]),
        (422,),
    ),
    # manifest
    ("manifest-not-json", lambda s: upload([("p.jpg", hostile.jpeg())], "{not json"), (422,)),
    ("manifest-deeply-nested", lambda s: upload([("p.jpg", hostile.jpeg())], "[" * 100_000 + "]" * 100_000), (422,)),
    ("manifest-unknown-field", lambda s: page_upload("p.jpg", hostile.jpeg(), manifest(role="admin")), (422,)),
    ("manifest-pages-5000-digits", lambda s: page_upload("p.jpg", hostile.jpeg(), with_pages("1" * 5000)), (422,)),
    ("manifest-pages-page-zero", lambda s: page_upload("p.jpg", hostile.jpeg(), with_pages("0")), (422,)),
    ("manifest-pages-beyond-batch", lambda s: page_upload("p.jpg", hostile.jpeg(), with_pages("1-999999")), (422,)),
    (
        "manifest-owner-full-width-digits",
        lambda s: page_upload("p.jpg", hostile.jpeg(), manifest(owner_id=FULL_WIDTH_OWNER)),
        (422,),
    ),
    (
        "manifest-owner-arabic-indic-digits",
        lambda s: page_upload("p.jpg", hostile.jpeg(), manifest(owner_id=ARABIC_OWNER)),
        (422,),
    ),
    (
        "manifest-owner-unknown-province",
        lambda s: page_upload("p.jpg", hostile.jpeg(), manifest(owner_id="999190001234")),
        (422,),
    ),
    (
        "manifest-tax-code-with-spaces",
        lambda s: page_upload("p.jpg", hostile.jpeg(), manifest(owner_id="0314 409 058")),
        (422,),
    ),
    (
        "manifest-dossier-impossible-date",
        lambda s: page_upload("p.jpg", hostile.jpeg(), manifest(dossier_code=f"{AGENCY}-261399-0001")),
        (422,),
    ),
    (
        "manifest-dossier-other-agency",
        lambda s: page_upload("p.jpg", hostile.jpeg(), manifest(dossier_code=f"{OTHER_AGENCY}-{vn_day(0)}-0001")),
        (422,),
    ),
    (
        "manifest-dossier-future-date",
        lambda s: page_upload("p.jpg", hostile.jpeg(), manifest(dossier_code=f"{AGENCY}-{vn_day(1)}-0001")),
        (422,),
    ),
    (
        "manifest-name-100k-characters",
        lambda s: page_upload("p.jpg", hostile.jpeg(), manifest(owner_name="A" * 100_000)),
        (422,),
    ),
    (
        "manifest-control-characters",
        lambda s: page_upload("p.jpg", hostile.jpeg(), manifest(station_id="QT\x00-01\n")),
        (422,),
    ),
    # images
    ("image-truncated-jpeg", lambda s: page_upload("p.jpg", hostile.jpeg()[:2000]), (422,)),
    ("image-png-header-bomb", lambda s: page_upload("p.png", hostile.png_idat_bomb(60000, 60000, 1000)), (413, 422)),
    ("image-png-idat-bomb", lambda s: page_upload("p.png", hostile.png_idat_bomb()), (422,)),
    ("image-jpeg-pixel-flood", lambda s: page_upload("p.jpg", hostile.jpeg_header_only(65000, 65000)), (413, 422)),
    ("image-png-bad-crc", lambda s: page_upload("p.png", hostile.png()[:-5] + b"XXXXX"), (422,)),
    ("image-tiff-damaged-directory", lambda s: page_upload("p.tif", b"II*\x00\xff\xff\xff\x7f" + bytes(64)), (422,)),
    (
        "image-jpeg-magic-then-text",
        lambda s: page_upload("p.jpg", b"\xff\xd8\xff" + b"Day khong phai anh" * 10),
        (422,),
    ),
    # PDFs
    ("pdf-flate-bomb", lambda s: page_upload("p.pdf", hostile.pdf_flate_bomb()), (422,)),
    ("pdf-dct-size-lie", lambda s: page_upload("p.pdf", hostile.pdf_dct_lying_size()), (413, 422)),
    (
        "pdf-lzw-image",
        lambda s: page_upload("p.pdf", hostile.pdf_with_image(b"\x80", 10, 10, Filter="/LZWDecode")),
        (422,),
    ),
    (
        "pdf-without-images",
        lambda s: page_upload("p.pdf", hostile.pdf_without_images()),
        (422,),
    ),
    ("pdf-javascript", lambda s: page_upload("p.pdf", pdfs.with_javascript(pdfs.born_digital())), (422,)),
    ("pdf-content-stream-bomb", lambda s: page_upload("p.pdf", hostile.pdf_content_bomb()), (422,)),
    ("pdf-garbage-after-header", lambda s: page_upload("p.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40), (422,)),
    # tokens
    ("token-missing", lambda s: Call("GET", GET_BATCH, role=None), (401,)),
    ("token-alg-none", lambda s: token_call(none_token()), (401,)),
    ("token-hs256-guessed-secret", lambda s: token_call(hs256_token()), (401,)),
    ("token-foreign-key", lambda s: token_call(foreign_token()), (401,)),
    ("token-malformed", lambda s: token_call("abc.def"), (401,)),
    ("token-100-kb", lambda s: token_call("a" * 100_000), (401, 431)),
    (
        "token-citizen-without-owner",
        lambda s: token_call(sign_token(Ed25519PrivateKey.generate(), ApiSettings(), role=Role.CITIZEN, subject="c")),
        (401,),
    ),
    # headers
    (
        "header-purpose-too-long",
        lambda s: Call("GET", GET_BATCH, {"headers": {"X-Purpose": "a" * 10_000}}, role=Role.HANDLER),
        (422,),
    ),
    (
        "header-last-event-id-negative",
        lambda s: Call("GET", GET_BATCH + "/events", {"headers": {"Last-Event-ID": "-5"}}),
        (422,),
    ),
    (
        "header-last-event-id-huge",
        lambda s: Call("GET", GET_BATCH + "/events", {"headers": {"Last-Event-ID": "9" * 5000}}),
        (422,),
    ),
    # query parameters
    ("query-unknown-parameter", lambda s: Call("GET", GET_BATCH + "?debug=1"), (422,)),
    ("query-repeated-parameter", lambda s: Call("GET", "/api/v1/search?q=a&q=b", role=Role.HANDLER), (422,)),
    ("query-search-too-long", lambda s: Call("GET", "/api/v1/search?q=" + "a" * 5000, role=Role.HANDLER), (422,)),
    (
        "query-stats-date-arabic-digits",
        lambda s: Call("GET", "/api/v1/stats/digitisation?from=٢٠٢٦-٠١-٠١", role=Role.HANDLER),
        (422,),
    ),
    ("query-limit-huge", lambda s: Call("GET", "/api/v1/search?q=a&limit=" + "9" * 5000, role=Role.HANDLER), (422,)),
    # webhooks
    ("webhook-loopback", lambda s: hook("http://127.0.0.1:6379/hooks"), (422,)),
    ("webhook-localhost-name", lambda s: hook("http://localhost/hooks"), (422,)),
    ("webhook-metadata-service", lambda s: hook("http://169.254.169.254/latest/meta-data/"), (422,)),
    ("webhook-private-range", lambda s: hook("http://10.0.0.5/hooks"), (422,)),
    ("webhook-hex-address", lambda s: hook("http://0x7f000001/hooks"), (422,)),
    ("webhook-decimal-address", lambda s: hook("http://2130706433/hooks"), (422,)),
    ("webhook-octal-address", lambda s: hook("http://0177.0.0.1/hooks"), (422,)),
    ("webhook-ipv4-mapped-ipv6", lambda s: hook("http://[::ffff:127.0.0.1]/hooks"), (422,)),
    ("webhook-credentials-in-url", lambda s: hook("https://user:pass@one-stop.example.vn/hooks"), (422,)),
    ("webhook-file-scheme", lambda s: hook("file:///etc/passwd"), (422,)),
]


@pytest.mark.parametrize(("build", "expected"), [(b, e) for _, b, e in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_is_refused_cleanly(
    stack: Stack,
    build: Callable[[Stack], Call],
    expected: tuple[int, ...],
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    call = build(stack)
    before = stack.stored()
    kwargs = dict(call.kwargs)
    if call.role is not None:
        kwargs["headers"] = {**stack.headers(call.role, **call.claims), **kwargs.get("headers", {})}
    response = stack.client.request(call.method, call.path, **kwargs)
    assert response.status_code in expected, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json"), response.text[:200]
    problem = response.json()
    assert problem["status"] == response.status_code and problem["title"]
    text = response.text
    assert "Traceback" not in text and 'File "' not in text and str(stack.core.data_dir) not in text
    assert stack.stored() == before
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    assert not ANY_ID.search(logged), "a personal ID number reached the logs"
    assert not ANY_ID.search(text), "a personal ID number is echoed in the problem"


def test_the_table_has_at_least_40_cases_and_docs_list_them_all() -> None:
    ids = [case[0] for case in CASES]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    table = (Path(__file__).parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    missing = [case for case in ids if f"`{case}`" not in table]
    assert not missing, f"docs/security.md lacks the rows {missing}"


def _send(stack: Stack, call: Call) -> Any:
    return stack.client.request(call.method, call.path, headers=stack.headers(), **call.kwargs)


@pytest.mark.parametrize("code", [f"{OTHER_AGENCY}-{vn_day(0)}-0002", f"{AGENCY}-{vn_day(1)}-0002"])
def test_a_foreign_or_future_dossier_code_is_refused_naming_the_field(stack: Stack, code: str) -> None:
    response = _send(stack, page_upload("p.jpg", hostile.jpeg(), manifest(dossier_code=code)))
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["dossier_code"]
    with stack.services.sessions() as session:
        assert session.scalar(select(Dossier).where(Dossier.code == code)) is None


def test_a_refused_batch_leaves_the_owner_and_the_dossier_alone(stack: Stack) -> None:
    code = f"{AGENCY}-{vn_day(0)}-0100"
    first = _send(stack, page_upload("p.jpg", hostile.jpeg(), manifest(dossier_code=code, owner_name="Lê Thị Lan")))
    assert first.status_code == 202, first.text
    other = manifest(dossier_code=code, owner_id="079195000123", owner_name="Kẻ Mạo Danh")
    before = stack.stored()
    refused = _send(stack, page_upload("p.jpg", hostile.jpeg(), other))
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "dossier_code"
    again = _send(stack, page_upload("p.jpg", hostile.jpeg(), manifest(dossier_code=code, owner_name="Lê Thị Lân")))
    assert again.status_code == 202  # the same owner's later batch, with a typo in the name
    with stack.services.sessions() as session:
        assert session.scalar(select(Owner.display_name).where(Owner.owner_id == OWNER)) == "Lê Thị Lan"
    after = stack.stored()
    assert after["Owner"] == before["Owner"] and after["Dossier"] == before["Dossier"]


def test_automatic_codes_keep_working_after_a_cover_sheet_took_the_next_number(stack: Stack) -> None:
    automatic = _send(stack, page_upload("p.jpg", hostile.jpeg(), manifest()))
    assert automatic.status_code == 202, automatic.text
    taken = int(automatic.json()["dossier_code"][-4:])
    supplied = f"{AGENCY}-{vn_day(0)}-{taken + 1:04d}"
    assert _send(stack, page_upload("p.jpg", hostile.jpeg(), manifest(dossier_code=supplied))).status_code == 202
    codes = [_send(stack, page_upload("p.jpg", hostile.jpeg(), manifest())).json()["dossier_code"] for _ in range(3)]
    assert [int(code[-4:]) for code in codes] == [taken + 2, taken + 3, taken + 4]
