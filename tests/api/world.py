"""A small world for API tests, built through the vault facade: two owners, two agencies, their dossiers,
documents in every state of consent (own, foreign, granted, revoked grant, expired grant) and a batch each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from fastapi import FastAPI
from sqlalchemy import update

from api.services import Services
from core.settings import core_settings
from core.types import Actor, DocumentKind, Role
from ingest import batches
from vault.models import Grant
from vault.records import NewDocument

OWNER_A = "045190001234"
OWNER_B = "001090123456"
AGENCY_X = "000.00.00.H30"
AGENCY_Y = "000.00.12.H30"
PROCEDURE = "1.011442.000.00.00.H30"
PURPOSE = "thẩm định hồ sơ"
ADMIN = Actor("root", Role.ADMIN, purpose="setup")


def private_app(folder: Path) -> FastAPI:
    """The real app on its own catalogue (SQLite) and local vault under `folder`, so test modules never meet."""
    from api.app import create_app
    from ingest.db import migrate, sessions
    from runtime.app import api_services
    from vault.service import Vault
    from vault.settings import vault_settings
    from vault.store import LocalStore

    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'catalogue.sqlite3'}"
    migrate(url)
    factory = sessions(url)
    vault = Vault(factory, LocalStore(folder / "objects"), vault_settings())
    services = api_services(core_settings(), factory, vault)
    return create_app(services=services)


def tiny_pdf(text: str) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.docinfo["/Title"] = text
    from io import BytesIO

    out = BytesIO()
    pdf.save(out, deterministic_id=True)  # the same text gives the same bytes
    return out.getvalue()


@dataclass
class World:
    dossiers: dict[str, str] = field(default_factory=dict)  # name -> code
    documents: dict[str, str] = field(default_factory=dict)  # name -> id
    grants: dict[str, int] = field(default_factory=dict)
    batches: dict[str, str] = field(default_factory=dict)


def _store(svc: Services, name: str, owner: str, dossier: str, agency: str, type_code: str) -> str:
    station = Actor(f"station-{agency}", Role.STATION, agency_code=agency)
    record = svc.vault.store_document(
        NewDocument(
            owner_id=owner,
            name=name,
            kind=DocumentKind.COMPONENT,
            type_code=type_code,
            source_dossier_code=dossier,
            procedure_code=PROCEDURE,
            component_name=name,
            ocr_text=f"Quyết định số {name} về việc cấp giấy",
            extracted_fields={"dates": ["22/11/2026"]},
        ),
        tiny_pdf(name),
        station,
    )
    return str(record.id)


def build_world(svc: Services) -> World:
    world = World()
    vault = svc.vault
    world.dossiers["DX"] = vault.open_dossier(AGENCY_X, PROCEDURE, OWNER_A, ADMIN, owner_name="Nguyễn Văn A").code
    world.dossiers["DX2"] = vault.open_dossier(AGENCY_X, PROCEDURE, OWNER_A, ADMIN).code
    world.dossiers["DY"] = vault.open_dossier(AGENCY_Y, PROCEDURE, OWNER_B, ADMIN, owner_name="Trần Thị B").code
    world.documents["a1"] = _store(svc, "Giấy khai sinh", OWNER_A, world.dossiers["DX"], AGENCY_X, "GKS")
    world.documents["b1"] = _store(svc, "Sổ hộ khẩu", OWNER_B, world.dossiers["DY"], AGENCY_Y, "SHK")
    for name, type_code in (("bg", "GRANTED"), ("br", "REVOKED"), ("be", "EXPIRED")):
        world.documents[name] = _store(svc, f"Giấy {type_code}", OWNER_B, world.dossiers["DY"], AGENCY_Y, type_code)
        citizen_b = Actor(OWNER_B, Role.CITIZEN, owner_id=OWNER_B)
        until = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
        for grantee in (AGENCY_X, "portal"):
            grant = vault.create_grant(OWNER_B, grantee, PURPOSE, until, citizen_b, type_code=type_code)
            world.grants[f"{name}-{grantee}"] = grant.id
            if name == "br":
                vault.revoke_grant(grant.id, citizen_b)
    with svc.sessions.begin() as session:  # consent that ran out yesterday
        session.execute(
            update(Grant)
            .where(Grant.type_code == "EXPIRED")
            .values(valid_until=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        )
    citizen_a = Actor(OWNER_A, Role.CITIZEN, owner_id=OWNER_A)
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    world.grants["a-own"] = vault.create_grant(OWNER_A, AGENCY_Y, PURPOSE, until, citizen_a, type_code="GKS").id
    for name, agency, dossier in (("BX", AGENCY_X, "DX"), ("BY", AGENCY_Y, "DY")):
        batch_id = f"batch{name.lower()}" + "0" * 25
        with svc.sessions.begin() as session:
            batches.create_batch(
                session,
                batches.NewBatch(
                    id=batch_id,
                    station_id="QT-01",
                    agency_code=agency,
                    procedure_code=PROCEDURE,
                    dossier_code=world.dossiers[dossier],
                    owner_id=OWNER_A if agency == AGENCY_X else OWNER_B,
                    submitted_by="QT-01",
                    page_count=1,
                    staging_dir="/nonexistent",
                    documents=[batches.PlannedDocument("Giấy khai sinh", "GKS", "component", [0])],
                ),
            )
        world.batches[name] = batch_id
    return world
