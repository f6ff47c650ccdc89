"""The embedded broker: kombu's SQLAlchemy transport on a SQLite file, polled every
`SOHOA_INGEST_EMBEDDED_BROKER_POLLING_SECONDS` instead of kombu's fixed second.

kombu hands every transport option of this transport to `create_engine`, so the interval cannot be passed as
one; Celery's `broker_transport` names this class instead, beside a plain `sqlite:///…` URL.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import sqlalchemy

from core.settings import core_settings
from ingest.settings import IngestSettings, ingest_settings


def broker_url(settings: IngestSettings) -> str:
    """The configured broker, or the embedded one: a SQLite file in the data folder."""
    if settings.embedded_broker:
        return f"sqlite:///{core_settings().path('broker', 'broker.sqlite')}"
    return str(settings.broker_url)


def broker_transport(settings: IngestSettings) -> str | None:
    """The transport class of the embedded broker; None lets the configured URL's scheme choose."""
    return f"{__name__}:EmbeddedTransport" if settings.embedded_broker else None


class EmbeddedTransport(sqlalchemy.Transport):
    """An idle worker looks for a message every `embedded_broker_polling_seconds` (a cheap indexed SELECT);
    a document's chain makes three hops, and kombu's 1 s default cost up to a second at each."""

    def __init__(self, client: Any, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.polling_interval = ingest_settings().embedded_broker_polling_seconds
