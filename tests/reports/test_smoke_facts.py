"""Smoke: facts refresh and summary on one answered case."""

from __future__ import annotations

from datetime import timedelta

from atdesk.config import Settings
from atdesk.reports.facts import refresh
from atdesk.reports.metrics import breakdown, summarize
from atdesk.reports.scope import ReportScope
from atdesk.storage.session import transaction
from tests.factories import T0, brand_reply, make_brand, post, run


def test_smoke(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        run(
            session,
            post("1", "@acmehelp where is my parcel"),
            brand_reply("2", "@dana looking", minutes=30, in_reply_to="1"),
        )
    report = refresh(settings.database_url)
    assert report.computed == 1
    with transaction(settings.database_url) as session:
        m = summarize(session, ReportScope(None), now=T0 + timedelta(days=1))
        print(m)
        assert m.first_response_median_s == 1800
        print(breakdown(session, ReportScope(None), "brand", now=T0 + timedelta(days=1)))
        print(breakdown(session, ReportScope(None), "week", now=T0 + timedelta(days=1)))
