"""A small HTTP client of the sohoa API for scanning stations: upload a batch, follow it until it is done.

Used by `sohoa upload`; plain httpx, every call with a time-out. Progress comes from the server's events
(`GET /api/v1/batches/{id}/events`, server-sent), page by page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

# the last two wait for people: officers' tokens, the station's choice for a paper scanned again
TERMINAL = ("done", "needs_rescan", "failed", "awaiting_signature", "awaiting_choice")


class ApiError(Exception):
    """The server refused a call; the message carries its problem detail, `status` the HTTP status (None: no answer
    or the client's own verdict)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Unreachable(ApiError):
    """No answer from the server (refused, unknown host, time-out)."""


TOKEN_HINT = (
    " — this token was not signed by this server's key: a development token works only with the data folder it"
    " was minted from (run `sohoa token` with the server's SOHOA_DATA_DIR, or ask for a station token)"
)


def _raise_for_problem(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
        detail = body.get("detail") or body.get("title")
    except ValueError:
        detail = response.text[:300]
    if response.status_code == 401 and "Signature verification failed" in str(detail):
        detail = f"{detail}{TOKEN_HINT}"
    raise ApiError(f"HTTP {response.status_code}: {detail}", response.status_code)


@dataclass(frozen=True)
class Event:
    """One server-sent event of a batch: its id, kind (page, document, batch) and data."""

    id: int
    kind: str
    data: dict[str, Any]


def parse_events(lines: Iterator[str]) -> Iterator[Event]:
    """Server-sent events from a stream of lines (comments and keep-alives skipped)."""
    ident, kind = 0, "message"
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield Event(ident, kind, json.loads("\n".join(data)))
            kind, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "id":
                ident = int(value)
            elif name == "event":
                kind = value
            elif name == "data":
                data.append(value)


class StationClient:
    def __init__(self, server: str, token: str, timeout: float = 60.0) -> None:
        self.http = httpx.Client(
            base_url=server.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach the sohoa server at {self.http.base_url} ({exc})") from exc

    def upload(self, files: list[Path], manifest: dict[str, Any] | None) -> dict[str, Any]:
        """POST the pages (streamed from disk) with their manifest, or one zip that holds manifest.json."""
        with ExitStack() as stack:
            parts = [("files", (path.name, stack.enter_context(path.open("rb")))) for path in files]
            data = {"manifest": json.dumps(manifest, ensure_ascii=False)} if manifest is not None else None
            response = self._call("POST", "/api/v1/batches", files=parts, data=data)
        _raise_for_problem(response)
        result: dict[str, Any] = response.json()
        return result

    def replace_page(self, document_id: str, page: int, scan: Path) -> dict[str, Any]:
        """POST the new scan of one page: the server makes the document's next version in a batch of its own."""
        with scan.open("rb") as handle:
            response = self._call(
                "POST",
                f"/api/v1/documents/{document_id}/versions",
                files={"file": (scan.name, handle)},
                data={"page": str(page)},
            )
        _raise_for_problem(response)
        result: dict[str, Any] = response.json()
        return result

    def batch(self, batch_id: str) -> dict[str, Any]:
        response = self._call("GET", f"/api/v1/batches/{batch_id}")
        _raise_for_problem(response)
        result: dict[str, Any] = response.json()
        return result

    def choose(self, batch_id: str, index: int, choice: str) -> dict[str, Any]:
        """The station's choice for a document scanned again: reuse, new_version or new_document."""
        response = self._call("POST", f"/api/v1/batches/{batch_id}/documents/{index}/choice", json={"choice": choice})
        _raise_for_problem(response)
        result: dict[str, Any] = response.json()
        return result

    def wait(
        self,
        batch_id: str,
        on_update: Callable[[dict[str, Any]], None] | None = None,
        interval: float = 1.0,
        timeout: float = 3600.0,
    ) -> dict[str, Any]:
        """Poll the batch until it reaches a final status (or the time-out passes)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.batch(batch_id)
            if on_update:
                on_update(state)
            if state["status"] in TERMINAL:
                return state
            if time.monotonic() > deadline:
                raise ApiError(f"batch {batch_id} is still {state['status']} after {timeout:.0f} s")
            time.sleep(interval)

    def follow(
        self, batch_id: str, on_event: Callable[[Event], None] | None = None, timeout: float = 3600.0
    ) -> dict[str, Any]:
        """Follow the batch's server-sent events until it is finished (reconnecting with Last-Event-ID when the
        stream breaks), then return its final state."""
        deadline = time.monotonic() + timeout
        last = 0
        while time.monotonic() < deadline:
            try:
                with self.http.stream(
                    "GET",
                    f"/api/v1/batches/{batch_id}/events",
                    headers={"Accept": "text/event-stream", "Last-Event-ID": str(last)},
                    timeout=httpx.Timeout(30.0, read=120.0),
                ) as response:
                    if response.status_code >= 400:
                        response.read()
                        _raise_for_problem(response)
                    for event in parse_events(response.iter_lines()):
                        last = event.id
                        if on_event:
                            on_event(event)
            except httpx.TransportError:
                time.sleep(1.0)  # the stream broke: the state below says whether to reconnect
            state = self.batch(batch_id)
            if state["status"] in TERMINAL:
                return state
        raise ApiError(f"batch {batch_id} is not finished after {timeout:.0f} s")
