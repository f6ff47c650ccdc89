"""Helper process for the concurrency test: allocates dossier codes and prints one per line.

`python tests/vault/code_writer.py DATABASE_URL AGENCY PROCEDURE OWNER_ID COUNT` (waits for a start file).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from vault.db import make_engine, session_factory
from vault.service import Vault
from vault.settings import VaultSettings
from vault.store import LocalStore


def main() -> None:
    url, agency, procedure, owner_id, count, start_file, objects = sys.argv[1:8]
    vault = Vault(session_factory(make_engine(url)), LocalStore(Path(objects)), VaultSettings(database_url=url))
    while not Path(start_file).exists():  # both processes start together
        time.sleep(0.01)
    for _ in range(int(count)):
        print(vault.create_dossier(agency, procedure, owner_id).code, flush=True)


if __name__ == "__main__":
    main()
