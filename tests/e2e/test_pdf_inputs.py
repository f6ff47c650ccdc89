"""PDFs as they came, over HTTP through `sohoa serve`, a `sohoa worker` on Redis and the test PKI: a born-digital
PDF's text comes back exactly, a signed PDF is stored byte for byte and still validates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.client import StationClient
from core.types import Role, SignatureLevel, Verdict
from signing.identity import load_pkcs12
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.e2e.conftest import AGENCY
from tests.e2e.test_pipeline import _stack_env
from tests.support import pdfs
from tests.support.pki import RunningPki
from tests.support.stack import SohoaStack
from tests.support.uploads import station_manifest

# The broker is the xdist worker's own Redis database (tests/conftest.py); RabbitMQ's one `celery` queue is kept to
# one worker by the `rabbitmq` group of `any_broker` (tests/e2e/conftest.py).
pytestmark = pytest.mark.slow


@pytest.fixture
def stack(tmp_path: Path, pki: RunningPki, broker: str) -> Iterator[SohoaStack]:
    running = SohoaStack(tmp_path / "data", _stack_env(tmp_path, pki, broker, None))
    running.data_dir.mkdir()
    running.start_server()
    running.start_worker()
    yield running
    running.stop()


def _signed_by_the_agency(pki: RunningPki, folder: Path) -> bytes:
    """A born-digital result signed at B-T by the test PKI's agency identity, as another agency's system would."""
    settings = SigningSettings(tsa_url=pki.tsa_url, trust_dir=pki.trust_dir, font_cache_dir=folder, network_timeout=5.0)
    identity = load_pkcs12(pki.identity("agency").p12, pki.password)
    with DocumentSigner(
        identity, settings, trust=TrustSettings(anchors=(pki.root_cert,), use_configured=False)
    ) as signer:
        return signer.sign(pdfs.born_digital(title="Kết quả"), level=SignatureLevel.B_T, reason="Ký ban hành")


def test_born_digital_and_signed_pdfs_through_the_running_pipeline(
    stack: SohoaStack, pki: RunningPki, tmp_path: Path
) -> None:
    signed = _signed_by_the_agency(pki, tmp_path / "fonts")
    files = {"decision.pdf": pdfs.born_digital(), "result.pdf": signed}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    documents = [
        {"type_code": "QD", "name": "Quyết định", "pages": "1"},
        {"type_code": "KQ", "name": "Kết quả", "pages": "2", "kind": "result"},
    ]
    manifest = station_manifest("manifest", documents=documents)
    client = StationClient(stack.url, stack.token(Role.STATION, "QT-01", agency=AGENCY))
    final = client.wait(client.upload([tmp_path / name for name in files], manifest)["batch_id"], timeout=600)
    assert final["status"] == "done", (final, stack.log_tail("worker"))
    assert [d["signature"] for d in final["documents"]] == [Verdict.TOTAL_PASSED, Verdict.TOTAL_PASSED]
    admin = {"Authorization": f"Bearer {stack.token(Role.ADMIN, 'root')}"}
    born_id, result_id = (d["id"] for d in final["documents"])

    text = httpx.get(f"{stack.url}/api/v1/documents/{born_id}/text", headers=admin, timeout=60).json()["text"]
    assert text == "\n".join(pdfs.BORN_DIGITAL_LINES)

    stored = httpx.get(f"{stack.url}/api/v1/documents/{result_id}/content", headers=admin, timeout=60).content
    assert stored == signed  # as received: never rebuilt, never signed again
    report = validate_pdf(stored, TrustSettings(anchors=(pki.root_cert,), use_configured=False))
    assert report.verdict is Verdict.TOTAL_PASSED and report.signatures[0].intact, (
        report.sub_indication,
        report.signatures,
    )
