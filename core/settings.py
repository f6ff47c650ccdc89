"""Settings every stage shares: the data folder, the deployment mode, and the secrets sohoa keeps.

Each stage has its own settings class (`ocr.settings`, `signing.settings`, ...) reading `SOHOA_*` variables;
this one holds only what all of them need. With no configuration sohoa runs from `~/.local/share/sohoa`.

On the embedded default (no catalogue database, S3 endpoint or broker configured) the owner partition key and
the encryption keys are created in `<data dir>/secrets/` on first use. Anywhere else they come from the
operator as files named by settings (`SOHOA_OWNER_KEY_FILE`, `SOHOA_VAULT_SSE_KEY_FILE`), the same on every host.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SecretsSettingsSource, SettingsConfigDict

from core.files import write_atomically

# Settings of other stages that leave the embedded default: any of them set means servers shared by hosts.
SERVER_SETTINGS = ("SOHOA_VAULT_DATABASE_URL", "SOHOA_VAULT_S3_ENDPOINT", "SOHOA_INGEST_BROKER_URL")


class SettingsError(RuntimeError):
    """A setting is missing or unusable; the message names it and says what to do. Stops the start."""


class SohoaSettings(BaseSettings):
    """Settings read from `SOHOA_*` variables and, when `SOHOA_SECRETS_DIR` names a folder (Docker's and
    Kubernetes' `/run/secrets`), from files there named like the variables (`sohoa_vault_s3_secret_key`);
    a variable wins over a file. Credentials then never sit in the environment."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        folder = os.environ.get("SOHOA_SECRETS_DIR")
        if folder:
            file_secret_settings = SecretsSettingsSource(settings_cls, secrets_dir=folder)
        return init_settings, env_settings, dotenv_settings, file_secret_settings


def _default_data_dir() -> Path:
    """$XDG_DATA_HOME/sohoa, or ~/.local/share/sohoa"""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sohoa"


class CoreSettings(SohoaSettings):
    """`SOHOA_DATA_DIR` (data folder), `SOHOA_LOG_FORMAT` (console|json), `SOHOA_LOG_LEVEL`,
    `SOHOA_AUTO_MIGRATE`, `SOHOA_OWNER_KEY_FILE`."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default_factory=_default_data_dir, description="Data folder of this host")
    log_format: str = Field("console", description="console or json")
    log_level: str = Field("INFO", description="Log level")
    auto_migrate: bool | None = Field(
        None,
        description="Migrate the catalogue when a process starts; default: yes on the embedded default only "
        "(elsewhere run `sohoa migrate` once per upgrade, and processes refuse an out-of-date schema)",
    )
    owner_key_file: Path | None = Field(
        None,
        description="File (mode 0600) holding the owner partition key (32 random bytes), the same on every host; "
        "required outside the embedded default",
    )
    secrets_dir: Path | None = Field(
        None,
        description="Folder of files named like settings (sohoa_vault_s3_secret_key), each holding that "
        "setting's value: Docker's and Kubernetes' /run/secrets; a variable wins over a file",
    )
    # Read here as well as by their own stages, so that every stage agrees on what the embedded default is.
    vault_database_url: str | None = Field(None, validation_alias=AliasChoices("SOHOA_VAULT_DATABASE_URL"))
    vault_s3_endpoint: str | None = Field(None, validation_alias=AliasChoices("SOHOA_VAULT_S3_ENDPOINT"))
    ingest_broker_url: str | None = Field(None, validation_alias=AliasChoices("SOHOA_INGEST_BROKER_URL"))

    @property
    def servers(self) -> list[str]:
        """The settings naming servers that are set (empty on the embedded default)."""
        values = (self.vault_database_url, self.vault_s3_endpoint, self.ingest_broker_url)
        return [name for name, value in zip(SERVER_SETTINGS, values, strict=True) if value]

    @property
    def embedded_default(self) -> bool:
        return not self.servers

    @property
    def migrate_on_start(self) -> bool:
        return self.embedded_default if self.auto_migrate is None else self.auto_migrate

    def path(self, *parts: str) -> Path:
        """A path inside the data folder, its parent folders created."""
        target = self.data_dir.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


@lru_cache(maxsize=1)
def core_settings() -> CoreSettings:
    return CoreSettings()


def read_secret_file(path: Path, setting: str, nbytes: int = 32) -> bytes:
    """The key in `path` (named by `setting`): exactly `nbytes` bytes, readable by its owner only."""
    try:
        info = path.stat()
        data = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"{setting}={path}: cannot read the key file ({exc.strerror})") from exc
    if info.st_mode & 0o077:
        raise SettingsError(
            f"{setting}={path}: the key file is open to other local users (mode {stat.filemode(info.st_mode)}); "
            f"`chmod 600 {path}`"
        )
    if len(data) != nbytes:
        raise SettingsError(
            f"{setting}={path}: a key file holds exactly {nbytes} random bytes, this one has {len(data)} "
            f"(create one with `head -c {nbytes} /dev/urandom > FILE && chmod 600 FILE`)"
        )
    return data


def data_secret(settings: CoreSettings, name: str, nbytes: int = 32) -> bytes:
    """A random secret kept in `<data dir>/secrets/<name>` (file 0600, folder 0700), created on first use."""
    folder = settings.data_dir / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs is kept
            write_atomically(target, secrets.token_bytes(nbytes), replace=False)
    return read_secret_file(target, f"<data dir>/secrets/{name}", nbytes)


def install_data_secret(settings: CoreSettings, name: str, value: bytes) -> None:
    """Put a key restored from a backup into `<data dir>/secrets/<name>`; refuse to replace a different one."""
    folder = settings.data_dir / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / name
    if target.exists():
        if target.read_bytes() != value:
            raise SettingsError(f"<data dir>/secrets/{name} exists and holds another key than the backup's")
        return
    write_atomically(target, value, replace=False)


def operator_secret(
    settings: CoreSettings, configured: Path | None, *, setting: str, name: str, what: str, nbytes: int = 32
) -> bytes:
    """A key the operator names by `setting`; on the embedded default, one kept in the data folder.

    Outside the embedded default a key made here would differ from the other hosts' and could not read
    their data, so a missing setting stops the start instead.
    """
    if configured is not None:
        return read_secret_file(configured, setting, nbytes)
    if settings.embedded_default:
        return data_secret(settings, name, nbytes)
    raise SettingsError(
        f"{setting} is not set: {what} must come from the operator, the same file on every host, because "
        f"{', '.join(settings.servers)} is set (not the embedded default). Create it once with "
        f"`head -c {nbytes} /dev/urandom > FILE && chmod 600 FILE`, or copy <data dir>/secrets/{name} "
        "of the installation that made the existing data"
    )
