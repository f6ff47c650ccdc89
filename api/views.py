"""Response pieces several routers share: a document's signed PDF as a streamed response (HTTP Range,
`Repr-Digest`) with its OpenAPI description, the issuing routes' problem responses, the uploaded-PDF reader, and
the JSON of a model the hot read routes answer with.
"""

from __future__ import annotations

import base64
import re
from functools import partial
from typing import Any

from fastapi import UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from api.problems import PROBLEM_RESPONSES, Problem
from api.stream_body import stream_body
from core.types import Actor
from vault.service import Vault
from vault.store.base import ByteRange

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

PDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The signed PDF/A"},
    206: {"content": {"application/pdf": {}}, "description": "A byte range of it"},
    416: PROBLEM_RESPONSES[404],
}

# Problems the issuing routes add: 409 (state does not allow it), 413 (file too large), 503 (signing services down).
ISSUING_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    **{code: PROBLEM_RESPONSES[404] for code in (409, 413, 503)},
}


def model_json(model: BaseModel) -> Response:
    """The model, built and validated by the route, as its JSON response, as FastAPI would write it. A route that
    answers with it keeps its `response_model` (the OpenAPI schema) but skips FastAPI's validating it once more,
    which for a synchronous route is a second hop to the thread pool on every request."""
    return Response(model.__pydantic_serializer__.to_json(model, by_alias=True), media_type="application/json")


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; 416 when it cannot be satisfied."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        raise Problem(
            416, "only one byte range of the form bytes=a-b is supported", headers={"Content-Range": f"bytes */{size}"}
        )
    first, last = match.groups()
    if first == "":
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if size == 0 or start >= size or start > end:
        raise Problem(416, "the range is outside the document", headers={"Content-Range": f"bytes */{size}"})
    return (start, end)


def repr_digest(sha256_hex: str) -> str:
    """RFC 9530 `Repr-Digest` of the whole representation."""
    return f"sha-256=:{base64.b64encode(bytes.fromhex(sha256_hex)).decode()}:"


def content_response(
    vault: Vault, doc_id: str, actor: Actor, range_header: str | None, *, disposition: str = "inline"
) -> Response:
    """The document's bytes (or the asked range), streamed as they are read and hashed; the read is authorised and
    in the access log before the reply starts. The SHA-256 of the whole object (or, for a range, of each block it
    covers) is checked before the last piece is sent: on a mismatch the connection is cut short of
    `Content-Length`, so no client takes it for a whole file. Bytes already read and verified whole (every PDF up to
    4 MiB, every pdf.js range) go out as one plain body: no stream, no task listening for a disconnect."""
    record, content = vault.stream_content(doc_id, actor, partial(parse_range, range_header))
    headers = {
        "Accept-Ranges": "bytes",
        "Repr-Digest": repr_digest(content.sha256),
        "Content-Length": str(content.length),
        "Content-Disposition": f'{disposition}; filename="{record.result_code or record.id}.pdf"',
        "Cache-Control": "private, no-store",
        "ETag": f'"{content.sha256}"',
    }
    status = 200
    if range_header:
        status = 206
        headers["Content-Range"] = f"bytes {content.start}-{content.end}/{content.total_size}"
    if content.in_memory:
        return Response(content.read(), status_code=status, media_type="application/pdf", headers=headers)
    return StreamingResponse(stream_body(content), status_code=status, media_type="application/pdf", headers=headers)


async def read_pdf(upload: UploadFile, max_bytes: int) -> bytes:
    """The uploaded PDF, within the size limit; a clear 413/422 otherwise."""
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Problem(413, f"the file is larger than {max_bytes} bytes")
    if not data.startswith(b"%PDF-"):
        raise Problem(422, "the file is not a PDF")
    return data
