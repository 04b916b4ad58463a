"""`spam` and `abuse` in rules: conditions the engine checks and the form offers, read from the
stored post; a spam post reaches the rules only once a supervisor restores it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.engine.conditions import evaluate
from atdesk.automations.engine.facts import PostFacts
from atdesk.automations.engine.form import CONDITION_BY_NAME, check_form, form_of_spec
from atdesk.automations.engine.queries import rule_rows
from atdesk.automations.engine.rules import Conditions, RuleSpec
from atdesk.automations.engine.service import create_rule, delete_rule
from atdesk.automations.engine.stage import automate_posts
from atdesk.config import Settings
from atdesk.domain.triage import TriageInput, TriageResult
from atdesk.models import Brand, CaseTag, Post
from atdesk.noise.service import restore_post
from atdesk.storage.session import transaction
from tests.automations.helpers import NOW, SureRulesTriager, automate, post
from tests.factories import make_brand

FACTS = PostFacts(text="@acmehelp you are all idiots", network="x", created_at=NOW)


class FlaggingTriager(SureRulesTriager):
    """The keyword triager, flagging "idiots" as abuse and "followers" as spam."""

    def triage(self, item: TriageInput) -> TriageResult:
        result = super().triage(item)
        result.abuse = "idiots" in item.text
        result.spam = "followers" in item.text
        return result


TRIAGER = FlaggingTriager()


@pytest.mark.parametrize(
    ("when", "facts", "failed"),
    [
        ({"abuse": True}, replace(FACTS, abuse=True), None),
        ({"abuse": True}, FACTS, "abuse"),
        ({"abuse": False}, FACTS, None),
        ({"abuse": False}, replace(FACTS, abuse=True), "abuse"),
        ({"spam": True}, replace(FACTS, spam=True), None),
        ({"spam": True}, FACTS, "spam"),
        ({"spam": False}, replace(FACTS, spam=True), "spam"),
        ({"spam": False, "abuse": True}, replace(FACTS, abuse=True), None),
    ],
)
def test_spam_and_abuse_conditions(
    when: dict[str, Any], facts: PostFacts, failed: str | None
) -> None:
    verdict = evaluate(Conditions.model_validate(when), facts)
    assert (verdict.matched, verdict.failed) == (failed is None, failed)


def test_the_rule_form_offers_both_and_reads_them_back() -> None:
    assert CONDITION_BY_NAME["spam"].widget == "yesno"
    assert CONDITION_BY_NAME["abuse"].widget == "yesno"
    spec = RuleSpec.model_validate(
        {
            "name": "abuse to supervisors",
            "when": {"abuse": True, "spam": False},
            "then": [{"type": "tag", "tags": ["abusive"]}],
        }
    )
    assert check_form(form_of_spec(spec)).spec == spec


def only_rule(session: Session, **data: object) -> None:
    brand = session.scalars(select(Brand).where(Brand.name == "Acme")).one()
    for row in rule_rows(session, brand.id):
        delete_rule(session, row, actor="t")
    create_rule(session, brand, RuleSpec.model_validate(data), actor="t")


def tags_of(session: Session, native_id: str) -> list[str]:
    case_id = session.scalars(select(Post.case_id).where(Post.native_id == native_id)).one()
    return list(session.scalars(select(CaseTag.name).where(CaseTag.case_id == case_id)))


def test_a_rule_on_abuse_tags_only_the_flagged_post(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        only_rule(
            session,
            name="abuse",
            when={"abuse": True},
            then=[{"type": "tag", "tags": ["abusive"]}],
        )
        runs = automate(
            session,
            settings,
            post("1", "@acmehelp you are all idiots, fix my bill"),
            post("2", "@acmehelp my bill is wrong", author="4400000002", handle="lee"),
            triager=TRIAGER,
        )
        assert len(runs) == 2
        assert "abusive" in tags_of(session, "1")
        assert "abusive" not in tags_of(session, "2")


def test_a_spam_rule_sees_a_spam_post_once_it_is_restored(settings: Settings) -> None:
    published: list[dict[str, Any]] = []
    with transaction(settings.database_url) as session:
        make_brand(session)
        only_rule(
            session,
            name="restored spam",
            when={"spam": True},
            then=[{"type": "tag", "tags": ["was-spam"]}],
        )
        spam = post("1", "@acmehelp buy followers, also my bill is wrong")
        assert automate(session, settings, spam, triager=TRIAGER) == [], "filtered: no rule runs"
        stored = session.scalars(select(Post)).one()
        assert (stored.filtered_reason, stored.spam, stored.case_id) == ("spam", True, None)
        restore_post(
            session,
            stored,
            actor="sam",
            triager=TRIAGER,
            publish=lambda _s, events: published.extend(events),
        )
        (event,) = published
        assert event["post_ids"] == [stored.id] and event["event"] == "opened"
        (ran,) = automate_posts(session, event["post_ids"], settings=settings, now=NOW)
        assert ran.post_id == stored.id
        assert "was-spam" in tags_of(session, "1")
