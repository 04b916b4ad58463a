"""Issue 13's "done": a planted outage spike becomes an emerging issue, the issue becomes an
incident, a customer writing about it later joins on the live path (through the issue, with no
match term), and one update answers every one of them."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.insights.incidents.service import create_from_issue, issue_ref
from atdesk.insights.incidents.updates import post_update
from atdesk.insights.issues.rebuild import rebuild_issues
from atdesk.models import Incident, IncidentCase, Post
from atdesk.storage.session import transaction
from tests.automations.helpers import Clock, TimedOutbox, job_env, run_jobs
from tests.cases.factories import staff
from tests.factories import make_brand
from tests.insights.helpers import at, issues, mention, run
from tests.insights.incidents import user
from tests.insights.posts import CRASHES, UNRELATED


def test_a_spike_becomes_an_incident_that_answers_its_customers(
    settings: Settings, http: httpx.Client
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        brand_id = make_brand(session).id
        staff(session, "sam", Role.SUPERVISOR)
        texts = [*CRASHES, *UNRELATED]
        run(session, *(mention(f"a{i}", t, i) for i, t in enumerate(texts)))
    rebuild_issues(url, now=at(120))
    with transaction(url) as session:
        (crash,) = [i for i in issues(session, brand_id) if i.post_count == len(CRASHES)]
        incident = create_from_issue(
            session,
            issue=issue_ref(session, crash.id, None),
            terms=[],  # only the issue links: no words to match
            brand_ids=None,
            actor=user(session, "sam"),
            now=at(121),
        )
        incident_id = incident.id
        assert incident.title == crash.label and incident.issue_id == crash.id
    with transaction(url) as session:
        run(
            session,
            mention("n1", "the app crashes again after update 5.2", 130),
            mention("n2", "what are your opening hours on sunday", 131),
        )
    with transaction(url) as session:
        how = dict(
            session.execute(
                select(Post.native_id, IncidentCase.how)
                .join(IncidentCase, IncidentCase.case_id == Post.case_id)
                .where(IncidentCase.incident_id == incident_id)
            ).all()
        )
        assert how == {**{f"a{i}": "issue" for i in range(len(CRASHES))}, "n1": "issue"}
        again = session.get(Incident, incident_id)
        assert again is not None
        post_update(
            session,
            again,
            text="version 5.2.1 fixes the crash; update from the store.",
            visibility="public",
            actor=user(session, "sam"),
            now=at(140),
        )
    outbox = TimedOutbox()
    assert run_jobs(job_env(settings, outbox, http, Clock())) == len(CRASHES) + 1
    assert len({m.target.native_id for m in outbox.sent if m.target}) == len(CRASHES) + 1
    assert all(
        m.text.endswith("version 5.2.1 fixes the crash; update from the store.")
        for m in outbox.sent
    )


def test_an_issue_a_rebuild_drops_leaves_its_incident_and_cases_as_they_are(
    settings: Settings,
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        brand_id = make_brand(session).id
        staff(session, "sam", Role.SUPERVISOR)
        run(session, *(mention(f"a{i}", t, i) for i, t in enumerate(CRASHES)))
    rebuild_issues(url, now=at(120))
    with transaction(url) as session:
        (crash,) = issues(session, brand_id)
        incident_id = create_from_issue(
            session,
            issue=issue_ref(session, crash.id, None),
            terms=[],
            brand_ids=None,
            actor=user(session, "sam"),
            now=at(121),
        ).id
        session.delete(crash)
    with transaction(url) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.issue_id is None
        linked = session.scalars(
            select(IncidentCase.case_id).where(IncidentCase.incident_id == incident_id)
        ).all()
        assert len(linked) == len(CRASHES)
