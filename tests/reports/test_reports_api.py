"""The reports API on a seeded workspace: numbers, filters, and the brand wall (another
brand's id, team or agent answers 404; lists hold only the viewer's brands)."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.models import Brand, Case, Team, User
from atdesk.reports.facts import refresh
from atdesk.storage.session import transaction
from tests.web.conftest import Workspace, workspace  # noqa: F401 (fixture)


def _ids(ws: Workspace) -> dict[str, int]:
    with transaction(ws.settings.database_url) as session:
        brands = dict(session.execute(select(Brand.name, Brand.id)).all())
        teams = dict(session.execute(select(Team.name, Team.id)).all())
        users = dict(session.execute(select(User.username, User.id)).all())
        cases = {
            c.customer_author.handle: c.id for c in session.scalars(select(Case).order_by(Case.id))
        }
    return {
        "acme": brands["Acme"],
        "other": brands["Other"],
        "team_other": teams["Other"],
        "olga": users["olga"],
        **{f"case_{k}": v for k, v in cases.items()},
    }


def test_summary_breakdown_and_drill_keep_to_the_viewers_brands(
    workspace: Workspace,  # noqa: F811 (fixture)
) -> None:
    refresh(workspace.settings.database_url)
    ids = _ids(workspace)
    ana = workspace.login("ana")
    mine = ana.get("/api/v1/reports/summary")
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["scope"]["brand_ids"] == [ids["acme"]]
    metrics = body["metrics"]
    assert metrics["cases"] == 2 and metrics["inbound"] == 3
    assert metrics["answered_share"] == 0.5 and metrics["first_response_median_s"] == 240
    rows = ana.get("/api/v1/reports/breakdown", params={"by": "brand"}).json()["rows"]
    assert [(r["key"], r["label"]) for r in rows] == [(str(ids["acme"]), "Acme")]
    answered = ana.get("/api/v1/reports/drill", params={"metric": "answered"}).json()
    assert answered["case_ids"] == [ids["case_dana"]]
    everything = ana.get("/api/v1/reports/drill", params={"metric": "cases"}).json()
    assert ids["case_eve"] not in everything["case_ids"]
    brands = ana.get("/api/v1/reports/brands").json()["brands"]
    assert [b["brand"] for b in brands] == ["Acme"]

    root = workspace.login("root")
    assert root.get("/api/v1/reports/summary").json()["metrics"]["cases"] == 3
    other = root.get("/api/v1/reports/summary", params={"brand_id": ids["other"]}).json()
    assert other["metrics"]["cases"] == 1 and other["metrics"]["answered_share"] == 0.0


def test_another_brands_ids_are_not_found(workspace: Workspace) -> None:  # noqa: F811
    refresh(workspace.settings.database_url)
    ids = _ids(workspace)
    ana = workspace.login("ana")
    for params in (
        {"brand_id": ids["other"]},
        {"team_id": ids["team_other"]},
        {"agent_id": ids["olga"]},
        {"brand_id": 999_999},
    ):
        for path in ("summary", "breakdown", "drill", "series", "distribution", "busiest-hours"):
            response = ana.get(f"/api/v1/reports/{path}", params=params)
            assert response.status_code == 404, (path, params, response.text)
            assert "Other" not in response.text


def test_chart_data_and_bad_filters(workspace: Workspace) -> None:  # noqa: F811 (fixture)
    refresh(workspace.settings.database_url)
    ana = workspace.login("ana")
    grid = ana.get("/api/v1/reports/busiest-hours").json()["grid"]
    assert len(grid) == 7 and all(len(day) == 24 for day in grid)
    assert sum(map(sum, grid)) == 3 and grid[0][9] == 3, "Monday 09:xx UTC, the brand's zone"
    series = ana.get("/api/v1/reports/series", params={"bucket": "week"}).json()
    assert series["buckets"] == ["2026-W10"]
    assert sum(sum(line["counts"]) for line in series["series"]) == 3
    dist = ana.get("/api/v1/reports/distribution", params={"business_hours": "true"}).json()
    assert [b["cases"] for b in dist["buckets"]][:2] == [1, 0]
    week = ana.get("/api/v1/reports/breakdown", params={"by": "week"}).json()["rows"]
    assert [r["key"] for r in week] == ["2026-W10"]
    drilled = ana.get(
        "/api/v1/reports/drill", params={"metric": "cases", "key": "week:2026-W10"}
    ).json()
    assert len(drilled["case_ids"]) == 2
    bucket = ana.get(
        "/api/v1/reports/drill", params={"metric": "first_response", "key": "< 15 min"}
    ).json()
    assert len(bucket["case_ids"]) == 1
    for params, message in (
        ({"by": "colour"}, ""),
        ({"since": "2026-03-03", "until": "2026-03-02"}, "since must be before until"),
        ({"network": "myspace"}, "network 'myspace'"),
        ({"since": "soon"}, ""),
    ):
        response = ana.get("/api/v1/reports/breakdown", params=params)
        assert response.status_code == 422, (params, response.text)
        assert message in response.text
    bad = ana.get("/api/v1/reports/drill", params={"metric": "vibes"})
    assert bad.status_code == 422 and "unknown metric 'vibes'" in bad.text
    bad_key = ana.get("/api/v1/reports/drill", params={"metric": "cases", "key": "week:soon"})
    assert bad_key.status_code == 422 and "is not a week key" in bad_key.text
