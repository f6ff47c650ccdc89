"""Run the same work in several threads at once, released together at a barrier, and fail with the first
exception any of them raised (a test of locks and sequences must not lose a thread's failure)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_concurrently(count: int, work: Callable[[int], object]) -> None:
    """Call `work(0)` … `work(count - 1)`, each in its own thread, all starting together; re-raise the first
    failure once every thread has finished."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
