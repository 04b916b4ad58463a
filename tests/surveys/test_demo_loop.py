"""The demo's closed survey loops: City Works' detractor reopened at high priority with the
customer's words, Cable Co's unhappy customer of last week in a linked follow-up case; once."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from atdesk.brands.service import create_brand
from atdesk.config import Settings
from atdesk.demo.setup import SCENARIOS
from atdesk.demo.survey_loop import plant_survey_loop
from atdesk.domain.networks import Network
from atdesk.models import Case, SurveyResponse
from atdesk.models.base import utcnow
from atdesk.storage.session import transaction


def demo_brands(settings: Settings) -> None:
    """The demo's brands with their X accounts and survey settings, as the scenarios have them."""
    brands = json.loads(SCENARIOS.read_text("utf-8"))["brands"]
    with transaction(settings.database_url) as session:
        for spec in brands:
            handle, user_id = spec["x"]
            brand = create_brand(session, spec["name"], [(Network.X, handle, user_id)])
            brand.settings = dict(spec["settings"])


def test_the_demo_plants_a_reopened_case_and_a_follow_up_case(settings: Settings) -> None:
    demo_brands(settings)
    now = utcnow().replace(microsecond=0)
    assert plant_survey_loop(settings, now=now) == 2
    with transaction(settings.database_url) as session:
        by_kind = {r.kind: r for r in session.scalars(select(SurveyResponse))}
        nps, csat = by_kind["nps"], by_kind["csat"]
        assert (nps.score, nps.loop_action, nps.comment_quiet) == (3, "reopened", False)
        assert nps.comment.startswith("it's still dark every night\nnobody came")
        reopened = session.get(Case, nps.case_id)
        assert reopened is not None and reopened.brand.name == "City Works"
        assert (reopened.status, reopened.priority) == ("open", "high")
        assert reopened.last_customer_at is not None and reopened.last_customer_at < now

        assert (csat.score, csat.loop_action, csat.comment_quiet) == (1, "follow_up", True)
        original = session.get(Case, csat.case_id)
        follow_up = session.get(Case, csat.follow_up_case_id)
        assert original is not None and original.status == "resolved"
        assert follow_up is not None and follow_up.brand.name == "Cable Co"
        assert (follow_up.status, follow_up.priority) == ("open", "high")
        assert follow_up.customer_author_id == original.customer_author_id
        assert csat.comment == "it still drops at 8pm every night and I work from home"
        cases = session.scalar(select(func.count()).select_from(Case))

    assert plant_survey_loop(settings, now=now) == 0, "a second demo run adds nothing"
    with transaction(settings.database_url) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == cases
