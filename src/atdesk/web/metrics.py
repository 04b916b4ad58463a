"""GET /metrics: this process's counters and, read at scrape, the bus, SLA and spend gauges.

Prometheus scrapes without a session, so /metrics takes no login. Who may read what
(docs/deployment.md, ADR 100): with ATDESK_METRICS_TOKEN set, only a request bearing that token
gets an answer, and it names brands (open cases past SLA per brand); with no token set, anyone
who can reach /metrics gets the numbers without a brand name in them (the reverse proxy should
still keep /metrics off the internet).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable, Iterator
from datetime import datetime

import redis
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from atdesk.config import Settings
from atdesk.storage.session import transaction
from atdesk.ui.deps import get_settings, request_now
from atdesk.web import scrape

log = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])


class Snapshot(Collector):
    """The gauges read from the database and the bus, once per scrape."""

    def __init__(self, settings: Settings, now: datetime, *, with_brands: bool) -> None:
        self.settings = settings
        self.now = now
        self.with_brands = with_brands

    def collect(self) -> Iterable[Metric]:
        """Every gauge; a source that fails reports `atdesk_metrics_source_up 0` instead."""
        up = GaugeMetricFamily(
            "atdesk_metrics_source_up",
            "1 when this scrape could read the source, 0 when it failed (see the web log)",
            labels=["source"],
        )
        try:
            families = list(self._from_database())
        except SQLAlchemyError:
            log.exception("metrics: the database did not answer")
            families = []
        up.add_metric(["database"], 1.0 if families else 0.0)
        try:
            families.extend(self._from_bus())
            up.add_metric(["bus"], 1.0)
        except (SQLAlchemyError, redis.RedisError):
            log.exception("metrics: the bus did not answer")
            up.add_metric(["bus"], 0.0)
        return [*families, up]

    def _from_database(self) -> Iterator[Metric]:
        with transaction(self.settings.database_url) as session:
            breaches = list(scrape.past_sla(session, self.now))
            spend = scrape.spend_this_month(session, self.now)
        help_sla = "Open working cases whose running SLA clock is past due"
        if self.with_brands:
            sla = GaugeMetricFamily("atdesk_open_cases_past_sla", help_sla, labels=["brand"])
            for brand, n in breaches:
                sla.add_metric([brand], float(n))
        else:
            sla = GaugeMetricFamily(
                "atdesk_open_cases_past_sla",
                help_sla + " (all brands; per brand with the metrics token)",
                value=float(sum(n for _, n in breaches)),
            )
        yield sla
        amount = GaugeMetricFamily(
            "atdesk_api_spend_month",
            "Cost of this UTC month's network API calls from the spend ledger, in currency units",
            labels=["network", "currency"],
        )
        calls = GaugeMetricFamily(
            "atdesk_api_calls_month",
            "Network API calls recorded in the spend ledger this UTC month",
            labels=["network"],
        )
        per_network: dict[str, int] = {}
        for row in spend:
            amount.add_metric([row.network, row.currency], row.amount)
            per_network[row.network] = per_network.get(row.network, 0) + row.calls
        for network, n in sorted(per_network.items()):
            calls.add_metric([network], float(n))
        yield amount
        yield calls

    def _from_bus(self) -> Iterator[Metric]:
        with transaction(self.settings.database_url) as session:
            queues = scrape.queues(self.settings, session, self.now)
        depth = GaugeMetricFamily(
            "atdesk_queue_depth", "Messages on a bus topic not yet handled", labels=["topic"]
        )
        lag = GaugeMetricFamily(
            "atdesk_queue_lag_seconds",
            "How long the oldest unhandled message of a topic has waited (0: none waiting)",
            labels=["topic"],
        )
        dead = GaugeMetricFamily(
            "atdesk_queue_dead_letters",
            "Messages of a topic given up on after repeated failures (a person must look)",
            labels=["topic"],
        )
        for queue in queues:
            depth.add_metric([queue.topic], float(queue.depth))
            lag.add_metric([queue.topic], queue.lag_s)
            dead.add_metric([queue.topic], float(queue.dead))
        yield depth
        yield lag
        yield dead


def bearer(request: Request) -> str | None:
    """The token of an `Authorization: Bearer ...` header, if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """The Prometheus text format; 401 without the token when ATDESK_METRICS_TOKEN is set."""
    settings = get_settings(request)
    expected = settings.metrics_token
    if expected:
        given = bearer(request)
        if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
            return PlainTextResponse(
                "401: /metrics needs 'Authorization: Bearer <ATDESK_METRICS_TOKEN>'\n",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    snapshot = CollectorRegistry(auto_describe=False)
    snapshot.register(Snapshot(settings, request_now(request), with_brands=bool(expected)))
    body = generate_latest(REGISTRY) + generate_latest(snapshot)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
