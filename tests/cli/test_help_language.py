"""`sohoa --help` in one language per group of people: the station officer's commands (scanning, cover sheets,
the sign-agent) in Vietnamese with the English in brackets, every operator's and developer's command in English
(`docs/cli.md`).
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.testing import CliRunner

from cli.main import app

STATION_COMMANDS = ("upload", "status", "choose", "rescan", "coversheet", "sign-agent")
VIETNAMESE = re.compile(r"[À-ÃÈ-ÊÌÍÒ-ÕÙÚÝà-ãè-êìíò-õùúýĂăĐđĨĩŨũƠơƯưẠ-ỹ]")
ENGLISH_IN_BRACKETS = re.compile(r"\([^()]*[a-z]{3,}[^()]*\)")


def _commands() -> dict[str, Any]:
    """Every command by its full name (`portal status`), groups included."""
    found: dict[str, Any] = {}

    def walk(command: Any, prefix: str) -> None:
        if prefix:
            found[prefix] = command
        if hasattr(command, "commands"):  # a group (Typer's own, not click.Group)
            for name, sub in command.commands.items():
                walk(sub, f"{prefix} {name}".strip())

    walk(typer.main.get_command(app), "")
    return found


def _texts(command: Any) -> list[str]:
    """The command's own help and each of its options' and arguments' help."""
    texts = [command.help or ""]
    texts += [str(getattr(param, "help", "") or "") for param in command.params if param.name != "help"]
    return [text for text in texts if text]


def test_the_station_officers_commands_read_vietnamese_with_english_in_brackets() -> None:
    commands = _commands()
    for name in STATION_COMMANDS:
        for text in _texts(commands[name]):
            assert VIETNAMESE.search(text), (name, text)
            assert ENGLISH_IN_BRACKETS.search(text), (name, text)


def test_every_other_command_reads_english() -> None:
    for name, command in _commands().items():
        if name.split()[0] in STATION_COMMANDS:
            continue
        for text in _texts(command):
            assert not VIETNAMESE.search(text.replace("Số hóa", "")), (name, text)  # the product's name is Vietnamese


def test_the_command_list_shows_both_groups_as_chosen() -> None:
    shown = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    upload = next(line for line in shown.splitlines() if re.search(r"│ upload ", line))
    portal = next(line for line in shown.splitlines() if re.search(r"│ portal ", line))
    assert VIETNAMESE.search(upload) and not VIETNAMESE.search(portal), (upload, portal)
