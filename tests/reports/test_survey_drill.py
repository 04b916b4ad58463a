"""CSAT and NPS open their cases like every other number: the cases whose answers, given in the
period within the viewer's brands, make up the number or one group of it (SQLite and PG)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.models import Author, Brand, Case, Post, Survey, SurveyResponse
from atdesk.reports import metrics
from atdesk.reports.cache import invalidate
from atdesk.reports.facts import refresh
from atdesk.reports.scope import ReportScope
from atdesk.storage.session import transaction
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.factories import post, run
from tests.reports.test_pages_web import NOW, chart_specs, listed, login
from tests.web.conftest import Workspace, workspace  # noqa: F401 (fixture)

# (brand, customer handle of the answered case, kind, score, answered at)
ANSWERS = (
    ("Acme", "dana", "csat", 5, NOW - timedelta(hours=5)),
    ("Acme", "dana", "nps", 10, NOW - timedelta(hours=5)),
    ("Acme", "finn", "csat", 2, NOW - timedelta(hours=4)),
    ("Acme", "finn", "nps", 6, NOW - timedelta(hours=4)),
    ("Acme", "finn", "csat", 4, NOW - timedelta(days=40)),  # before the 30-day period
    ("Other", "eve", "csat", 1, NOW - timedelta(hours=3)),  # never the Acme viewer's
)


@pytest.fixture
def answered(workspace: Workspace) -> dict[str, int]:  # noqa: F811 (fixture)
    """The workspace with the answers above, its facts refreshed; each handle's case id."""
    url = workspace.settings.database_url
    cases: dict[str, int] = {}
    with transaction(url) as session:
        for n, (brand, handle, kind, score, when) in enumerate(ANSWERS):
            case = session.scalars(
                select(Case)
                .join(Brand, Brand.id == Case.brand_id)
                .join(Post, Post.case_id == Case.id)
                .where(Brand.name == brand, Post.inbound.is_(True))
                .where(Case.customer_author_id == _author(session, handle))
                .order_by(Case.id)
            ).first()
            assert case is not None, handle
            first = handle not in cases
            cases[handle] = case.id
            survey = Survey(
                brand_id=case.brand_id,
                case_id=case.id if first else None,  # one survey per case; the answer says
                author_id=case.customer_author_id,
                network="x",
                kind=kind,
                status="answered",
            )
            session.add(survey)
            session.flush()
            report = run(session, post(f"answer{n}", str(score), author=f"77{n}", minutes=n))
            assert report.stored == 1
            answer_post = session.scalar(select(Post.id).where(Post.native_id == f"answer{n}"))
            assert answer_post is not None
            session.add(
                SurveyResponse(
                    survey_id=survey.id,
                    post_id=answer_post,
                    brand_id=case.brand_id,
                    case_id=case.id,
                    author_id=case.customer_author_id,
                    kind=kind,
                    score=score,
                    answered_at=when,
                )
            )
    refresh(url)
    invalidate()
    return cases


def _author(session: Session, handle: str) -> int:
    found = session.scalar(select(Author.id).where(Author.handle == handle))
    assert found is not None, handle
    return int(found)


def _acme(ws: Workspace) -> int:
    with transaction(ws.settings.database_url) as session:
        found = session.scalar(select(Brand.id).where(Brand.name == "Acme"))
    assert found is not None
    return int(found)


def test_each_group_of_csat_and_nps_is_the_cases_whose_answers_make_it(
    workspace: Workspace,  # noqa: F811 (fixture)
    answered: dict[str, int],
) -> None:
    dana, finn = answered["dana"], answered["finn"]
    acme = _acme(workspace)
    month = ReportScope((acme,), since=NOW - timedelta(days=30), until=NOW)
    with transaction(workspace.settings.database_url) as session:

        def drill(metric: str, scope: ReportScope = month, key: str | None = None) -> set[int]:
            return set(metrics.drill(session, scope, metric=metric, key=key, now=NOW))

        summary = metrics.summarize(session, month, now=NOW)
        assert summary.csat_responses == 2 and summary.csat == 0.5
        assert drill("csat") == {dana, finn}
        assert drill("csat_satisfied") == {dana}
        assert drill("csat_unsatisfied") == {finn}
        assert drill("nps") == {dana, finn}
        assert drill("nps_promoters") == {dana}
        assert drill("nps_passives") == set()
        assert drill("nps_detractors") == {finn}
        # The 40-day-old 4 counts in a longer period, and only there.
        season = ReportScope((acme,), since=NOW - timedelta(days=60), until=NOW)
        assert drill("csat_satisfied", season) == {dana, finn}
        # Breakdown rows: a day of answering, a brand, the answered case's keys.
        day = (NOW - timedelta(hours=4)).date().isoformat()
        assert drill("csat", key=f"day:{day}") == {dana, finn}
        assert drill("csat", key=f"brand:{acme}") == {dana, finn}
        assert drill("csat", key="network:x") == {dana, finn}
        assert drill("nps", key="network:mastodon") == set()
        assert drill("csat", key="issue:none") == {dana, finn}
        # Another brand's answers never enter a scope without it.
        assert drill("csat_unsatisfied", ReportScope((acme,))) == {finn}
        with pytest.raises(ValueError, match="must be a number"):
            drill("csat", key="team:acme")


def test_the_tiles_and_chart_points_open_the_survey_cases(
    workspace: Workspace,  # noqa: F811 (fixture)
    answered: dict[str, int],
) -> None:
    sam = login(workspace, "sam")
    overview = sam.get("/reports").text
    links = {}
    for metric in ("csat", "nps"):
        found = re.search(
            rf'href="(/reports/cases\?[^"]*metric={metric}[^"]*)" data-testid="drill-{metric}"',
            overview,
        )
        assert found, f"the {metric} tile links to its cases"
        links[metric] = found.group(1).replace("&amp;", "&")
    page = sam.get(links["csat"])
    assert page.status_code == 200
    assert listed(page.text) == {answered["dana"], answered["finn"]}
    assert "Cases with a CSAT answer" in page.text
    groups = re.search(r'data-testid="survey-groups">(.*?)</p>', page.text, re.S)
    assert groups and "Unsatisfied (1-3)" in groups.group(1)
    unsatisfied = re.search(r'href="([^"]*metric=csat_unsatisfied[^"]*)"', groups.group(1))
    assert unsatisfied
    assert listed(sam.get(unsatisfied.group(1).replace("&amp;", "&")).text) == {answered["finn"]}
    detractors = sam.get("/reports/cases", params={"metric": "nps_detractors"})
    assert listed(detractors.text) == {answered["finn"]}
    # Each CSAT/NPS point of the satisfaction chart opens that day's answered cases.
    specs = chart_specs(overview)["satisfaction"]
    csat = next(d for d in specs["datasets"] if d["label"] == "CSAT")
    index = next(i for i, v in enumerate(csat["data"]) if v is not None)
    point = sam.get(csat["links"][index])
    assert listed(point.text) == {answered["dana"], answered["finn"]}
    assert csat["data"][index] == 0.5
    # The API drills the same cases; the other brand's answer stays out.
    api = sam.get("/api/v1/reports/drill", params={"metric": "csat_unsatisfied"}).json()
    assert set(api["case_ids"]) == {answered["finn"]}
