"""Fixtures of the end-to-end tests: the test PKI, a SeaweedFS S3 server, the Redis broker, and the scanned
pages of a three-document dossier split by QR cover sheets.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from bench.synthetic import encode_jpeg, render_page, seed_paragraphs
from core.types import DocumentKind
from issuing.coversheet import make_cover_sheet, render_cover_sheet
from tests.support.pki import RunningPki, pki_fixture
from tests.support.s3server import SeaweedServer, endpoint_from_env
from tests.support.uploads import AGENCY as AGENCY  # the e2e tests import these three from here
from tests.support.uploads import OWNER as OWNER
from tests.support.uploads import PROCEDURE as PROCEDURE

# Runs that share one Redis server (parallel work trees) each take their own database.
REDIS_URL = os.environ.get("SOHOA_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
DOSSIER = "000.00.00.H30-261122-0042"
DOCUMENTS = (("GKS", "Giấy khai sinh"), ("CCCD", "Căn cước công dân"), ("XNCT", "Giấy xác nhận cư trú"))


@dataclass(frozen=True)
class ScanSet:
    files: list[Path]
    dossier_code: str
    truths: list[str]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPki]:
    yield from pki_fixture(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    if endpoint_from_env():
        pytest.skip("the S3 outage test needs a server it can stop; SOHOA_TEST_S3_ENDPOINT is set")
    server = SeaweedServer(tmp_path_factory.mktemp("seaweed"))
    server.start()
    yield server
    server.stop()


RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"


@pytest.fixture
def broker() -> str:
    """A private Redis database (the run's, and under xdist the worker's own: tests/conftest.py), emptied first."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL


# RabbitMQ's `celery` queue is one for the whole run: under xdist its tests share the `rabbitmq` group (one worker).
@pytest.fixture(params=["redis", pytest.param("rabbitmq", marks=pytest.mark.xdist_group("rabbitmq"))])
def any_broker(request: pytest.FixtureRequest) -> str:
    """Redis, then RabbitMQ: the same pipeline on either, by configuration alone (its queue purged first)."""
    if request.param == "redis":
        return str(request.getfixturevalue("broker"))
    from kombu import Connection

    with Connection(RABBITMQ_URL, connect_timeout=10) as connection:
        channel = connection.default_channel
        channel.queue_declare("celery", durable=True, auto_delete=False)  # as Celery declares it
        channel.queue_purge("celery")
    return RABBITMQ_URL


def _cover_page(folder: Path, index: int, type_code: str, name: str) -> Path:
    pdf = folder / f"sheet-{index}.pdf"
    pdf.write_bytes(render_cover_sheet(make_cover_sheet(DOSSIER, type_code, name, DocumentKind.COMPONENT)))
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", pdf, folder / f"sheet-{index}"], check=True)
    pdf.unlink()
    return folder / f"sheet-{index}.png"


@pytest.fixture(scope="session")
def scan_set(tmp_path_factory: pytest.TempPathFactory) -> ScanSet:
    """Cover sheet, one short page of regulation text, three times: six page files in scan order."""
    folder = tmp_path_factory.mktemp("scans")
    paragraphs = seed_paragraphs()
    files: list[Path] = []
    truths: list[str] = []
    for index, (type_code, name) in enumerate(DOCUMENTS):
        files.append(_cover_page(folder, index, type_code, name))
        image, truth = render_page(paragraphs[index * 3 : index * 3 + 2], height_mm=110.0, header=index == 0)
        page = folder / f"page-{index}.jpg"
        page.write_bytes(encode_jpeg(image, 300))
        files.append(page)
        truths.append(truth)
    return ScanSet(files, DOSSIER, truths)
