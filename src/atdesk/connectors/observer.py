"""The storage side of `ChannelObserver`: keep reports in order, write them in a transaction.

Clients report from reader threads in the middle of a call; a report cannot open its own
transaction there (SQLite has one writer, and the reader may be inside a request's). So
reports are buffered, in arrival order, and written by whoever holds the transaction: the
batch that stores the events, the runtime's periodic flush, or the web request that sent a
reply.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from atdesk.channels.costs import PriceTable
from atdesk.channels.observer import ApiCall, HealthNotice
from atdesk.connectors.alerts import CLOSED_BY_SUCCESS, apply_notice, close_alerts
from atdesk.connectors.settings import price_table
from atdesk.connectors.spend import record_call
from atdesk.domain.networks import Network

Report = ApiCall | HealthNotice


class BufferedObserver:
    """Collects one reader's calls and notices in order; `source` names the reader."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._lock = threading.Lock()
        self._reports: list[Report] = []

    def on_api_call(self, call: ApiCall) -> None:
        """Keep the call for the next write."""
        with self._lock:
            self._reports.append(call)

    def on_health(self, notice: HealthNotice) -> None:
        """Keep the notice for the next write."""
        with self._lock:
            self._reports.append(notice)

    def drain(self) -> list[Report]:
        """Take everything reported so far."""
        with self._lock:
            reports, self._reports = self._reports, []
        return reports

    def write(self, session: Session, *, channel_account_id: int | None) -> int:
        """Drain into the caller's transaction; returns how many reports were written."""
        reports = self.drain()
        record(session, reports, source=self.source, channel_account_id=channel_account_id)
        return len(reports)


def record(
    session: Session,
    reports: Sequence[Report],
    *,
    source: str,
    channel_account_id: int | None,
    prices: Callable[[Network], PriceTable] | None = None,
) -> None:
    """Price and keep the calls, and turn the notices into alerts, in arrival order."""
    tables: dict[Network, PriceTable] = {}

    def table(network: Network) -> PriceTable:
        if network not in tables:
            tables[network] = prices(network) if prices else price_table(session, network)
        return tables[network]

    for report in reports:
        if isinstance(report, ApiCall):
            record_call(
                session, report, table(report.network), channel_account_id=channel_account_id
            )
            if report.succeeded:
                close_alerts(
                    session,
                    report.network,
                    report.account,
                    CLOSED_BY_SUCCESS,
                    at=report.at,
                    reason="calls succeed again",
                )
        else:
            apply_notice(session, report, source=source, channel_account_id=channel_account_id)
