"""The batch manifest a scanning station sends with its pages: a strict pydantic model.

Unknown fields are refused and every identifier is checked with `core.identifiers`, so a malformed manifest
gets a 422 that names the field.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core import identifiers as ids
from core.types import DocumentKind

# Page numbers are ASCII digits, at most 6 of them (a batch holds at most a few thousand pages): a number of
# thousands of digits would otherwise reach int() in the splitter.
PAGE_NUMBER = r"[0-9]{1,6}"
PAGE_RANGES_RE = re.compile(rf" *{PAGE_NUMBER}( *- *{PAGE_NUMBER})?( *, *{PAGE_NUMBER}( *- *{PAGE_NUMBER})?)* *")
MAX_PAGE_RANGES_LENGTH = 2000


class SplitRule(StrEnum):
    MANIFEST = "manifest"  # page ranges in `documents`
    QR = "qr"  # QR cover sheets printed by `sohoa coversheet`
    BLANK = "blank"  # blank separator pages


class ManifestDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type_code: Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9._-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=500)]
    pages: Annotated[str | None, Field(default=None, max_length=MAX_PAGE_RANGES_LENGTH, examples=["1-2", "3,5-7"])] = (
        None
    )
    kind: DocumentKind = DocumentKind.COMPONENT

    @field_validator("pages")
    @classmethod
    def _ranges(cls, value: str | None) -> str | None:
        if value is not None and not PAGE_RANGES_RE.fullmatch(value):
            raise ValueError("pages must be page numbers (up to 6 ASCII digits) and ranges such as '1-2' or '3,5-7'")
        return value

    @field_validator("kind")
    @classmethod
    def _scanned_kind(cls, value: DocumentKind) -> DocumentKind:
        if value is DocumentKind.NOTICE:
            raise ValueError("a notice is issued by sohoa, never scanned in a batch")
        return value


class Manifest(BaseModel):
    """What the station says about a batch: who owns it, which dossier, and how to split it into documents."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "example": {
                "station_id": "QT-01",
                "agency_code": "000.00.00.H30",
                "procedure_code": "1.011442.000.00.00.H30",
                "dossier_code": None,
                "owner_id": "045190001234",
                "split": "manifest",
                "documents": [{"type_code": "GKS", "name": "Giấy khai sinh", "pages": "1-2"}],
            }
        },
    )

    station_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    agency_code: str
    procedure_code: str
    dossier_code: str | None = None
    owner_id: str
    owner_name: Annotated[str | None, Field(max_length=300)] = None
    split: SplitRule = SplitRule.MANIFEST
    drop_blank: bool = False
    documents: list[ManifestDocument] | None = None

    @field_validator("agency_code")
    @classmethod
    def _agency(cls, value: str) -> str:
        return ids.validate_agency_code(value)

    @field_validator("procedure_code")
    @classmethod
    def _procedure(cls, value: str) -> str:
        return ids.validate_procedure_code(value)

    @field_validator("dossier_code")
    @classmethod
    def _dossier(cls, value: str | None) -> str | None:
        return None if value is None else ids.validate_dossier_code(value)

    @field_validator("owner_id")
    @classmethod
    def _owner(cls, value: str) -> str:
        return ids.validate_owner_id(value)

    @model_validator(mode="after")
    def _documents_fit_the_split(self) -> Self:
        if self.split is SplitRule.MANIFEST:
            if not self.documents:
                raise ValueError("split 'manifest' needs a non-empty documents list")
            missing = [i for i, doc in enumerate(self.documents) if doc.pages is None]
            if missing:
                raise ValueError(f"split 'manifest' needs pages for every document (missing at {missing})")
        return self
