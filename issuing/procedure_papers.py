"""The papers of each procedure (document type code, Vietnamese name, required or not): the shipped list
(`issuing/data/procedure_papers.toml`) with the operator's file (`SOHOA_PAPERWORK_PROCEDURE_PAPERS_FILE`) over it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from issuing.calendar import file_version, procedure_entries
from issuing.settings import DATA_DIR, issuing_settings

SHIPPED = DATA_DIR / "procedure_papers.toml"
TYPE_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_PAPERS = 30  # the counter's look-up asks at most this many types at once (vault.presence.MAX_TYPES)


class PaperListError(ValueError):
    """A file of procedure papers is unreadable or malformed (the message names the file and the entry)."""


@dataclass(frozen=True)
class ProcedurePaper:
    type_code: str
    name: str
    required: bool


def _paper(entry: object, where: str) -> ProcedurePaper:
    if not isinstance(entry, dict):
        raise PaperListError(f"{where}: a paper is a table with type_code, name and required")
    type_code, name, required = entry.get("type_code"), entry.get("name"), entry.get("required", True)
    if not isinstance(type_code, str) or not TYPE_CODE_RE.fullmatch(type_code):
        raise PaperListError(f"{where}: type_code must be 1 to 64 letters, digits, '_', '.' or '-'")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise PaperListError(f"{where}: name must be the paper's name (1 to 200 characters)")
    if not isinstance(required, bool):
        raise PaperListError(f"{where}: required is true or false")
    return ProcedurePaper(type_code, name.strip(), required)


def load_paper_lists(path: Path) -> dict[str, tuple[ProcedurePaper, ...]]:
    """Read a file of procedure papers (see `issuing/data/procedure_papers.toml`): procedure code -> its papers."""
    lists: dict[str, tuple[ProcedurePaper, ...]] = {}
    for where, code, entry in procedure_entries(path, "procedure papers", PaperListError):
        entries = entry.get("paper", [])
        if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_PAPERS:
            raise PaperListError(f"{where}: list 1 to {MAX_PAPERS} papers")
        papers = tuple(_paper(paper, f"{where}.paper[{n}]") for n, paper in enumerate(entries))
        if len({p.type_code for p in papers}) != len(papers):
            raise PaperListError(f"{where}: a type code is listed twice")
        lists[code] = papers
    return lists


@lru_cache(maxsize=8)
def _cached(path: Path, _version: tuple[int, int]) -> dict[str, tuple[ProcedurePaper, ...]]:
    return load_paper_lists(path)


def _read(path: Path) -> dict[str, tuple[ProcedurePaper, ...]]:
    version = file_version(path)  # read again when the file changes, as the calendar and procedure tables are
    if version is None:
        raise PaperListError(f"cannot read the procedure papers {path}: no such file or not readable")
    return _cached(path, version)


def paper_lists() -> dict[str, tuple[ProcedurePaper, ...]]:
    """Every procedure's papers: the shipped list, with the operator's file (when set) winning per procedure."""
    extra = issuing_settings().procedure_papers_file
    return {**_read(SHIPPED), **(_read(extra) if extra is not None else {})}


def procedure_papers(code: str) -> tuple[ProcedurePaper, ...] | None:
    """The procedure's papers, or None when no list names the procedure."""
    return paper_lists().get(code)
