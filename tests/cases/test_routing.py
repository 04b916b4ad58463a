"""Routing: round robin inside the brand's team, capacity, skills, presence; audited."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.accounts.teams import set_presence
from atdesk.brands.service import create_brand
from atdesk.cases.routing import route_cases
from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.models import AuditEvent, Case
from atdesk.models.base import utcnow
from atdesk.storage.session import transaction
from tests.cases.factories import staff, team
from tests.factories import make_brand, post, run


def _customer_posts(n: int, start: int = 1) -> list[dict[str, object]]:
    return [
        post(
            str(i),
            f"@acmehelp problem number {i} with my order",
            author=f"44{i:08d}",
            handle=f"c{i}",
        )
        for i in range(start, start + n)
    ]


def test_new_cases_go_round_robin_to_online_agents_up_to_capacity(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        ana = staff(session, "ana", online=True, capacity=2)
        ben = staff(session, "ben", online=True, capacity=2)
        away = staff(session, "carl", online=False)
        support = team(session, "Support", [brand], [ana, away, ben])
        run(session, *_customer_posts(5))
        cases = session.scalars(select(Case).order_by(Case.opened_at, Case.id)).all()
        owners = [c.assignee_id for c in cases]
        assert sorted(o for o in owners if o) == [ana.id, ana.id, ben.id, ben.id]
        assert owners.count(None) == 1, "the fifth waits: both agents are at capacity"
        assert away.id not in owners
        assert {c.team_id for c in cases} == {support.id}
        routed = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.routed")).all()
        assert len(routed) == 5 and all(e.actor == "router" for e in routed)


def test_round_robin_alternates_between_agents(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        ana = staff(session, "ana", online=True)
        ben = staff(session, "ben", online=True)
        team(session, "Support", [brand], [ana, ben])
        for i in range(1, 5):
            run(session, *_customer_posts(1, start=i))
        owners = [c.assignee_id for c in session.scalars(select(Case).order_by(Case.id))]
        assert owners[0] != owners[1] and owners[0] == owners[2] and owners[1] == owners[3]


def test_skills_decide_who_may_take_a_case(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        english = staff(session, "ana", languages=["en"])
        spanish = staff(session, "sofia", languages=["es"], intents=["billing"])
        team(session, "Support", [brand], [english, spanish])
        run(session, *_customer_posts(2))
        first, second = session.scalars(select(Case).order_by(Case.id)).all()
        assert first.assignee_id is None and first.team_id is not None  # nobody was online
        first.language, first.intent = "es", "billing"
        second.language, second.intent = "es", "order_delivery"
        set_presence(session, english, "online")
        set_presence(session, spanish, "online")
        assert route_cases(session, [first, second], now=utcnow()) == 1
        assert first.assignee_id == spanish.id
        assert second.assignee_id is None, "no one speaks Spanish *and* handles deliveries"


def test_agents_of_other_brands_and_manual_teams_get_nothing(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        acme = make_brand(session)
        other = create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])
        outsider = staff(session, "olga", online=True)
        team(session, "Other team", [other], [outsider])
        lead = staff(session, "sam", Role.SUPERVISOR, online=True)
        manual = team(session, "Acme", [acme], [lead], auto_assign=False)
        run(session, *_customer_posts(1))
        case = session.scalars(select(Case)).one()
        assert case.assignee_id is None
        assert case.team_id == manual.id
