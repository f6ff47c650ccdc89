"""Where a signer's key lives, as one type for every signer (the digitising officer, the agency): a PKCS#11 token,
a PKCS#12 file, or sohoa's development identity.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:  # loading keys needs pyHanko: imported when a key is loaded, not when settings are read
    from signing.identity import SigningIdentity

SignerSource = Literal["pkcs11", "pkcs12", "development"]


class SignerConfig(BaseModel):
    """A PKCS#11 token (library, token label, key label, PIN file), else a PKCS#12 file (password file), else the
    development identity of the signer's role in the data folder ("BẢN THỬ NGHIỆM").

    A settings class holds it as one field (`officer`, `agency`) read from flat environment variables with the
    field's name as prefix: `SOHOA_INGEST_OFFICER_P12`, `SOHOA_ISSUING_AGENCY_PKCS11_LIB`, ... (give the settings
    class `env_nested_delimiter="_"` and `env_nested_max_split=1`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    p12: Path | None = None
    p12_password_file: Path | None = None
    pkcs11_lib: Path | None = None
    pkcs11_token: str | None = None
    pkcs11_key: str | None = None
    pkcs11_pin_file: Path | None = None

    @property
    def source(self) -> SignerSource:
        if self.pkcs11_lib and self.pkcs11_token and self.pkcs11_key:
            return "pkcs11"
        return "pkcs12" if self.p12 else "development"

    def identity(self, role: str, data_dir: Path) -> SigningIdentity:
        """Load the configured key and certificates; the development identity of `role` when none is set."""
        from signing.identity import configured_identity

        return configured_identity(
            role=role,
            data_dir=data_dir,
            p12=self.p12,
            p12_password_file=self.p12_password_file,
            pkcs11_lib=self.pkcs11_lib,
            pkcs11_token=self.pkcs11_token,
            pkcs11_key=self.pkcs11_key,
            pkcs11_pin_file=self.pkcs11_pin_file,
        )
