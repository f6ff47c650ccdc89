"""Every `sohoa` process (a station's `sohoa status`, `sohoa token`, each server and worker a test starts) first
imports the command line: that import reads no catalogue, broker, object store, image or PDF library.

The commands import what they use inside their functions (cli/main.py); a word table imported from a module of the
catalogue once made every `sohoa --help` import SQLAlchemy, MinIO, Alembic and NumPy (about 1 CPU s, 1 Dec 2026).
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sqlalchemy", "alembic", "celery", "minio", "numpy", "PIL", "pikepdf", "pyhanko", "tesserocr", "fastapi")


def test_the_command_line_imports_none_of_the_heavy_libraries() -> None:
    probe = f"import json, sys, cli.main; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(done.stdout) == [], done.stdout
