"""Every `SOHOA_*` setting, found in the pydantic settings classes of the product packages, as the Markdown
table of docs/deploy.md; `python -m tests.support.settings_table` rewrites that table in place.

The description of a field is its `Field(description=...)`, else the comment on its line or just above it.
"""

from __future__ import annotations

import importlib
import inspect
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
# The product packages, as the build finds them (pyproject.toml), so a new package's settings join the table.
PACKAGES = [
    name.removesuffix("*")
    for name in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"][
        "include"
    ]
]
DOC = ROOT / "docs" / "deploy.md"
BEGIN, END = "<!-- settings-table:begin -->", "<!-- settings-table:end -->"


@dataclass(frozen=True)
class Setting:
    env: str
    type: str
    default: str
    description: str
    owner: str  # module.Class


def settings_classes() -> list[type[BaseSettings]]:
    """The BaseSettings subclasses defined in any `*settings*.py` module of the product packages."""
    found: list[type[BaseSettings]] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*settings*.py")):
            module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
            for value in vars(module).values():
                if (
                    inspect.isclass(value)
                    and issubclass(value, BaseSettings)
                    and value.__module__ == module.__name__
                    and value.model_fields
                ):
                    found.append(value)
    return found


def _comment(cls: type, name: str) -> str:
    lines = inspect.getsource(cls).splitlines()
    for index, line in enumerate(lines):
        if re.match(rf"\s+{name}\s*:", line):
            trailing = line.split("  # ", 1)
            if len(trailing) == 2:
                return trailing[1].strip()
            above = []
            for previous in reversed(lines[:index]):
                if not previous.strip().startswith("#"):
                    break
                above.insert(0, previous.strip().lstrip("#").strip())
            return " ".join(above)
    return ""


def _type(info: FieldInfo) -> str:
    text = str(info.annotation).replace("typing.", "").replace("pathlib.", "")
    return re.sub(r"<class '(?:[\w]+\.)*(\w+)'>", r"\1", text)


def _default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        factory = info.default_factory
        if inspect.isclass(factory) and issubclass(factory, BaseModel):
            return "(see the variables below)"
        doc = inspect.getdoc(factory)
        return doc.splitlines()[0] if doc else repr(factory())  # type: ignore[call-arg]
    if info.default is PydanticUndefined:
        return "(required)"
    if isinstance(info.default, Path):  # a file shipped in a package: where it is in the repository
        path = info.default
        return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    return "(none)" if info.default is None else repr(info.default)


def all_settings() -> list[Setting]:
    """One row per environment variable, the class that reads it first (aliases of another stage's skipped)."""
    rows: dict[str, Setting] = {}
    for cls in settings_classes():
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name, info in cls.model_fields.items():
            if isinstance(info.validation_alias, AliasChoices | str):
                continue  # read here under another stage's name, documented with that stage
            env = f"{prefix}{name}".upper()
            description = info.description or _comment(cls, name)
            owner = f"{cls.__module__}.{cls.__name__}"
            model = info.annotation
            delimiter = cls.model_config.get("env_nested_delimiter")
            if inspect.isclass(model) and issubclass(model, BaseModel) and delimiter:
                # A nested model: one variable per field of it (or the whole of it as JSON in the first).
                summary = (inspect.getdoc(model) or "").split("\n\n")[0].replace("\n", " ")
                description = f"{description} {summary} As JSON, or the variables {env}{delimiter}*.".strip()
                instance = info.get_default(call_default_factory=True)
                for sub, sub_info in model.model_fields.items():
                    sub_env = f"{env}{delimiter}{sub}".upper()
                    sub_text = sub_info.description or _comment(model, sub) or f"`{sub}` of {env}"
                    value = getattr(instance, sub)
                    default = "(none)" if value is None else repr(value)
                    rows.setdefault(sub_env, Setting(sub_env, _type(sub_info), default, sub_text, owner))
            rows.setdefault(env, Setting(env, _type(info), _default(info), description, owner))
    return sorted(rows.values(), key=lambda row: row.env)


def markdown() -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| setting | type | default | what it does | read by |", "|---|---|---|---|---|"]
    for row in all_settings():
        lines.append(
            f"| `{row.env}` | `{cell(row.type)}` | `{cell(row.default)}` | {cell(row.description)} | `{row.owner}` |"
        )
    return "\n".join(lines)


def rewrite(doc: Path = DOC) -> bool:
    """Put the current table between the markers of `doc`; True when it changed."""
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{markdown()}\n{END}{tail}"
    doc.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    print(f"rewrote the settings table of {DOC}" if rewrite() else f"{DOC}: settings table already current")
