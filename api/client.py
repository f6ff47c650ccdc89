"""A small HTTP client of the sohoa API for scanning stations: upload a batch, follow it until it is done.

Used by `sohoa upload`; plain httpx, every call with a time-out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

TERMINAL = ("done", "needs_rescan", "failed")


class ApiError(Exception):
    """The server refused a call; the message carries its problem detail."""


def _raise_for_problem(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
        detail = body.get("detail") or body.get("title")
    except ValueError:
        detail = response.text[:300]
    raise ApiError(f"HTTP {response.status_code}: {detail}")


class StationClient:
    def __init__(self, server: str, token: str, timeout: float = 60.0) -> None:
        self.http = httpx.Client(
            base_url=server.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def close(self) -> None:
        self.http.close()

    def upload(self, files: list[Path], manifest: dict[str, Any] | None) -> dict[str, Any]:
        """POST the pages (streamed from disk) with their manifest, or one zip that holds manifest.json."""
        with ExitStack() as stack:
            parts = [("files", (path.name, stack.enter_context(path.open("rb")))) for path in files]
            data = {"manifest": json.dumps(manifest, ensure_ascii=False)} if manifest is not None else None
            response = self.http.post("/api/v1/batches", files=parts, data=data)
        _raise_for_problem(response)
        result: dict[str, Any] = response.json()
        return result

    def batch(self, batch_id: str) -> dict[str, Any]:
        response = self.http.get(f"/api/v1/batches/{batch_id}")
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
