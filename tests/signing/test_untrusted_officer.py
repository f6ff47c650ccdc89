"""An officer's self-signed certificate (split mode: the key on her token, the certificate in the officers file) is
refused before anything is prepared, as `CertificateUntrustedError` whose text leaves out the certificate's subject.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from bench.signing_sample import sample_pdf
from core.types import SignatureLevel
from signing.errors import CertificateUntrustedError
from signing.settings import SigningSettings
from signing.split import SplitSigner


def _self_signed() -> asn1_x509.Certificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "Nguyễn Thị Lan"), x509.NameAttribute(NameOID.USER_ID, "CCCD:0")]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def test_a_self_signed_officer_certificate_is_refused_as_untrusted(tmp_path: Path) -> None:
    """Walked 2026-11-30 night: the documents failed with pyHanko's raw "InvalidCertificateError: The X.509
    certificate provided is self-signed - …" (the subject, which may hold an ID number, in the reason)."""
    signer = SplitSigner(_self_signed(), [], SigningSettings(font_cache_dir=tmp_path / "fonts"))
    try:
        with pytest.raises(CertificateUntrustedError) as refused:
            signer.prepare(sample_pdf(1), level=SignatureLevel.B_B)
    finally:
        signer.close()
    assert "self-signed or not issued by a trusted CA" in str(refused.value)
    assert "CCCD" not in str(refused.value)
