"""Exceptions of the signing stage, each with a one-line message fit for a CLI or an API error body.

Callers catch `SigningError` (or one of its subclasses) and show `str(exc)`.
"""

from __future__ import annotations


class SigningError(Exception):
    """Base class: something prevents signing or validating; the message is one line for a person."""


class CredentialError(SigningError):
    """A key store could not be opened."""


class WrongPasswordError(CredentialError):
    """The PKCS#12 password is wrong (or the file is not PKCS#12)."""


class WrongPinError(CredentialError):
    """The PKCS#11 token refused the PIN."""


class TokenNotFoundError(CredentialError):
    """No PKCS#11 token with that label, no key or certificate with that label on it, or no module file."""


class CertificateUnusableError(SigningError):
    """The signing certificate must not be used now (refuse to sign)."""


class CertificateExpiredError(CertificateUnusableError):
    """The signing certificate has expired."""


class CertificateNotYetValidError(CertificateUnusableError):
    """The signing certificate is not valid yet."""


class CertificateRevokedError(CertificateUnusableError):
    """The signing certificate is revoked."""


class CertificateUntrustedError(CertificateUnusableError):
    """The signing certificate does not chain to a trust anchor: self-signed, or from a CA not trusted here."""


class RevocationUnknownError(CertificateUnusableError):
    """The revocation status of the signing certificate could not be established."""


class TimestampUnavailableError(SigningError):
    """The time-stamping authority could not be reached or gave no usable answer."""


class PdfInputError(SigningError):
    """The input is not a PDF sohoa can sign or validate."""


class PdfEncryptedError(PdfInputError):
    """The PDF is encrypted."""


class PdfBrokenError(PdfInputError):
    """The PDF cannot be parsed."""
