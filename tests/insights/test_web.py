"""The insights page, the issue page and the REST API, behind the brand walls: an agent sees
only the issues of their teams' brands (another brand's issue is a 404)."""

from __future__ import annotations

import re

from atdesk.insights.issues.rebuild import rebuild_issues
from atdesk.storage.session import transaction
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.insights.helpers import at, issues, mention, run
from tests.insights.posts import CRASHES, DELIVERY
from tests.web.conftest import Workspace, workspace  # noqa: F401 (fixture)


def planted(workspace: Workspace) -> tuple[int, int]:  # noqa: F811 (fixture name)
    """Acme's crash issue and Other's delivery issue; returns their ids."""
    url = workspace.settings.database_url
    with transaction(url) as session:
        run(session, *(mention(f"c{i}", t, 60 + i) for i, t in enumerate(CRASHES)))
        run(
            session,
            *(mention(f"o{i}", t, 60 + i, to="otherhelp") for i, t in enumerate(DELIVERY)),
        )
    rebuild_issues(url, now=at(120))
    with transaction(url) as session:
        found = {i.label: i.id for i in issues(session)}
    crash = next(v for k, v in found.items() if "5.2" in k)
    other = next(v for k, v in found.items() if "delivered" in k)
    return crash, other


def test_the_insights_page_lists_only_the_viewers_brands_issues(
    workspace: Workspace,  # noqa: F811 (fixture)
) -> None:
    crash, other = planted(workspace)
    ana = workspace.login("ana")
    page = ana.get("/insights")
    assert page.status_code == 200
    assert 'href="/insights"' in page.text and "nav-insights" in page.text
    assert f'href="/insights/issues/{crash}"' in page.text
    assert f"/insights/issues/{other}" not in page.text and "delivered" not in page.text
    # Hourly bars: the five planted posts came in the busiest hour of the last 24, the seeded
    # "app crashes on login" an hour before (it belongs to the issue too).
    row = page.text.split(f'data-issue="{crash}"')[1].split("</tr>")[0]
    assert 'class="bar h10" title="2026-03-02 10:00 UTC: 5"' in row
    assert 'class="bar h2" title="2026-03-02 09:00 UTC: 1"' in row
    assert ana.get("/insights", params={"status": "closed"}).text.count("data-issue=") == 0
    assert ana.get("/insights", params={"status": "weird"}).status_code == 422
    olga = workspace.login("olga")
    text = olga.get("/insights").text
    assert f"/insights/issues/{other}" in text and f"/insights/issues/{crash}" not in text
    root = workspace.login("root")
    text = root.get("/insights").text
    assert f"/insights/issues/{other}" in text and f"/insights/issues/{crash}" in text


def test_the_issue_page_links_posts_to_cases_and_hides_other_brands(
    workspace: Workspace,  # noqa: F811 (fixture)
) -> None:
    crash, other = planted(workspace)
    ana = workspace.login("ana")
    page = ana.get(f"/insights/issues/{crash}")
    assert page.status_code == 200
    assert "5.2" in page.text and CRASHES[0] in page.text
    assert len(set(re.findall(r'href="/cases/(\d+)"', page.text))) == 6
    assert "Acme" in page.text.split('data-testid="brands"')[1].split("</ul>")[0]
    intents = page.text.split('data-testid="intents"')[1].split("</ul>")[0]
    assert re.search(r"<li>[a-z ]+ <span", intents)
    assert ana.get(f"/insights/issues/{other}").status_code == 404
    assert ana.get("/insights/issues/999999").status_code == 404
    assert ana.get("/insights/issues/x").status_code == 404


def test_the_api_lists_and_shows_issues_within_the_brand_walls(
    workspace: Workspace,  # noqa: F811 (fixture)
) -> None:
    crash, other = planted(workspace)
    ana = workspace.login("ana")
    listed = ana.get("/api/v1/issues").json()
    assert [i["id"] for i in listed["items"]] == [crash] and listed["total"] == 1
    item = listed["items"][0]
    assert "5.2" in item["terms"] and item["posts"] == 6 and item["brand"] == "Acme"
    assert len(item["hours"]) == 24 and sum(h["posts"] for h in item["hours"]) == 6
    detail = ana.get(f"/api/v1/issues/{crash}").json()
    assert len(detail["examples"]) == 6 and all(e["case_id"] for e in detail["examples"])
    assert detail["examples"][0]["text"] == f"@acmehelp {CRASHES[-1]}"
    assert detail["brands"] == [{"name": "Acme", "posts": 6}]
    assert sum(i["posts"] for i in detail["intents"]) == 6
    assert detail["days"] == [{"day": "2026-03-02", "posts": 6}]
    assert ana.get(f"/api/v1/issues/{other}").status_code == 404
    other_brand = workspace.login("olga").get(f"/api/v1/issues/{other}").json()["brand_id"]
    assert ana.get("/api/v1/issues", params={"brand_id": other_brand}).status_code == 404
    assert ana.get("/api/v1/issues", params={"status": "all"}).json()["total"] == 1
    assert ana.get("/api/v1/issues", params={"status": "nope"}).status_code == 422
