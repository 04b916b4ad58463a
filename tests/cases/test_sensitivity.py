"""Sensitive cases and executive escalations are recognised from the customer's posts."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.cases.actions import set_sensitive
from atdesk.cases.sensitivity import InboundFacts, assess
from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.models import Case
from atdesk.storage.session import transaction
from tests.cases.factories import staff
from tests.factories import make_brand, post, run


def test_legal_words_high_reach_and_brand_rules_each_give_a_reason() -> None:
    settings = {
        "watched_handles": ["acmeceo"],
        "sensitive_keywords": ["recall"],
        "approval_intents": ["billing"],
        "high_reach_followers": 5000,
    }
    verdict = assess(
        [
            InboundFacts("@acmehelp @AcmeCEO my lawyer will hear about this", 12, False, None),
            InboundFacts("@acmehelp is my car part of the recall?", 9000, False, "billing"),
        ],
        settings,
    )
    assert verdict.aimed_at_executive
    assert verdict.reasons == (
        "aimed at an executive",
        "legal or safety words (lawyer)",
        "high-reach author (9,000 followers)",
        "brand rule: keyword 'recall'",
        "brand rule: intent billing",
    )
    assert assess([InboundFacts("@acmehelp thanks!", 10, False, "praise")], {}).reasons == ()


def test_cases_are_flagged_by_the_pipeline_and_hand_marks_survive(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        brand.settings = {"watched_handles": ["acmeceo"]}
        lead = staff(session, "sam", Role.SUPERVISOR)
        run(
            session,
            post("1", "@acmehelp my parcel is late", minutes=0),
            post("2", "@acmehelp @acmeceo gas leak at your depot!", author="2", handle="eve"),
        )
        calm, loud = session.scalars(select(Case).order_by(Case.id)).all()
        assert not calm.sensitive and not calm.escalated
        assert loud.sensitive and loud.escalated
        assert "aimed at an executive" in loud.sensitive_reasons
        set_sensitive(session, calm, True, actor=lead)
        run(session, post("3", "@acmehelp still late", minutes=9, in_reply_to="1"))
        session.refresh(calm)
        assert calm.sensitive and calm.sensitive_reasons == ["marked sensitive by sam"]
