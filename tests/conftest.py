"""Root test configuration: every test process works in a private data folder, never a real one.

Set before any settings are read (they are cached per process), so tokens, secrets, the SQLite catalogue and
the local vault of the tests all live under a temporary folder.
"""

from __future__ import annotations

import os
import tempfile

os.environ["SOHOA_DATA_DIR"] = tempfile.mkdtemp(prefix="sohoa-test-data-")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
