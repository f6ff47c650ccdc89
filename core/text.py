"""Vietnamese text folding for search: case and diacritics removed one character at a time ("Quyết định" →
"quyet dinh", "Đ" → "d"), so positions in the folded text are positions in the original (NFC) text.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One lower-case base letter for one character (đ/Đ → d); other characters keep one position."""
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[0].lower()
    return base if len(base) == 1 else char


def fold(text: str) -> str:
    """NFC, then each character folded; the result has the length of `unicodedata.normalize('NFC', text)`."""
    return "".join(fold_char(char) for char in unicodedata.normalize("NFC", text))
