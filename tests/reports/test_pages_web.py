"""The reports pages over HTTP: the viewer's brands only, filters, charts data, drill-downs that
list exactly the cases behind a number, and CSV files (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from atdesk.models import Brand, Case, Team, User
from atdesk.reports import metrics, pages
from atdesk.reports.facts import refresh
from atdesk.reports.scope import ReportScope
from atdesk.storage.session import transaction
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.factories import T0
from tests.web.conftest import Workspace, workspace  # noqa: F401 (fixture)

NOW = T0 + timedelta(days=2)
OTHER_WORDS = ("otherhelp", "my invoice is wrong", "@eve")


@pytest.fixture
def reports(workspace: Workspace) -> Workspace:  # noqa: F811 (fixture)
    """The web workspace (Acme: dana's and finn's cases; Other: eve's) with its facts."""
    refresh(workspace.settings.database_url)
    return workspace


def login(ws: Workspace, username: str) -> TestClient:
    client = ws.login(username)
    client.app.state.clock = lambda: NOW  # type: ignore[attr-defined]
    return client


def ids_of(session: Any, brand: str) -> set[int]:
    return set(
        session.scalars(
            select(Case.id).join(Brand, Brand.id == Case.brand_id).where(Brand.name == brand)
        )
    )


def brand_id(ws: Workspace, name: str) -> int:
    with transaction(ws.settings.database_url) as session:
        found = session.scalar(select(Brand.id).where(Brand.name == name))
    assert found is not None
    return int(found)


def chart_specs(html: str) -> dict[str, Any]:
    match = re.search(
        r'<script type="application/json" id="report-charts">(.*?)</script>', html, re.S
    )
    assert match, "the page carries its charts' data"
    specs: dict[str, Any] = json.loads(match.group(1))
    return specs


def tile(html: str, field: str) -> str:
    match = re.search(
        rf'data-metric="{field}">\s*<div class="tile-label">[^<]*</div>\s*'
        r'<div class="tile-value">(?:<a [^>]*>)?([^<]*)',
        html,
    )
    assert match, f"a tile for {field}"
    return match.group(1).strip()


def listed(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'<tr data-case="(\d+)"', html)}


def test_the_overview_shows_the_viewers_brands_with_every_chart(reports: Workspace) -> None:
    sam = login(reports, "sam")
    page = sam.get("/reports")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-testid="nav-reports"' in html
    assert tile(html, "cases") == "2", "Acme's two cases: dana's and finn's"
    assert tile(html, "inbound") == "3"
    for word in OTHER_WORDS:
        assert word not in html.lower()
    specs = chart_specs(html)
    assert set(specs) == {"volume", "first_response", "resolution", "sla", "satisfaction", "hours"}
    volume = specs["volume"]
    assert volume["kind"] == "stacked" and volume["labels"] == [T0.date().isoformat()]
    assert sum(sum(ds["data"]) for ds in volume["datasets"]) == 3
    hours = specs["hours"]
    assert sum(c["v"] for c in hours["datasets"][0]["data"]) == 3
    assert len(hours["datasets"][0]["data"]) == 7 * 24
    answered = specs["first_response"]["datasets"][0]
    assert sum(answered["data"]) == 1, "dana's case was answered after 4 minutes"
    assert answered["data"][0] == 1 and specs["first_response"]["labels"][0] == "< 15 min"
    assert "/static/vendor/chartjs/chart.umd.js" in html and "<script>" not in html
    root = login(reports, "root")
    assert tile(root.get("/reports").text, "cases") == "3", "admins: every brand"


def test_filters_narrow_every_number(reports: Workspace) -> None:
    sam = login(reports, "sam")
    x = sam.get("/reports", params={"network": "bluesky"}).text
    assert tile(x, "cases") == "0"
    january = {"period": "custom", "since": "2026-01-01", "until": "2026-01-31"}
    empty = sam.get("/reports", params=january).text
    assert tile(empty, "cases") == "0"
    hint = re.search(r'data-testid="data-hint">[^<]*<a href="([^"]+)">show ([^<]+)</a>', empty)
    assert hint, "an empty period points at where the data is"
    assert hint.group(2) == "2026-03-02 – 2026-03-02"
    assert tile(sam.get(hint.group(1).replace("&amp;", "&")).text, "cases") == "2"
    march = {"period": "custom", "since": "2026-03-02", "until": "2026-03-02"}
    shown = sam.get("/reports", params=march).text
    assert tile(shown, "cases") == "2"
    assert 'value="2026-03-02"' in shown, "the custom dates stay in the form"
    billing = sam.get("/reports/intents").text
    assert 'data-testid="report-table"' in billing


@pytest.mark.parametrize(
    "path",
    ["/reports", "/reports/agents", "/reports/teams", "/reports/issues", "/reports/cases"],
)
def test_another_brand_or_its_team_is_not_found(reports: Workspace, path: str) -> None:
    ana = login(reports, "ana")
    other = brand_id(reports, "Other")
    with transaction(reports.settings.database_url) as session:
        other_team = session.scalar(select(Team.id).where(Team.name == "Other"))
        olga = session.scalar(select(User.id).where(User.username == "olga"))
    for params in (
        {"brand_id": other},
        {"team_id": other_team},
        {"agent_id": olga},
        {"brand_id": 999_999},
    ):
        answer = ana.get(path, params={"metric": "cases", **params})
        assert answer.status_code == 404, (path, params, answer.text[:200])
        assert "invoice" not in answer.text


def test_malformed_filters_are_refused_with_the_reason(reports: Workspace) -> None:
    sam = login(reports, "sam")
    for path, params, says in (
        ("/reports", {"period": "year"}, "period must be one of"),
        ("/reports/agents", {"period": "custom", "since": "2026-03-01"}, "needs both dates"),
        ("/reports/cases", {"metric": "everything"}, "metric must be one of"),
        ("/reports/cases", {"metric": "cases", "key": "planet:mars"}, "drill key"),
        ("/reports/cases", {"metric": "resolution", "key": "forever"}, "unknown bucket"),
    ):
        answer = sam.get(path, params=params, headers={"accept": "application/json"})
        assert answer.status_code == 422, (path, params, answer.status_code)
        assert says in answer.text, answer.text


def test_a_drill_down_lists_exactly_the_cases_behind_the_number(reports: Workspace) -> None:
    sam = login(reports, "sam")
    with transaction(reports.settings.database_url) as session:
        acme = ids_of(session, "Acme")
        answered = set(
            session.scalars(
                select(Case.id).where(Case.id.in_(acme), Case.first_response_at.is_not(None))
            )
        )
    assert len(acme) == 2 and len(answered) == 1
    overview = sam.get("/reports").text
    link = re.search(
        r'href="(/reports/cases\?[^"]*metric=cases[^"]*)" data-testid="drill-cases"', overview
    )
    assert link, "the cases tile links to its cases"
    page = sam.get(link.group(1).replace("&amp;", "&"))
    assert page.status_code == 200
    assert listed(page.text) == acme
    assert 'data-testid="list-total">2<' in page.text
    assert listed(sam.get("/reports/cases", params={"metric": "answered"}).text) == answered
    assert (
        listed(sam.get("/reports/cases", params={"metric": "unanswered"}).text) == acme - answered
    )
    band = sam.get("/reports/cases", params={"metric": "first_response", "key": "< 15 min"})
    assert listed(band.text) == answered
    # A table row's number opens that row's cases: the same as the engine's drill-down.
    table = sam.get("/reports/brands").text
    acme_id = brand_id(reports, "Acme")
    row_link = re.search(
        rf'href="(/reports/cases\?[^"]*metric=cases[^"]*key=brand%3A{acme_id})"', table
    )
    assert row_link, table
    assert listed(sam.get(row_link.group(1).replace("&amp;", "&")).text) == acme
    with transaction(reports.settings.database_url) as session:
        scope = ReportScope(brand_ids=(acme_id,), since=NOW - timedelta(days=30), until=NOW)
        assert (
            set(metrics.drill(session, scope, metric="cases", key=f"brand:{acme_id}", now=NOW))
            == acme
        )
    other_key = {"metric": "cases", "key": f"brand:{brand_id(reports, 'Other')}"}
    assert listed(sam.get("/reports/cases", params=other_key).text) == set(), "never Other's"


def test_every_table_downloads_as_safe_csv(reports: Workspace) -> None:
    with transaction(reports.settings.database_url) as session:
        session.execute(
            update(Brand).where(Brand.name == "Acme").values(name='=HYPERLINK("http://x.example")')
        )
    sam = login(reports, "sam")
    for path in (
        "/reports",
        *(f"/reports/{t}" for t in ("agents", "teams", "brands", "networks", "intents", "issues")),
    ):
        answer = sam.get(path, params={"format": "csv"})
        assert answer.status_code == 200, path
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert answer.headers["content-disposition"].startswith('attachment; filename="reports-')
        rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert len(rows) >= 2, (path, rows)
        assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row), rows
    brands = list(
        csv.reader(io.StringIO(sam.get("/reports/brands?format=csv").content.decode("utf-8-sig")))
    )
    assert brands[0][:3] == ["Brand", "Inbound", "Cases"]
    assert brands[1][:3] == ['\'=HYPERLINK("http://x.example")', "3", "2"]
    overview = dict(
        csv.reader(io.StringIO(sam.get("/reports?format=csv").content.decode("utf-8-sig")))
    )
    assert overview["Cases"] == "2" and overview["Answered (share 0-1)"] == "0.5"
    assert overview["First response, median (seconds)"] == "240"
    cases = list(
        csv.reader(
            io.StringIO(
                sam.get("/reports/cases?metric=cases&format=csv").content.decode("utf-8-sig")
            )
        )
    )
    assert cases[0][0] == "Case" and len(cases) == 3
    assert {r[1] for r in cases[1:]} == {'\'=HYPERLINK("http://x.example")'}


def test_cost_per_resolution_shows_once_costs_are_known(
    reports: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam = login(reports, "sam")
    acme = brand_id(reports, "Acme")

    def brands_csv() -> list[list[str]]:
        answer = sam.get("/reports/brands?format=csv")
        return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))

    unknown = brands_csv()
    assert unknown[0][-1] == "Cost per resolution" and unknown[1][-1] == ""
    assert 'data-metric="cost_per_resolution"' not in sam.get(f"/reports?brand_id={acme}").text
    asked: list[tuple[int, object]] = []

    def known(_session: object, scope: ReportScope, brands: list[int]) -> dict[int, float]:
        asked.extend((brand, scope.brand_ids) for brand in brands)
        return dict.fromkeys(brands, 12.5)

    monkeypatch.setattr(pages, "costs_per_resolution", known)
    assert brands_csv()[1][-1] == "12.5"
    table = sam.get("/reports/brands").text
    assert re.search(r'data-metric="cost_per_resolution"><a href="[^"]*metric=resolved', table)
    assert tile(sam.get(f"/reports?brand_id={acme}").text, "cost_per_resolution") == "12.50"
    assert {brand for brand, _ in asked} == {acme}, "only the viewer's brands are asked"
