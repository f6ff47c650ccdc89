"""What the pipeline's Celery tasks are handed: the catalogue, the vault, the staging area, the officer's signer,
the issuer (agency signer, webhook notifier). `runtime` installs it when a worker starts; tasks never build it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from ingest.staging import StagingArea
from issuing.agency import Issuer
from signing.sign import DocumentSigner
from vault.service import Vault


@dataclass(frozen=True)
class PipelineContext:
    sessions: sessionmaker[Session]  # the catalogue (migrated)
    # Built once per process when a step first needs them: the vault (its object store may be down while a
    # document's OCR goes on) and the officer's signer (its key loaded once).
    vault: Callable[[], Vault]
    officer_signer: Callable[[], DocumentSigner]
    issuer: Issuer
    # Where batches wait between steps: the data folder's (embedded default) or the object store's; built once.
    staging: Callable[[], StagingArea]
    # A DocumentSigner runs its own event loop: one officer signature at a time per process.
    signer_lock: threading.Lock = field(default_factory=threading.Lock)
    # the signer of one officer account by (sub, name): their own development certificate on the embedded default
    officer_signer_for: Callable[[str, str | None], DocumentSigner] | None = None

    def signer_of(self, sub: str, name: str | None = None) -> DocumentSigner:
        """The officer's own signer when the composition root offers one, else the process's officer signer."""
        if self.officer_signer_for is not None:
            return self.officer_signer_for(sub, name)
        return self.officer_signer()


class NotConfigured(RuntimeError):
    """A task ran in a process where the composition root installed no context."""


_factory: Callable[[], PipelineContext] | None = None
_context: PipelineContext | None = None
_lock = threading.Lock()


def configure(factory: Callable[[], PipelineContext]) -> None:
    """Install how this process (and the worker processes it forks) builds the context, on a task's first use."""
    global _factory, _context
    with _lock:
        _factory, _context = factory, None


def context() -> PipelineContext:
    """The installed context, built on first use in this process."""
    global _context
    with _lock:
        if _context is None:
            if _factory is None:
                raise NotConfigured("the pipeline's context is not installed: workers start with `sohoa worker`")
            _context = _factory()
        return _context
