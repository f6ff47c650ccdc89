"""What the upload routes share: the answer to an accepted batch, a refusal as a problem, and copying one spooled
upload into a staging folder within the per-file and whole-batch limits.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import UploadFile
from pydantic import BaseModel

from api.problems import Problem
from core.files import open_new_private
from ingest.intake import BatchRefused

CHUNK = 1024 * 1024


class BatchAccepted(BaseModel):
    batch_id: str
    dossier_code: str


def problem_from_refusal(exc: BatchRefused) -> Problem:
    errors = [{"field": exc.field, "message": exc.reason}] if exc.field else None
    return Problem(exc.status, exc.reason, errors=errors)


async def save_upload(upload: UploadFile, target: Path, limit: int, budget: list[int]) -> Path:
    """Copy one spooled upload into the staging folder, enforcing the per-file and whole-batch limits."""
    written = 0
    with open_new_private(target) as sink:
        while chunk := await upload.read(CHUNK):
            written += len(chunk)
            budget[0] -= len(chunk)
            if written > limit:
                raise BatchRefused(413, f"{upload.filename}: larger than {limit} bytes", "files")
            if budget[0] < 0:
                raise BatchRefused(413, "the batch is larger than the upload limit", "files")
            sink.write(chunk)
    if written == 0:
        raise BatchRefused(422, f"{upload.filename}: the file is empty", "files")
    return target
