"""Errors of the OCR stage that callers act on: unusable input names the file and the reason.

The CLI turns `UnusableInput` into exit code 2 and a one-line message; nothing is written for such input.
"""

from __future__ import annotations

from pathlib import Path


class UnusableInput(Exception):
    """An input file that cannot be used as a scanned page (empty, truncated, not an image, too large, ...)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason

    def __reduce__(self) -> tuple[type[UnusableInput], tuple[Path, str]]:
        return (UnusableInput, (self.path, self.reason))


class NothingToArchive(Exception):
    """No page is left to put in the PDF: the document has none, or every page is blank and blanks are dropped."""
