"""Errors the vault raises; the API maps each to one HTTP status.

None of the messages carries a personal ID number or document content.
"""

from __future__ import annotations


class VaultError(Exception):
    """Base of every vault error; `field` names the input at fault when one is (the API lists it in the problem),
    `problem_type` is the problem's `type` (RFC 9457) for a client to branch on."""

    problem_type = "about:blank"

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(VaultError):
    """No such document/dossier/grant — also for documents the caller may not see (no existence oracle)."""


class Forbidden(VaultError):
    """The caller is known to be allowed to see the thing but not to do this with it."""


class InvalidInput(VaultError):
    """Bad input; nothing was written."""


class Conflict(VaultError):
    """The request conflicts with the stored state (duplicate code, document not in a reusable state)."""


class ReuseRefused(Conflict):
    """A vault document cannot be attached to a dossier (expired, revoked, cancelled, or not the caller's)."""


class IntegrityError(VaultError):
    """Stored bytes do not match their recorded SHA-256; nothing was served."""


class ObjectLocked(VaultError):
    """Delete or overwrite refused: the object is under retention or legal hold."""


class ObjectMissing(VaultError):
    """The catalogue names an object (version) the store does not have."""


class StoreUnavailable(VaultError):
    """The object store could not be reached or answered with an unexpected error."""


class GrantLapsed(Forbidden):
    """A grantee's read refused because the owner's grant for this purpose was revoked or ran out (a 403 that
    says which grant and when: the grantee held it, so nothing is disclosed)."""

    def __init__(self, message: str, *, grant_id: int, revoked: bool) -> None:
        super().__init__(message)
        self.grant_id = grant_id
        self.problem_type = "urn:sohoa:problem:grant-" + ("revoked" if revoked else "expired")
