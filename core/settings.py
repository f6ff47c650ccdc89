"""Settings every stage shares: the data folder and the secrets sohoa keeps in it.

Each stage has its own settings class (`ocr.settings`, `signing.settings`, ...) reading `SOHOA_*` variables;
this one holds only what all of them need. With no configuration sohoa runs from `~/.local/share/sohoa`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.files import write_atomically


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sohoa"


class CoreSettings(BaseSettings):
    """`SOHOA_DATA_DIR` (data folder), `SOHOA_LOG_FORMAT` (console|json), `SOHOA_LOG_LEVEL`."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    log_format: str = "console"
    log_level: str = "INFO"

    def path(self, *parts: str) -> Path:
        """A path inside the data folder, its parent folders created."""
        target = self.data_dir.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


@lru_cache(maxsize=1)
def core_settings() -> CoreSettings:
    return CoreSettings()


def data_secret(settings: CoreSettings, name: str, nbytes: int = 32) -> bytes:
    """A random secret kept in `<data dir>/secrets/<name>` (mode 0600), created on first use."""
    target = settings.path("secrets", name)
    if not target.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs is kept
            write_atomically(target, secrets.token_bytes(nbytes), replace=False)
    return target.read_bytes()
