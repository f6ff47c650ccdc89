"""Object staging (the vault on S3): a batch published by intake is read by any worker from the staging bucket,
encrypted as the vault's objects are, expired by a lifecycle rule, swept when abandoned, and gone with every
version once removed; a refused batch leaves neither spool nor object.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from minio.error import S3Error
from PIL import Image

from core.types import Actor, Role
from ingest import batches
from ingest.db import migrate, sessions
from ingest.intake import BatchRefused, accept_batch
from ingest.manifest import Manifest
from ingest.models import Batch
from ingest.settings import ingest_settings
from ingest.staging_s3 import ObjectArea
from ingest.sweep import abandoned_staging, sweep_staging
from ocr.settings import ocr_settings
from tests.ingest.conftest import object_area
from tests.support.s3server import S3Endpoint, SeaweedServer
from vault.errors import StoreUnavailable

AGENCY = "000.00.00.H30"


def _objects(area: ObjectArea, batch_id: str) -> list[str]:
    listed = area.client.list_objects(
        area.bucket, prefix=f"{area.prefix}{batch_id}/", recursive=True, include_version=True
    )
    return sorted(obj.object_name or "" for obj in listed)


def _spool(tmp_path: Path, batch_id: str) -> tuple[Path, list[Path]]:
    folder = tmp_path / "spool" / batch_id
    (folder / "pages").mkdir(parents=True)
    files = []
    for n in range(2):
        path = folder / "pages" / f"{n + 1:04d}-scan.png"
        Image.new("L", (200, 280), 255).save(path, dpi=(100, 100))
        files.append(path)
    return folder, files


def _manifest() -> Manifest:
    return Manifest.model_validate(
        {
            "station_id": "QT-01",
            "agency_code": AGENCY,
            "procedure_code": "1.011442.000.00.00.H30",
            "owner_id": "045190001234",
            "split": "manifest",
            "documents": [{"type_code": "GKS", "name": "Giấy khai sinh", "pages": "1-2"}],
        }
    )


def test_a_step_output_goes_through_the_bucket_encrypted_and_removal_leaves_no_version(
    s3_endpoint: S3Endpoint,
) -> None:
    key = secrets.token_bytes(32)
    area = object_area(s3_endpoint, sse_key=key)
    # another worker host: its own connection, the same settings, no shared disk
    other_host = ObjectArea.connect(
        s3_endpoint.endpoint, s3_endpoint.access_key, s3_endpoint.secret_key, area.bucket, sse="ssec", sse_key=key
    )
    staged = area.batch("b1")
    staged.put("doc-000/ocr.pdf", b"%PDF-1.7 ocr output")
    staged.put("doc-000/ocr.pdf", b"%PDF-1.7 ocr output, again")  # a retried step overwrites
    seen = other_host.open(staged.location)
    assert seen.exists("doc-000/ocr.pdf") and not seen.exists("doc-000/signed.pdf")
    assert seen.get("doc-000/ocr.pdf") == b"%PDF-1.7 ocr output, again"
    with pytest.raises(S3Error):  # encrypted at rest with the vault's SSE-C key: no key, no bytes
        area.client.get_object(area.bucket, "batches/b1/doc-000/ocr.pdf").read()
    seen.remove()
    assert _objects(area, "b1") == []
    with pytest.raises(ValueError, match="not in this installation's staging bucket"):
        area.open("/srv/sohoa/ingest/batches/b1")


def test_the_bucket_has_a_lifecycle_rule_for_abandoned_uploads(s3_endpoint: S3Endpoint) -> None:
    area = object_area(s3_endpoint)
    try:
        config = area.client.get_bucket_lifecycle(area.bucket)
    except S3Error as exc:
        pytest.fail(f"no lifecycle rule on the staging bucket: {exc.code}")
    assert config is not None
    (rule,) = config.rules
    assert rule.rule_filter is not None and rule.rule_filter.prefix == "batches/"
    assert rule.expiration is not None and rule.expiration.days == area.expire_days


def _accept(area: ObjectArea, tmp_path: Path, batch_id: str, factory: object, enqueue: object) -> None:
    spool, files = _spool(tmp_path, batch_id)

    def record(new: batches.NewBatch) -> None:
        with factory.begin() as session:  # type: ignore[attr-defined]
            batches.create_batch(session, new)

    def forget(gone: str) -> None:
        with factory.begin() as session:  # type: ignore[attr-defined]
            batches.delete_batch(session, gone)

    accept_batch(
        batch_id=batch_id,
        staging=spool,
        files=files,
        manifest=_manifest(),
        actor=Actor(subject="QT-01", role=Role.STATION, agency_code=AGENCY),
        limits=ingest_settings(),
        ocr=ocr_settings(),
        open_dossier=lambda _m, _a: "000.00.00.H30-261130-0001",
        record=record,
        enqueue=enqueue,  # type: ignore[arg-type]
        forget=forget,
        area=area,
    )


def test_intake_publishes_to_the_bucket_and_a_refused_batch_leaves_nothing(
    s3_endpoint: S3Endpoint, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrate(url)
    factory = sessions(url)
    area = object_area(s3_endpoint)
    _accept(area, tmp_path, "ok", factory, lambda *_: None)
    assert not (tmp_path / "spool" / "ok").exists()  # the API host keeps no copy
    assert _objects(area, "ok") == [
        "batches/ok/files.json",
        "batches/ok/pages/0001-scan.png",
        "batches/ok/pages/0002-scan.png",
    ]
    with factory() as session:
        batch = session.get(Batch, "ok")
        assert batch is not None and batch.staging_dir == f"s3://{area.bucket}/batches/ok/"

    def broker_down(*_: object) -> None:
        raise ConnectionError("broker down")

    with pytest.raises(BatchRefused) as refused:
        _accept(area, tmp_path, "refused", factory, broker_down)
    assert refused.value.status == 503
    assert _objects(area, "refused") == [] and not (tmp_path / "spool" / "refused").exists()


def test_abandoned_object_staging_is_seen_and_swept(s3_endpoint: S3Endpoint, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrate(url)
    factory = sessions(url)
    area = object_area(s3_endpoint)
    _accept(area, tmp_path, "running", factory, lambda *_: None)
    area.batch("orphan").put("files.json", b"[]")  # the API died after publishing, before recording
    assert abandoned_staging(area, factory, 3600) == []  # too recent: an intake may still be writing
    assert [s.batch_id for s in abandoned_staging(area, factory, -60)] == ["orphan"]
    assert [s.batch_id for s in sweep_staging(area, factory, -60)] == ["orphan"]
    assert _objects(area, "orphan") == [] and len(_objects(area, "running")) == 3


def test_a_batch_the_store_cannot_take_leaves_no_row_and_no_spool(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    migrate(url)
    factory = sessions(url)
    server = SeaweedServer(tmp_path / "seaweed")
    server.start()
    try:
        area = object_area(server.endpoint)
    finally:
        server.stop()  # the object store goes away before the upload is published
    with pytest.raises(StoreUnavailable):
        _accept(area, tmp_path, "late", factory, lambda *_: None)
    assert not (tmp_path / "spool" / "late").exists()
    with factory() as session:
        assert session.get(Batch, "late") is None
