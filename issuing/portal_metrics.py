"""The portal outbox's backlog as Prometheus gauges, read from the catalogue at each scrape of `/metrics`, so every
API process shows the same figures whichever worker delivers."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from issuing.portal import backlog


class OutboxCollector(Collector):
    """`sohoa_portal_outbox_messages{status}` and `sohoa_portal_outbox_oldest_pending_seconds`."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.sessions() as session:
            counts = backlog(session)
        messages = GaugeMetricFamily(
            "sohoa_portal_outbox_messages", "Portal outbox messages by delivery status", labels=["status"]
        )
        for status in ("pending", "delivered", "dead"):
            messages.add_metric([status], counts[status])
        yield messages
        yield GaugeMetricFamily(
            "sohoa_portal_outbox_oldest_pending_seconds",
            "Age of the oldest message waiting for the portal",
            value=counts["oldest_pending_seconds"],
        )
