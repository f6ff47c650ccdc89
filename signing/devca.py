"""The development CA and unit certificates sohoa creates on first run, for the embedded default only.

Subject names say "BẢN THỬ NGHIỆM — KHÔNG CÓ GIÁ TRỊ PHÁP LÝ" (earlier ones the English mark, still recognised);
files live in `<data dir>/signing/dev/` (keys 0600).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from core.files import write_atomically

DEV_MARK = "BẢN THỬ NGHIỆM — KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"  # read by people on stamps and in validation reports
DEV_MARKS = (DEV_MARK, "DEVELOPMENT ONLY — NOT FOR LEGAL USE")  # the English mark of certificates made before
ORGANISATION = "sohoa (bản thử nghiệm, không có giá trị pháp lý)"
ROLES = ("officer", "agency")
NO_LEGAL_VALUE = "KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"
# The CN of a role's certificate, shown on its stamps (a CN holds at most 64 bytes of UTF-8: no room for DEV_MARK).
ROLE_NAMES = {"officer": f"CÁN BỘ THỬ NGHIỆM — {NO_LEGAL_VALUE}", "agency": f"CƠ QUAN THỬ NGHIỆM — {NO_LEGAL_VALUE}"}
CA_YEARS = 10
UNIT_YEARS = 2
RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class DevMaterial:
    """Paths of one development unit: its key, its certificate, and the development CA certificate."""

    key_pem: Path
    cert_pem: Path
    ca_pem: Path


def dev_folder(data_dir: Path) -> Path:
    return data_dir / "signing" / "dev"


def officer_dev_material(data_dir: Path, sub: str, name: str | None = None) -> DevMaterial:
    """Create (first use) or reuse the development certificate of one officer account: subject CN = the officer's
    name (else the account's `sub`), O and OU marking it as development; cached in `<data dir>/signing/dev/
    officers/` under a hash of `sub`, issued again when the name changes or the certificate nears expiry."""
    if not sub.strip():
        raise ValueError("an officer's development certificate needs the account's sub")
    common_name = _fit_common_name((name or sub).strip())
    folder = dev_folder(data_dir)
    officers = folder / "officers"
    officers.mkdir(parents=True, exist_ok=True)
    stem = hashlib.sha256(sub.encode()).hexdigest()[:24]
    with _locked(folder / ".lock"):
        ca_key, ca_cert = _ensure_ca(folder)
        material = DevMaterial(
            key_pem=officers / f"{stem}.key.pem", cert_pem=officers / f"{stem}.pem", ca_pem=folder / "ca.pem"
        )
        fresh = (
            _usable(material.cert_pem)
            and material.key_pem.exists()
            and _issued_by(material.cert_pem, ca_cert)
            and _common_name(material.cert_pem) == common_name
        )
        if not fresh:
            key = _new_key()
            _write_key(material.key_pem, key)
            _write_cert(material.cert_pem, _unit_cert(common_name, key, ca_key, ca_cert))
        return material


def is_development_name(name: str) -> bool:
    """Whether a subject or issuer name carries a development mark (the current one or the English one before)."""
    return any(mark in name for mark in DEV_MARKS)


def role_common_name(role: str) -> str:
    return ROLE_NAMES[role]


def _fit_common_name(name: str) -> str:
    """A name cut to the 64 bytes of UTF-8 a CN holds (X.520 ub-common-name), at a character boundary."""
    return name.encode()[:64].decode(errors="ignore")


def _common_name(cert_path: Path) -> str:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    values = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def ensure_dev_material(data_dir: Path, role: str) -> DevMaterial:
    """Create (first run) or reuse the development CA and the unit certificate for `role`; one made with the
    English mark before is issued again under the same CA (what it signed still validates)."""
    if role not in ROLES:
        raise ValueError(f"unknown development role {role!r}; expected one of {', '.join(ROLES)}")
    folder = dev_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / ".lock"):
        ca_key, ca_cert = _ensure_ca(folder)
        material = DevMaterial(
            key_pem=folder / f"{role}.key.pem", cert_pem=folder / f"{role}.pem", ca_pem=folder / "ca.pem"
        )
        fresh = (
            _usable(material.cert_pem)
            and material.key_pem.exists()
            and _issued_by(material.cert_pem, ca_cert)
            and _common_name(material.cert_pem) == role_common_name(role)
        )
        if not fresh:
            key = _new_key()
            _write_key(material.key_pem, key)
            _write_cert(material.cert_pem, _unit_cert(role_common_name(role), key, ca_key, ca_cert))
        return material


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _usable(cert_path: Path) -> bool:
    if not cert_path.exists():
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return cert.not_valid_after_utc - RENEW_BEFORE > _now()


def _issued_by(cert_path: Path, ca_cert: x509.Certificate) -> bool:
    """False when the CA was renewed since the unit certificate was made (then the unit is made again)."""
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_atomically(path, data)  # 0600: the key is a secret


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    write_atomically(path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)  # a certificate is public


def _name(common_name: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ensure_ca(folder: Path) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key_path, cert_path = folder / "ca.key.pem", folder / "ca.pem"
    if key_path.exists() and _usable(cert_path):
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = _new_key()
    name = _name("CA THỬ NGHIỆM sohoa", DEV_MARK)
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(key_path, key)
    _write_cert(cert_path, cert)
    return key, cert


def _unit_cert(
    common_name: str, key: rsa.RSAPrivateKey, ca_key: rsa.RSAPrivateKey, ca_cert: x509.Certificate
) -> x509.Certificate:
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, DEV_MARK))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=365 * UNIT_YEARS), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
