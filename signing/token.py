"""Signing bytes with an officer's PKCS#11 token on their own PC (the signing agent): the key never leaves the
token; RSA keys sign with CKM_SHA256_RSA_PKCS, EC keys with CKM_ECDSA_SHA256 (r‖s turned into DER).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import x509

from signing.errors import SigningError, TokenNotFoundError, WrongPinError
from signing.identity import common_name


@dataclass
class OpenToken:
    """A logged-in token session with the officer's key and certificate; close it when done."""

    session: Any
    key: Any
    certificate: x509.Certificate

    @property
    def officer_name(self) -> str:
        return common_name(self.certificate)

    def sign(self, data: bytes) -> bytes:
        """The token's signature of `data` (SHA-256 computed on the token)."""
        import pkcs11
        from pkcs11 import KeyType, Mechanism
        from pkcs11.util.ec import encode_ecdsa_signature

        try:
            if self.key.key_type == KeyType.EC:
                return bytes(encode_ecdsa_signature(self.key.sign(data, mechanism=Mechanism.ECDSA_SHA256)))
            return bytes(self.key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS))
        except pkcs11.exceptions.PKCS11Error as exc:
            raise SigningError(f"the token refused to sign ({type(exc).__name__})") from exc

    def close(self) -> None:
        self.session.close()


def open_token(lib: Path, token_label: str, key_label: str | None, pin: str) -> OpenToken:
    """Log in to the token and find the signing key (by label, else the only private key) and its certificate."""
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    if not lib.exists():
        raise TokenNotFoundError(f"PKCS#11 module {lib} not found")
    try:
        token = pkcs11.lib(str(lib)).get_token(token_label=token_label)
    except (pkcs11.exceptions.NoSuchToken, pkcs11.exceptions.PKCS11Error) as exc:
        raise TokenNotFoundError(f"no token labelled {token_label!r}: is the USB token plugged in?") from exc
    try:
        session = token.open(user_pin=pin)
    except (pkcs11.exceptions.PinIncorrect, pkcs11.exceptions.PinLenRange, pkcs11.exceptions.PinInvalid) as exc:
        raise WrongPinError(f"token {token_label!r} refused the PIN") from exc
    except pkcs11.exceptions.PinLocked as exc:
        raise WrongPinError(f"token {token_label!r} is locked after too many wrong PINs") from exc
    try:
        wanted = {Attribute.LABEL: key_label} if key_label else {}
        keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, **wanted}))
        if len(keys) != 1:
            found = "no" if not keys else "more than one"
            raise TokenNotFoundError(
                f"{found} private key {'labelled ' + repr(key_label) if key_label else ''} "
                f"on token {token_label!r}: name it with --key"
            )
        key = keys[0]
        certs = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: key[Attribute.ID]}))
        if not certs:
            raise TokenNotFoundError(f"no certificate beside the key on token {token_label!r}")
        certificate = x509.Certificate.load(bytes(certs[0][Attribute.VALUE]))
    except BaseException:
        session.close()
        raise
    return OpenToken(session=session, key=key, certificate=certificate)
