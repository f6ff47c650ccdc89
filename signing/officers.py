"""Each officer account's own signing identity, mapped by the token's `sub` in a TOML file the operator keeps
(`SOHOA_INGEST_OFFICERS_FILE`): a PKCS#11 token/HSM key, a PKCS#12 file, or "signs on their own machine".

```toml
[officers."nhung.nt"]                      # the token's `sub`
mode = "split"                             # signs on their own PC with `sohoa sign-agent`
certificate = "/etc/sohoa/officers/nhung.pem"
chain = ["/etc/sohoa/officers/cacp.pem"]   # issuing CA(s), optional

[officers."binh.tv"]
pkcs11_lib = "/usr/lib/x86_64-linux-gnu/libcs_pkcs11_R3.so"
pkcs11_token = "binh-hsm"
pkcs11_key = "binh"
pkcs11_pin_file = "/run/secrets/binh.pin"

[officers."lan.pt"]
p12 = "/etc/sohoa/officers/lan.p12"
p12_password_file = "/run/secrets/lan.password"
```
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from asn1crypto import x509
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from signing.config import SignerConfig
from signing.errors import SigningError

OfficerMode = Literal["server", "split"]


class OfficerIdentity(SignerConfig):
    """One officer's identity: a key the server uses (`SignerConfig`: PKCS#11 or PKCS#12), or `mode = "split"`
    with the officer's certificate (and its CA chain) when the key stays on the officer's own token."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: OfficerMode = "server"
    certificate: Path | None = None
    chain: tuple[Path, ...] = ()

    @model_validator(mode="after")
    def _complete(self) -> OfficerIdentity:
        if self.mode == "split" and self.certificate is None:
            raise ValueError('mode = "split" needs `certificate` (the officer\'s certificate, PEM or DER)')
        if self.mode == "server" and self.source == "development":
            raise ValueError('give pkcs11_lib + pkcs11_token + pkcs11_key, or p12, or mode = "split"')
        return self

    @property
    def splits(self) -> bool:
        return self.mode == "split"

    def certificates(self) -> tuple[x509.Certificate, list[x509.Certificate]]:
        """The officer's certificate and its chain (split mode)."""
        assert self.certificate is not None
        return load_certificate(self.certificate), [load_certificate(path) for path in self.chain]


class OfficerTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    officers: dict[str, OfficerIdentity] = Field(default_factory=dict)


def load_certificate(path: Path) -> x509.Certificate:
    """A certificate file, PEM or DER; SigningError naming the file (not its folder) when unreadable."""
    from asn1crypto import pem

    try:
        data = path.read_bytes()
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        certificate = x509.Certificate.load(data)
        _ = certificate.subject  # parse now
    except (OSError, ValueError) as exc:
        raise SigningError(f"officer certificate {path.name}: cannot be read ({type(exc).__name__})") from exc
    return certificate


def load_officer_table(path: Path) -> OfficerTable:
    """Parse the officers file; SigningError with one line naming the file and the entry that is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SigningError(f"officers file {path.name}: {exc}") from exc
    try:
        return OfficerTable.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise SigningError(f"officers file {path.name}: {where}: {first['msg']}") from exc
