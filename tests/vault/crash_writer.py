"""Helper process for the crash tests: stores one document and stops dead inside the write.

`python tests/vault/crash_writer.py before_put|after_put DOSSIER_CODE OWNER_ID` with the vault configured by
`SOHOA_VAULT_*` variables; prints a line when it reaches the hook, then sleeps until the test SIGKILLs it.
"""

from __future__ import annotations

import sys
import time

from core.types import Actor, Role
from runtime.catalogue import open_vault
from vault.records import NewDocument
from vault.writes import WriteHooks


def _stall(label: str) -> None:
    print(label, flush=True)
    time.sleep(600)


def main() -> None:
    mode, dossier_code, owner_id, agency = sys.argv[1:5]
    hooks = (
        WriteHooks(before_put=lambda key: _stall("BEFORE-PUT"))
        if mode == "before_put"
        else WriteHooks(after_put=lambda stored: _stall("AFTER-PUT"))
    )
    vault = open_vault(hooks=hooks)
    new = NewDocument(owner_id=owner_id, name="Giấy khai sinh", source_dossier_code=dossier_code)
    station = Actor("station-1", Role.STATION, agency_code=agency)
    vault.store_document(new, b"%PDF-1.7 crash test\n%%EOF\n", station, idempotency_key="batch-9:0")
    print("COMMITTED", flush=True)


if __name__ == "__main__":
    main()
