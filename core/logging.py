"""Structured logging (structlog) that never writes a personal ID number in clear.

Every string value of every event passes through `core.identifiers.redact` before it is rendered. In JSON the
standard library's records (Celery, uvicorn) are rendered the same way, with the same context (`request_id`).
"""

from __future__ import annotations

import io
import logging
import re
import sys
import uuid
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import structlog

from core.identifiers import redact


def _redact_event(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return {key: redact(value) if isinstance(value, str) else value for key, value in event.items()}


def _stderr() -> Any:
    """The `sys.stderr` of the moment (as pytest's capture replaces it), unless it is no stream but a logger in
    disguise (Celery's worker redirects stderr to logging): lines would go through logging twice, or be dropped."""
    return sys.stderr if isinstance(sys.stderr, io.IOBase) else sys.__stderr__


class StderrLogger:
    """Writes each rendered event to the `sys.stderr` of the moment (stdout stays for command output; a
    replaced or closed stream, as under pytest's capture, is never held on to)."""

    def msg(self, message: str) -> None:
        print(message, file=_stderr(), flush=True)

    log = debug = info = warn = warning = error = err = critical = exception = fatal = msg


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id_or_new(given: str | None) -> str:
    """The caller's request id when it is a plain token of 8–64 characters, else a new random one."""
    return given if given is not None and _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def bind_request_id(request_id: str | None) -> None:
    """Every event logged from here on in this context (request, task) carries `request_id`."""
    if request_id:
        structlog.contextvars.bind_contextvars(request_id=request_id)


def current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value is not None else None


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso"),
        _redact_event,
    ]


class _StderrHandler(logging.StreamHandler):
    """Writes to the `sys.stderr` of the moment, like `StderrLogger`."""

    @property
    def stream(self) -> Any:
        return _stderr()

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _configure_stdlib(level: str, renderer: Any) -> None:
    """The root logger renders foreign records (Celery, uvicorn) through the same processors as ours."""
    handler = _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *_shared_processors()],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


QUIET_LOGGERS = ("pikepdf._core",)  # its import says "pikepdf C++ to Python logger bridge initialized" at INFO


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    """Configure structlog and the standard library root logger once, for CLI and services alike. Libraries'
    start-up notices (`QUIET_LOGGERS`) are kept to warnings: a command's output is its own lines."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    if fmt == "json":
        _configure_stdlib(level, renderer)
    else:
        logging.basicConfig(level=level.upper(), format="%(message)s", stream=sys.stderr)
    structlog.configure(
        processors=[*_shared_processors(), renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=lambda *_: StderrLogger(),
        cache_logger_on_first_use=True,
    )


class _WriteLogger:
    """Hands each rendered event to `write` (a progress bar's console), as `StderrLogger` prints it."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write

    def msg(self, message: str) -> None:
        self.write(message)

    log = debug = info = warn = warning = error = err = critical = exception = fatal = msg


class _WriteStream(io.TextIOBase):
    """A text stream for the standard library's handlers that hands each line to `write`."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write

    def write(self, text: str) -> int:
        if text.strip():
            self._write(text.rstrip("\n"))
        return len(text)


@contextmanager
def while_progress_shows(write: Callable[[str], None]) -> Iterator[None]:
    """While a progress bar is on a terminal: INFO and DEBUG events are left out (the bar is the progress), and
    warnings and errors, ours and the libraries', go through `write` (the bar's console) and land above the bar,
    never through it. Everything is as before on leaving."""
    saved, root = structlog.get_config(), logging.getLogger()
    saved_level, handlers = root.level, root.handlers[:]
    level = max(saved_level, logging.WARNING)
    through_bar = logging.StreamHandler(_WriteStream(write))
    through_bar.setFormatter(handlers[0].formatter if handlers else None)
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(level), logger_factory=lambda *_: _WriteLogger(write)
    )
    root.setLevel(level)
    root.handlers[:] = [through_bar]
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(saved_level)
        structlog.configure(**saved)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
