"""poppler's `pdfsig` as an independent check: the signature-validation line of each regular signature.

Only that line is compared (its certificate line is unreliable on Debian 12, and it cannot check document
timestamps): "Signature is Valid." means the signed bytes are intact, "Digest Mismatch." that they are not.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def pdfsig_intact(pdf: Path) -> list[bool]:
    """For each regular signature, in file order: does pdfsig find its signed bytes intact?"""
    exe = shutil.which("pdfsig")
    assert exe is not None, "poppler-utils (pdfsig) is required"
    result = subprocess.run([exe, str(pdf)], capture_output=True, text=True, timeout=60, check=False)
    verdicts: list[bool] = []
    for line in result.stdout.splitlines():
        line = line.strip()
        if line.startswith("- Signature Validation:"):
            status = line.split(":", 1)[1].strip()
            if status.startswith("Signature has not yet been verified"):
                continue  # a document timestamp: pdfsig cannot check those
            verdicts.append(status.startswith("Signature is Valid"))
    return verdicts
