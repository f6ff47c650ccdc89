"""How a backup writes what JSON cannot hold as is: catalogue values (times, dates, bytes) tagged, and the
installation's keys sealed with the operator's passphrase (scrypt, then AES-256-GCM).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

SCRYPT = {"n": 2**15, "r": 8, "p": 1}


class SealError(ValueError):
    """The sealed keys do not open with this passphrase (or were altered)."""


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        decoders: dict[str, Any] = {
            "$datetime": dt.datetime.fromisoformat,
            "$date": dt.date.fromisoformat,
            "$bytes": base64.b64decode,
            "$decimal": Decimal,
        }
        if tag in decoders:
            return decoders[tag](text)
    return value


def encode_row(row: dict[str, Any]) -> dict[str, Any]:
    return {name: _encode(value) for name, value in row.items()}


def decode_row(row: dict[str, Any]) -> dict[str, Any]:
    return {name: _decode(value) for name, value in row.items()}


def _key(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, **SCRYPT).derive(passphrase.encode())


def seal_keys(keys: dict[str, bytes], passphrase: str) -> dict[str, Any]:
    """The keys encrypted under a key derived from `passphrase` (a fresh salt and nonce each time)."""
    if len(passphrase) < 12:
        raise SealError("a backup passphrase has at least 12 characters")
    salt, nonce = os.urandom(16), os.urandom(12)
    plain = json.dumps({name: base64.b64encode(value).decode() for name, value in keys.items()}).encode()
    sealed = AESGCM(_key(passphrase, salt)).encrypt(nonce, plain, b"sohoa-backup-keys")
    encoded = {name: base64.b64encode(value).decode() for name, value in (("salt", salt), ("nonce", nonce))}
    return {"kdf": "scrypt", **SCRYPT, **encoded, "sealed": base64.b64encode(sealed).decode()}


def open_keys(sealed: dict[str, Any], passphrase: str) -> dict[str, bytes]:
    salt, nonce, data = (base64.b64decode(sealed[name]) for name in ("salt", "nonce", "sealed"))
    try:
        plain = AESGCM(_key(passphrase, salt)).decrypt(nonce, data, b"sohoa-backup-keys")
    except InvalidTag as exc:
        raise SealError("the backup's keys do not open with this passphrase") from exc
    return {name: base64.b64decode(value) for name, value in json.loads(plain).items()}
