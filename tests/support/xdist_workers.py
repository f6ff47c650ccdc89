"""What each pytest-xdist worker of one run takes for itself from a service the run shares: its Redis database.

gw0 keeps the base database, gw1 the next one, and so on; outside xdist (one process) the base one.
"""

from __future__ import annotations

import re

REDIS_DATABASES = 16  # redis-server's default `databases`


def worker_redis_url(base: str, worker: str | None) -> str:
    """The Redis URL of xdist worker `worker` ("gw1"; None outside xdist): the base URL's database plus its number."""
    if not worker:
        return base
    found = re.fullmatch(r"(redis://[^/]*)(?:/(\d*))?", base)
    number = re.fullmatch(r"gw(\d+)", worker)
    if found is None or number is None:
        raise ValueError(f"cannot derive a Redis database for worker {worker!r} from {base!r} (redis://host:port/N)")
    database = int(found.group(2) or 0) + int(number.group(1))
    if database >= REDIS_DATABASES:
        raise ValueError(f"worker {worker} would take Redis database {database}: lower the base in {base!r}")
    return f"{found.group(1)}/{database}"
