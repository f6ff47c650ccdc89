"""The national public service portal: an owner's papers and their files, only under the owner's grant to the
portal for the stated purpose; plus a look-up shaped like the national vault's (docs/api.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Purposeful, require_roles
from api.problems import PROBLEM_RESPONSES
from api.services import Svc
from api.views import PDF_RESPONSES, content_response
from core.types import Role
from vault.records import DocumentRecord

# The role is checked first (403), then the purpose (400), as on every route that reads personal documents.
router = APIRouter(
    prefix="/api/v1/portal",
    tags=["portal"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(require_roles(Role.PORTAL))],
)


class PortalDocument(BaseModel):
    id: str
    result_code: str | None
    name: str
    number_symbol: str | None
    issuing_agency_code: str | None
    issue_date: dt.date | None
    valid_until: dt.date | None
    permanent: bool
    status: str
    sha256: str
    content_path: str


def portal_document(record: DocumentRecord) -> PortalDocument:
    return PortalDocument(
        id=record.id,
        result_code=record.result_code,
        name=record.name,
        number_symbol=record.number_symbol,
        issuing_agency_code=record.issuing_agency_code,
        issue_date=record.issue_date,
        valid_until=record.valid_until,
        permanent=record.permanent,
        status=record.status.value,
        sha256=record.sha256,
        content_path=f"/api/v1/portal/documents/{record.id}/content",
    )


LAPSED = (
    " A grant of the owner that covered it for this purpose and was revoked or ran out answers 403, `type`"
    " urn:sohoa:problem:grant-revoked or urn:sohoa:problem:grant-expired, the grant's id and when in `detail`."
)
OwnerId = Annotated[
    str,
    Path(
        description="the owner's personal ID or tax code, as the portal knows it from the citizen's application"
        " (sohoa never sends it in the outbox)"
    ),
]


@router.get(
    "/owners/{owner_id}/documents",
    response_model=list[PortalDocument],
    summary="An owner's granted papers",
    description="The papers an active grant of the owner to the portal covers for the stated purpose, newest first"
    " (an empty list when none)." + LAPSED.replace("covered it", "covered any of them, none active now,"),
)
def owner_documents(owner_id: OwnerId, actor: Purposeful, svc: Svc) -> list[PortalDocument]:
    records = svc.vault.granted_documents(owner_id, actor)  # one query; each listed paper a recorded read
    return [portal_document(r) for r in records]


@router.get(
    "/documents/{document_id}/content",
    response_class=StreamingResponse,
    responses=PDF_RESPONSES,
    summary="A granted paper's signed PDF",
    description="The signed PDF/A as stored (Range, Repr-Digest, ETag), under an active grant naming the paper or"
    " its type for the stated purpose; a paper never granted for it is a 404." + LAPSED,
)
def document_content(
    document_id: str, actor: Purposeful, svc: Svc, range_: Annotated[str | None, Header(alias="Range")] = None
) -> Response:
    return content_response(svc.vault, document_id, actor, range_)


class LookupItem(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    result_code: Annotated[str | None, Field(alias="MaKetQua", max_length=64)] = None
    number_symbol: Annotated[str | None, Field(alias="SoKyHieu", max_length=100)] = None


class LookupRequest(BaseModel):
    """Owner's ID, requester's ID and name, channel (1 officer, 2 online), procedure, wanted results."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    owner_id: Annotated[str, Field(alias="SoDinhDanh", min_length=10, max_length=16)]
    requester_id: Annotated[str, Field(alias="MaNguoiYeuCau", max_length=64)]
    requester_name: Annotated[str, Field(alias="TenNguoiYeuCau", max_length=255)]
    channel: Annotated[int, Field(alias="KenhThucHien", ge=1, le=2)]
    procedure_code: Annotated[str | None, Field(alias="MaTTHC", max_length=64)] = None
    items: Annotated[list[LookupItem], Field(alias="DanhSachGiayTo", max_length=100)] = []


class LookupFile(BaseModel):
    name: str = Field(serialization_alias="TenTep")
    path: str = Field(serialization_alias="DuongDan")


class LookupPaper(BaseModel):
    result_code: str | None = Field(serialization_alias="MaKetQua")
    name: str = Field(serialization_alias="TenGiayTo")
    number_symbol: str | None = Field(serialization_alias="SoKyHieu")
    agency_code: str | None = Field(serialization_alias="CoQuanChuQuan")
    files: list[LookupFile] = Field(serialization_alias="DanhSachTep")


class LookupResponse(BaseModel):
    papers: list[LookupPaper] = Field(serialization_alias="DanhSachGiayTo")


def _matches(record: DocumentRecord, items: list[LookupItem]) -> bool:
    if not items:
        return True
    return any(
        (item.result_code is None or item.result_code == record.result_code)
        and (item.number_symbol is None or item.number_symbol == record.number_symbol)
        for item in items
    )


@router.post(
    "/lookup",
    response_model=LookupResponse,
    response_model_by_alias=True,
    summary="Look-up shaped like the national vault's (owner, requester, channel, results → papers and files)",
)
def lookup(body: LookupRequest, actor: Purposeful, svc: Svc) -> LookupResponse:
    papers = []
    for record in svc.vault.granted_documents(body.owner_id, actor, lambda r: _matches(r, body.items)):
        name = f"{record.result_code or record.id}.pdf"
        papers.append(
            LookupPaper(
                result_code=record.result_code,
                name=record.name,
                number_symbol=record.number_symbol,
                agency_code=record.issuing_agency_code,
                files=[LookupFile(name=name, path=f"/api/v1/portal/documents/{record.id}/content")],
            )
        )
    return LookupResponse(papers=papers)
