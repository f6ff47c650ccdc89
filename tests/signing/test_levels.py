"""Every PAdES level signs and validates TOTAL-PASSED (only B-B lacks a timestamp); officer then agency both stay
valid; pdfsig agrees."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from bench.signing_sample import sample_pdf
from core.types import SignatureLevel, Verdict
from signing.longterm import lacks_timestamp
from signing.sample_seal import SAMPLE_SEAL
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from signing.stamps import agency_stamp, officer_stamp
from signing.trust import TrustSettings
from signing.validate import validate_pdf
from tests.signing.pdfsig import pdfsig_intact
from tests.support.pki import RunningPki


@pytest.mark.parametrize("level", list(SignatureLevel))
def test_every_level_signs_and_validates(
    level: SignatureLevel,
    officer: DocumentSigner,
    settings: SigningSettings,
    trust: TrustSettings,
    tmp_path: Path,
) -> None:
    original = sample_pdf(2)
    signed = officer.sign(original, level=level, reason="Số hóa hồ sơ")
    assert signed.startswith(original), "signing must be an incremental update"

    report = validate_pdf(signed, trust, settings)

    assert report.verdict is Verdict.TOTAL_PASSED, report.model_dump()
    [sig] = report.signatures
    assert sig.pades_level is level
    assert sig.intact and sig.valid and sig.trusted
    assert sig.revocation == "good"
    assert sig.signer_name == "Nguyễn Thị Hồng Nhung"
    assert "Nguyễn Thị Hồng Nhung" in sig.chain[0] and "Sohoa Test Root CA" in sig.chain[-1]
    if level is SignatureLevel.B_B:
        assert sig.timestamp is None
    else:
        assert sig.timestamp is not None and sig.timestamp.trusted
        assert "Time Stamping Authority" in (sig.timestamp.tsa or "")
    assert sig.signing_time is not None and sig.signing_time.utcoffset() == dt.timedelta(hours=7)
    assert len(report.document_timestamps) == (1 if level is SignatureLevel.B_LTA else 0)
    assert lacks_timestamp(signed) is (level is SignatureLevel.B_B)  # what the long-term job enrols as B-B
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    assert pdfsig_intact(path) == [True]


def test_offline_validation_of_lta_file_passes(
    officer: DocumentSigner, settings: SigningSettings, pki: RunningPki
) -> None:
    signed = officer.sign(sample_pdf(1), level=SignatureLevel.B_LTA)
    offline = TrustSettings(anchors=(pki.root_cert,), use_configured=False, allow_fetching=False)
    report = validate_pdf(signed, offline, settings)
    assert report.verdict is Verdict.TOTAL_PASSED
    assert report.document_timestamps[0].verdict is Verdict.TOTAL_PASSED


@pytest.mark.slow
def test_officer_then_agency_both_valid(
    officer: DocumentSigner,
    agency: DocumentSigner,
    settings: SigningSettings,
    trust: TrustSettings,
    tmp_path: Path,
) -> None:
    first = officer.sign(
        sample_pdf(2),
        level=SignatureLevel.B_LTA,
        stamp=officer_stamp("Nguyễn Thị Hồng Nhung", dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)),
    )
    both = agency.sign(
        first, level=SignatureLevel.B_LTA, stamp=agency_stamp("Ủy ban nhân dân tỉnh Quảng Trị", SAMPLE_SEAL)
    )
    assert both.startswith(first)

    report = validate_pdf(both, trust, settings)

    assert report.verdict is Verdict.TOTAL_PASSED, report.model_dump()
    officer_sig, agency_sig = report.signatures
    assert officer_sig.field_name == "sohoa_officer_1" and agency_sig.field_name == "sohoa_agency_1"
    assert officer_sig.modification_level == "form_filling"
    assert officer_sig.changes_permitted is True
    assert agency_sig.modification_level == "lta_updates"
    assert len(report.document_timestamps) == 2
    path = tmp_path / "both.pdf"
    path.write_bytes(both)
    assert pdfsig_intact(path) == [True, True]


def test_signing_from_a_thread_that_runs_an_event_loop(
    officer: DocumentSigner, settings: SigningSettings, trust: TrustSettings
) -> None:
    """A caller inside an event loop (an async framework; Playwright's sync API in the same test session) used to
    get "Cannot run the event loop while another loop is running": the signer now runs its loop beside it."""

    async def inside_a_loop() -> bytes:
        return officer.sign(sample_pdf(1), level=SignatureLevel.B_T, reason="Số hóa hồ sơ")

    signed = asyncio.run(inside_a_loop())
    report = validate_pdf(signed, trust, settings)
    assert report.verdict is Verdict.TOTAL_PASSED, report.model_dump()
    assert officer.sign(sample_pdf(1), level=SignatureLevel.B_B).startswith(b"%PDF")  # and still outside one
