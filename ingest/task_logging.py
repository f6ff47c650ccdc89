"""Each Celery task's log context: the request id its batch was uploaded with, the batch and the document,
bound before the task runs and cleared after, so every line a step logs names the upload it belongs to.
"""

from __future__ import annotations

from typing import Any

import structlog
from celery.signals import task_postrun, task_prerun

CONTEXT_KEYS = ("request_id", "batch", "index", "task")


@task_prerun.connect
def bind_task_context(task_id: str, task: Any, args: tuple[Any, ...] = (), kwargs: Any = None, **_: Any) -> None:
    """Bind the task's `request_id` keyword (sent by `enqueue_document`) and its batch and document."""
    kwargs = kwargs or {}
    context: dict[str, Any] = {"task": task.name}
    if kwargs.get("request_id"):
        context["request_id"] = kwargs["request_id"]
    if task.name in ("sohoa.ocr", "sohoa.sign", "sohoa.store") and len(args) >= 2:
        context["batch"], context["index"] = args[0], args[1]
    structlog.contextvars.bind_contextvars(**context)


@task_postrun.connect
def clear_task_context(**_: Any) -> None:
    structlog.contextvars.unbind_contextvars(*CONTEXT_KEYS)
