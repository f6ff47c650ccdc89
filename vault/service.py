"""The `Vault` door: the one object the pipeline, the issuing code and the API call for owners, dossiers,
documents, reuse, grants, the access log, search, reports and upkeep.

Its parts live by job (`vault.dossiers`, `vault.documents`, `vault.reads`, `vault.grants`, `vault.upkeep`) on a
shared `vault.base.VaultBase`. Every method opens its own transaction; every read or write that authorises takes
the `Actor`, records it in the hash-chained access log and returns plain records. What the actor may not see raises
`NotFound` (no existence oracle); who may see what is written once, in `vault.access`.
"""

from __future__ import annotations

from vault.documents import DocumentWrites
from vault.dossier_life import DossierLife
from vault.dossiers import OwnersAndDossiers
from vault.grants import GrantsAndLog
from vault.presence import Presence
from vault.reads import DocumentReads
from vault.rescans import ScannedAgain
from vault.upkeep import Upkeep


class Vault(
    OwnersAndDossiers, DossierLife, DocumentWrites, DocumentReads, GrantsAndLog, Upkeep, Presence, ScannedAgain
):
    """Each owner's papers and results: kept write-once in the object store, catalogued, reusable."""
