"""Report answers are remembered within a minute and forgotten when the facts are refreshed."""

from __future__ import annotations

from datetime import timedelta

from atdesk.config import Settings
from atdesk.reports import cache
from atdesk.reports.facts import refresh
from atdesk.reports.metrics import breakdown, summarize
from atdesk.reports.scope import ReportScope
from atdesk.storage.session import transaction
from tests.factories import T0, make_brand, post, run

NOW = T0 + timedelta(days=1, seconds=5)


def test_answers_are_kept_until_the_facts_change(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        run(session, post("1", "@acmehelp where is my parcel"))
    refresh(url)
    everyone = ReportScope(None)
    with transaction(url) as session:
        first = summarize(session, everyone, now=NOW)
        assert (first.cases, first.inbound) == (1, 1)
        run(session, post("2", "@acmehelp and my refund?", author="45", handle="eli", minutes=3))
    with transaction(url) as session:
        same_minute = NOW + timedelta(seconds=30)
        assert summarize(session, everyone, now=same_minute).inbound == 1, "served from memory"
        # A minute on, the posts are counted anew; cases wait for the facts' refresh.
        later = summarize(session, everyone, now=NOW + timedelta(minutes=1))
        assert (later.cases, later.inbound) == (1, 2)
    refresh(url)
    with transaction(url) as session:
        assert summarize(session, everyone, now=NOW).cases == 2, "a refresh forgets answers"
        rows = breakdown(session, everyone, "brand", now=NOW)
        rows.clear()  # a caller changing its list leaves the remembered one alone
        assert len(breakdown(session, everyone, "brand", now=NOW)) == 1
    cache.invalidate()
