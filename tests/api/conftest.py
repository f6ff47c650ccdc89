"""Fixtures of the issuing API tests: the real test PKI (certomancer), sohoa's settings pointed at it (TSA, trust
anchors, the agency's PKCS#12), an in-process app, development tokens, dossiers and sample PDFs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.settings import ApiSettings
from api.tokens import mint_development_token
from core.settings import core_settings
from core.types import Role, SignatureLevel
from issuing.pdfdraw import MM, PdfDocument
from issuing.settings import issuing_settings
from runtime import signers
from runtime.app import api_services
from signing.settings import signing_settings
from signing.trust import TrustSettings
from tests.support.pki import RunningPki, pki_fixture
from vault.records import DossierRecord

AGENCY_NAME = "Ủy ban nhân dân tỉnh Quảng Trị"
OWNER_ID = "045190007777"
_agency_numbers = itertools.count(40)


def _clear_caches() -> None:
    signing_settings.cache_clear()
    issuing_settings.cache_clear()
    if signers.agency_signer.cache_info().currsize:
        signers.agency_signer().close()
    signers.agency_signer.cache_clear()


@pytest.fixture(scope="session")
def issuing_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPki]:
    yield from pki_fixture(tmp_path_factory.mktemp("issuing-pki"))


@pytest.fixture(scope="package")
def issuing_env(issuing_pki: RunningPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """SOHOA_* settings on the test PKI, for the API tests only (undone when the package ends); caches cleared."""
    secret = tmp_path_factory.mktemp("secrets") / "agency-p12.txt"
    secret.write_text(issuing_pki.password, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOHOA_SIGNING_TSA_URL", issuing_pki.tsa_url)
        patch.setenv("SOHOA_SIGNING_TRUST_DIR", str(issuing_pki.trust_dir))
        patch.setenv("SOHOA_SIGNING_NETWORK_TIMEOUT", "5")
        patch.setenv("SOHOA_SIGNING_NETWORK_RETRIES", "1")
        patch.setenv("SOHOA_ISSUING_AGENCY_P12", str(issuing_pki.identity("agency").p12))
        patch.setenv("SOHOA_ISSUING_AGENCY_P12_PASSWORD_FILE", str(secret))
        patch.setenv("SOHOA_ISSUING_AGENCY_NAMES", "{}")
        _clear_caches()
        try:
            yield
        finally:
            _clear_caches()
    _clear_caches()


@pytest.fixture
def agency_code(monkeypatch: pytest.MonkeyPatch, issuing_env: None) -> str:
    """A fresh agency per test (its statistics and register start empty), named in the settings."""
    code = f"000.00.{next(_agency_numbers):02d}.H30"
    monkeypatch.setenv("SOHOA_ISSUING_AGENCY_NAMES", f'{{"{code}": "{AGENCY_NAME}"}}')
    issuing_settings.cache_clear()
    yield code
    issuing_settings.cache_clear()


@dataclass
class Api:
    """The in-process app with helpers for tokens and dossiers."""

    client: TestClient
    api: ApiSettings

    @property
    def services(self) -> Services:
        svc: Services = self.client.app.state.services  # type: ignore[attr-defined]
        return svc

    def headers(
        self, role: Role, agency_code: str | None = None, owner_id: str | None = None, name: str | None = None
    ) -> dict[str, str]:
        token = mint_development_token(
            self.api,
            core_settings(),
            role=role,
            subject=f"{role.value}-1",
            agency_code=agency_code,
            owner_id=owner_id,
            name=name,
        )
        return {"Authorization": f"Bearer {token}", "X-Purpose": quote("giải quyết hồ sơ")}

    def dossier(
        self,
        agency_code: str,
        procedure_code: str = "1.011442.000.00.00.H30",
        received_at: dt.datetime | None = None,
    ) -> DossierRecord:
        self.services.vault.ensure_owner(OWNER_ID, "Nguyễn Văn An")
        record: DossierRecord = self.services.vault.create_dossier(
            agency_code, procedure_code, OWNER_ID, received_at=received_at
        )
        return record


@pytest.fixture(scope="package")
def api_app(issuing_env: None) -> Api:
    api = ApiSettings()
    return Api(client=TestClient(create_app(api, core_settings(), services=api_services())), api=api)


def sample_pdf(title: str, body: str = "Nội dung kết quả giải quyết thủ tục hành chính.") -> bytes:
    """A one-page A4 PDF with Vietnamese text, as an agency's result or a scan would be."""
    doc = PdfDocument(title=title, author="tests")
    page = doc.new_page()
    page.text(105 * MM, page.height - 90 * MM, title.upper(), "serif-bold", 14, "center")
    page.text(25 * MM, page.height - 110 * MM, body, "serif", 12)
    return doc.to_bytes()


@pytest.fixture(scope="session")
def agency_sign(issuing_pki: RunningPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Sign a PDF at B-T with the test PKI's agency identity (as the agency's own system would)."""
    with issuing_pki.signer("agency", tmp_path_factory.mktemp("fonts")) as signer:

        def sign(pdf: bytes) -> bytes:
            return signer.sign(pdf, level=SignatureLevel.B_T, reason="Ký ban hành kết quả")

        yield sign


@pytest.fixture(scope="session")
def trust(issuing_pki: RunningPki) -> TrustSettings:
    return issuing_pki.trust()


def first_page_text(pdf: bytes) -> str:
    """What `pdftotext` reads on page 1 (stamps included)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        done = subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", str(source), "-"], check=True, capture_output=True, timeout=60
        )
        return done.stdout.decode("utf-8")


def in_top_right_of_page_one(pdf: bytes) -> bool:
    """Every visible signature widget on page 1 sits in the top-right corner (within 2 cm of both edges)."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        _x0, _y0, width, height = (float(v) for v in page.mediabox)
        boxes = [
            [float(v) for v in annot.Rect]
            for annot in page.get("/Annots", [])
            if annot.get("/FT") == "/Sig" and float(annot.Rect[2]) > float(annot.Rect[0])
        ]
    corner = 2 / 2.54 * 72
    return bool(boxes) and all(
        x1 >= width - corner and y1 >= height - corner and x0 > width / 3 for x0, _y0, x1, y1 in boxes
    )
