"""Who signs: a `SigningIdentity` (pyHanko signer, certificate chain, display name) and its loaders.

Loaders for a PKCS#12 file, a PKCS#11 token or HSM (selected by token label), and sohoa's development
identity; `check_validity_period` and `check_not_revoked` refuse certificates that must not sign now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.signers.pdf_cms import Signer

from signing.devca import DevMaterial, ensure_dev_material, officer_dev_material
from signing.errors import (
    CertificateExpiredError,
    CertificateNotYetValidError,
    CertificateRevokedError,
    CertificateUntrustedError,
    RevocationUnknownError,
    TokenNotFoundError,
    WrongPasswordError,
    WrongPinError,
)


class CachedKeySigner(SimpleSigner):
    """SimpleSigner parsing its private key once instead of on every signature (RSA PKCS#1 v1.5, ECDSA)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._private_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        key = self._private_key
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(hash_algo))
        return bytes(super().sign_raw(data, digest_algorithm))


@dataclass
class SigningIdentity:
    """A ready signer: the pyHanko `Signer`, its certificate and chain, and the name shown on stamps."""

    signer: Signer
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    display_name: str
    source: str  # "pkcs12" | "pkcs11" | "development"
    is_development: bool = False
    session: Any = field(default=None, repr=False)  # PKCS#11 session, closed by close()

    @property
    def subject(self) -> str:
        return str(self.certificate.subject.human_friendly)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None


def common_name(cert: x509.Certificate) -> str:
    name = cert.subject.native
    return str(name.get("common_name") or cert.subject.human_friendly)


def check_validity_period(cert: x509.Certificate, at: dt.datetime | None = None) -> None:
    """Raise if the certificate is expired or not yet valid at `at` (default now)."""
    moment = at or dt.datetime.now(dt.UTC)
    validity = cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    who = common_name(cert)
    if moment < not_before:
        raise CertificateNotYetValidError(f"signing certificate of {who} is not valid before {not_before:%Y-%m-%d}")
    if moment > not_after:
        raise CertificateExpiredError(f"signing certificate of {who} expired on {not_after:%Y-%m-%d}")


def load_pkcs12(path: Path | str, password: str | bytes | None) -> SigningIdentity:
    """Load a PKCS#12 (.p12/.pfx) key store; refuse an expired or not-yet-valid certificate."""
    data = Path(path).read_bytes()
    secret = password.encode() if isinstance(password, str) else password
    try:
        plain = SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=secret or None)
    except ValueError as exc:
        raise WrongPasswordError(f"cannot open {Path(path).name}: wrong password or not a PKCS#12 file") from exc
    if plain is None or plain.signing_cert is None:
        raise WrongPasswordError(f"{Path(path).name} holds no certificate and key")
    signer = CachedKeySigner(
        signing_cert=plain.signing_cert, signing_key=plain.signing_key, cert_registry=plain.cert_registry
    )
    return _identity(signer, source="pkcs12")


def load_pkcs11(
    lib: Path | str, token_label: str, key_label: str, pin: str | None, cert_label: str | None = None
) -> SigningIdentity:
    """Open the token with label `token_label` through the PKCS#11 module `lib` and use key `key_label`."""
    import pkcs11
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.general import SigningError as PyhankoSigningError
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    if not Path(lib).exists():
        raise TokenNotFoundError(f"PKCS#11 module {lib} not found")
    try:
        session = open_pkcs11_session(str(lib), token_criteria=TokenCriteria(label=token_label), user_pin=pin)
    except (
        pkcs11.exceptions.PinIncorrect,
        pkcs11.exceptions.PinLenRange,
        pkcs11.exceptions.PinInvalid,
    ) as exc:
        raise WrongPinError(f"token {token_label!r} refused the PIN") from exc
    except pkcs11.exceptions.PinLocked as exc:
        raise WrongPinError(f"token {token_label!r} is locked after too many wrong PINs") from exc
    except (pkcs11.exceptions.PKCS11Error, PyhankoSigningError) as exc:
        raise TokenNotFoundError(f"no PKCS#11 token labelled {token_label!r} in {lib}") from exc
    try:
        # other_certs_to_pull=None: take every certificate on the token (CA tokens carry the issuer chain)
        signer = PKCS11Signer(
            session, key_label=key_label, cert_label=cert_label or key_label, other_certs_to_pull=None
        )
        _ = signer.signing_cert  # load key and certificates now, not at the first signature
        _ = list(signer.cert_registry)
    except (pkcs11.exceptions.PKCS11Error, PyhankoSigningError) as exc:
        session.close()
        raise TokenNotFoundError(f"no key/certificate labelled {key_label!r} on token {token_label!r}") from exc
    try:
        return _identity(signer, source="pkcs11", session=session)
    except Exception:
        session.close()
        raise


def development_identity(data_dir: Path, role: str) -> SigningIdentity:
    """sohoa's development identity for `role` ("officer" | "agency"), created on first run."""
    return _development_signer(ensure_dev_material(data_dir, role))


def officer_dev_identity(data_dir: Path, sub: str, name: str | None = None) -> SigningIdentity:
    """The officer's own development signing identity (subject CN = their name), issued on first use."""
    return _development_signer(officer_dev_material(data_dir, sub, name))


def _development_signer(material: DevMaterial) -> SigningIdentity:
    from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = load_cert_from_pemder(str(material.cert_pem))
    ca = load_cert_from_pemder(str(material.ca_pem))
    key = load_private_key_from_pemder(str(material.key_pem), passphrase=None)
    signer = CachedKeySigner(signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore.from_certs([ca]))
    return _identity(signer, source="development", is_development=True)


def _identity(signer: Signer, *, source: str, is_development: bool = False, session: Any = None) -> SigningIdentity:
    cert = signer.signing_cert
    assert cert is not None
    check_validity_period(cert)
    chain = tuple(c for c in signer.cert_registry if c.dump() != cert.dump())
    return SigningIdentity(
        signer=signer,
        certificate=cert,
        chain=chain,
        display_name=common_name(cert),
        source=source,
        is_development=is_development,
        session=session,
    )


async def check_not_revoked(identity: SigningIdentity, validation_context: Any) -> None:
    """Raise CertificateRevokedError / RevocationUnknownError unless the certificate's status is good now."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import (
        ExpiredError,
        InsufficientRevinfoError,
        InvalidCertificateError,
        NotYetValidError,
        PathBuildingError,
        PathValidationError,
        RevokedError,
    )

    who = identity.display_name
    validator = CertificateValidator(
        identity.certificate, intermediate_certs=list(identity.chain), validation_context=validation_context
    )
    try:
        await validator.async_validate_usage(set())
    except RevokedError as exc:
        raise CertificateRevokedError(f"signing certificate of {who} is revoked: {exc}") from exc
    except ExpiredError as exc:
        raise CertificateExpiredError(f"signing certificate of {who} has expired") from exc
    except NotYetValidError as exc:
        raise CertificateNotYetValidError(f"signing certificate of {who} is not valid yet") from exc
    except InsufficientRevinfoError as exc:
        raise RevocationUnknownError(f"revocation status of {who}'s certificate unknown: {exc}") from exc
    except PathBuildingError as exc:
        raise RevocationUnknownError(
            f"cannot chain {who}'s certificate to a trust anchor (add the CA root to the trust folder): {exc}"
        ) from exc
    except PathValidationError as exc:
        raise RevocationUnknownError(f"cannot check {who}'s certificate: {exc}") from exc
    except InvalidCertificateError as exc:  # its text names the subject (which may hold an ID number): left out
        raise CertificateUntrustedError(
            f"signing certificate of {who} is self-signed or not issued by a trusted CA (add its CA root to the "
            "trust folder, or ask the CA for a certificate)"
        ) from exc


def _read_secret(path: Path | None) -> str | None:
    return path.read_text(encoding="utf-8").rstrip("\r\n") if path else None


def configured_identity(
    *,
    role: str,
    data_dir: Path,
    p12: Path | None = None,
    p12_password_file: Path | None = None,
    pkcs11_lib: Path | None = None,
    pkcs11_token: str | None = None,
    pkcs11_key: str | None = None,
    pkcs11_pin_file: Path | None = None,
) -> SigningIdentity:
    """The identity settings name: a PKCS#11 token (lib, token and key labels, PIN file), else a PKCS#12 file
    (password file), else sohoa's development identity for `role` in the data folder."""
    if pkcs11_lib and pkcs11_token and pkcs11_key:
        return load_pkcs11(pkcs11_lib, pkcs11_token, pkcs11_key, _read_secret(pkcs11_pin_file) or "")
    if p12:
        return load_pkcs12(p12, _read_secret(p12_password_file))
    return development_identity(data_dir, role)
