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


def token_for_another_process(root: Path, label: str, key_pem: Path, cert_pem: Path, key_label: str) -> SoftHsmToken:
    """A token in its own SoftHSM folder holding a key and its certificate, for a separate process (a signing
    agent) only: this process never loads SoftHSM with it (a PKCS#11 module initialises once per process, and
    this one may have loaded another folder). SOFTHSM2_CONF of this process is left as it was."""
    import sys

    before = os.environ.get("SOFTHSM2_CONF")
    try:
        token = init_token(root, label=label)
        _run("--import", str(key_pem), "--token", label, "--label", key_label, "--id", "01", "--pin", token.pin)
        code = (
            "import sys; from pathlib import Path; from tests.support.softhsm import SoftHsmToken, _import_certificate;"
            "t = SoftHsmToken(Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4]));"
            "_import_certificate(t, Path(sys.argv[5]), sys.argv[6], bytes.fromhex('01'))"
        )
        args = [str(token.module), label, token.pin, str(token.config), str(cert_pem), key_label]
        subprocess.run(
            [sys.executable, "-c", code, *args],
            check=True,
            capture_output=True,
            env=os.environ.copy(),
            cwd=Path(__file__).resolve().parents[2],
        )
    finally:
        if before is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = before
    return token


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
