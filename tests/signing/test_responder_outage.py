"""The OCSP responder and TSA away, then back: a signer that met the outage signs again as soon as they answer,
instead of keeping what it failed to fetch until its validation context is rebuilt minutes later.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.signing_sample import sample_pdf
from core.types import SignatureLevel
from signing.errors import RevocationUnknownError, TimestampUnavailableError
from signing.identity import load_pkcs12
from signing.settings import SigningSettings
from signing.sign import DocumentSigner
from tests.support.pki import start_pki


def test_a_signer_that_met_the_responder_down_signs_once_it_is_back(tmp_path: Path) -> None:
    pki = start_pki(tmp_path / "pki")  # a private one: this test stops it
    try:
        settings = SigningSettings(
            tsa_url=pki.tsa_url,
            trust_dir=pki.trust_dir,
            font_cache_dir=tmp_path / "fonts",
            network_timeout=3.0,
            network_retries=0,
            retry_backoff=0.1,
        )
        trust = pki.trust()
        identity = load_pkcs12(pki.identity("officer").p12, pki.password)
        with DocumentSigner(identity, settings, trust=trust) as signer:
            pki.stop()
            with pytest.raises((RevocationUnknownError, TimestampUnavailableError)):
                signer.sign(sample_pdf(1), level=SignatureLevel.B_LTA)
            pki.start()
            signed = signer.sign(sample_pdf(1), level=SignatureLevel.B_LTA)
        assert signed.startswith(b"%PDF")
    finally:
        pki.stop()
