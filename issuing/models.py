"""The declarative base of the tables of what the agency issues (certification registers, long-term state,
webhooks), beside the vault catalogue in the same database; `ingest/migrations` creates and upgrades them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON
from sqlalchemy.orm import DeclarativeBase

from vault.models import UTCDateTime


class IssuingBase(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }
