"""Structured logging (structlog) that never writes a personal ID number in clear.

Every string value of every event passes through `core.identifiers.redact` before it is rendered.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from core.identifiers import redact


def _redact_event(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return {key: redact(value) if isinstance(value, str) else value for key, value in event.items()}


class StderrLogger:
    """Writes each rendered event to the `sys.stderr` of the moment (stdout stays for command output; a
    replaced or closed stream, as under pytest's capture, is never held on to)."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warn = warning = error = err = critical = exception = fatal = msg


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    """Configure structlog and the standard library root logger once, for CLI and services alike."""
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    logging.basicConfig(level=level.upper(), format="%(message)s", stream=sys.stderr)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            _redact_event,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=lambda *_: StderrLogger(),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
