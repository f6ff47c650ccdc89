"""What the upload routes share: the answer to an accepted batch, a refusal as a problem, and copying one spooled
upload into a staging folder within the per-file and whole-batch limits, and the staging folder removed whenever
an upload is not accepted.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile
from pydantic import BaseModel

from api.problems import Problem
from core.files import open_new_private
from ingest.intake import BatchRefused, discard
from vault.errors import StoreUnavailable

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


@contextmanager
def staging_or_nothing(staging: Path, what: str) -> Iterator[None]:
    """Whatever goes wrong inside, the staging folder goes: a refusal answers its problem, a full disk a 507."""
    try:
        yield
    except BatchRefused as exc:
        discard(staging)
        raise problem_from_refusal(exc) from exc
    except StoreUnavailable as exc:  # the staging bucket (the vault's object store) cannot take it
        discard(staging)
        raise Problem(503, f"the object store is unavailable; nothing was stored, send the {what} again") from exc
    except OSError as exc:
        discard(staging)
        if exc.errno == errno.ENOSPC:
            raise Problem(507, f"no space left to stage the {what}; send it again later") from exc
        raise
    except BaseException:
        discard(staging)
        raise
