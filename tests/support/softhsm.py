"""A private SoftHSM2 token for tests: own config and token folder, a key and certificate imported by label.

Keys go in with `softhsm2-util --import`, certificates with python-pkcs11; signing then uses PKCS#11.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
USER_PIN = "123456"
SO_PIN = "12345678"


@dataclass(frozen=True)
class SoftHsmToken:
    """An initialised token: module path, label, PIN, and the config file SOFTHSM2_CONF must point to."""

    module: Path
    label: str
    pin: str
    config: Path


def available() -> bool:
    return MODULE.exists() and _util() is not None


def _util() -> str | None:
    for candidate in ("/usr/bin/softhsm2-util", "/usr/local/bin/softhsm2-util"):
        if Path(candidate).exists():
            return candidate
    return None


def init_token(root: Path, label: str = "sohoa-test") -> SoftHsmToken:
    """Write a private config under `root`, set SOFTHSM2_CONF for this process, and initialise a token."""
    tokens = root / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    config = root / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(config)
    _run("--init-token", "--free", "--label", label, "--pin", USER_PIN, "--so-pin", SO_PIN)
    return SoftHsmToken(module=MODULE, label=label, pin=USER_PIN, config=config)


def import_identity(token: SoftHsmToken, key_pem: Path, cert_pem: Path, label: str, object_id: str) -> None:
    """Import a PKCS#8 private key and its certificate under the same label and id (hex)."""
    _run(
        "--import",
        str(key_pem),
        "--token",
        token.label,
        "--label",
        label,
        "--id",
        object_id,
        "--pin",
        token.pin,
    )
    _import_certificate(token, cert_pem, label, bytes.fromhex(object_id))


def import_certificate(token: SoftHsmToken, cert_pem: Path, label: str, object_id: str) -> None:
    """Import a CA certificate (e.g. the issuing CA) so the token carries the chain, as CA tokens do."""
    _import_certificate(token, cert_pem, label, bytes.fromhex(object_id))


def _import_certificate(token: SoftHsmToken, cert_pem: Path, label: str, object_id: bytes) -> None:
    import pkcs11
    from asn1crypto import pem, x509
    from pkcs11 import Attribute, CertificateType, ObjectClass

    der = cert_pem.read_bytes()
    if pem.detect(der):
        _, _, der = pem.unarmor(der)
    cert = x509.Certificate.load(der)
    lib = pkcs11.lib(str(token.module))
    with lib.get_token(token_label=token.label).open(rw=True, user_pin=token.pin) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: label,
                Attribute.ID: object_id,
                Attribute.SUBJECT: cert.subject.dump(),
                Attribute.VALUE: der,
            }
        )


def _run(*args: str) -> None:
    util = _util()
    if util is None:
        raise RuntimeError("softhsm2-util not found: apt-get install softhsm2")
    result = subprocess.run([util, *args], capture_output=True, text=True, env=os.environ.copy(), check=False)
    if result.returncode != 0:
        raise RuntimeError(f"softhsm2-util {args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")
