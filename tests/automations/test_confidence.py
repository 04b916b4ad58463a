"""Rules act only when triage is sure of the intent (issue 11.4): below a rule's minimum
confidence the case is left to a person, with the reason on the case."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

from atdesk.automations.engine.conditions import CONFIDENCE
from atdesk.automations.engine.defaults import DEFAULT_RULES
from atdesk.automations.engine.dryrun import dry_run
from atdesk.automations.engine.evaluation import LoadedRule, evaluate_rules, fired
from atdesk.automations.engine.facts import PostFacts
from atdesk.automations.engine.form import check_form, form_of_spec, read_form
from atdesk.automations.engine.queries import export_yaml, rule_rows, spec_of
from atdesk.automations.engine.rules import DEFAULT_MIN_CONFIDENCE, RuleSpec
from atdesk.automations.engine.service import (
    create_rule,
    delete_rule,
    import_rules,
    parse_spec,
    parse_yaml,
)
from atdesk.automations.engine.stage import HELD
from atdesk.brands.service import create_brand
from atdesk.cases.queries import NEEDS_REVIEW_BELOW
from atdesk.config import Settings
from atdesk.domain.triage import TriageInput, TriageResult
from atdesk.models import AuditEvent, AutomatedPost, Callback, Post, RuleRun
from atdesk.storage.session import transaction
from tests.automations.conftest import Site
from tests.automations.helpers import NOW, SureRulesTriager, automate, post
from tests.factories import make_brand

CALLBACKS = "Callback requests go to the callback queue"


@dataclass
class AtConfidence(SureRulesTriager):
    """The keyword triager, exactly this sure of every intent it names."""

    confidence: float = 0.5

    def triage(self, item: TriageInput) -> TriageResult:
        result = super().triage(item)
        result.intent_confidence = self.confidence
        return result


def _facts(confidence: float | None, intent: str = "callback_request") -> PostFacts:
    return PostFacts(
        text="@acmehelp please call me",
        network="x",
        created_at=datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
        intent=intent,
        intent_confidence=confidence,
        pii=True,
    )


def _rule(position: int, **data: object) -> LoadedRule:
    return LoadedRule(position, position, RuleSpec.model_validate(data))


def test_the_default_floor_is_the_needs_review_threshold() -> None:
    assert NEEDS_REVIEW_BELOW == DEFAULT_MIN_CONFIDENCE
    assert 0 < DEFAULT_MIN_CONFIDENCE < 1


def test_only_rules_reading_the_intent_are_held_and_a_held_stop_rule_ends_the_list() -> None:
    rules = [
        _rule(
            1,
            name="calls",
            stop=True,
            when={"intent": ["callback_request"]},
            then=[{"type": "create_callback"}],
        ),
        _rule(2, name="pii", when={"pii": True}, then=[{"type": "escalate"}]),
    ]
    unsure = evaluate_rules(rules, _facts(DEFAULT_MIN_CONFIDENCE - 0.01))
    assert [(e.rule.spec.name, e.held, e.fired, e.skipped_by_stop) for e in unsure] == [
        ("calls", True, False, False),
        ("pii", False, False, True),
    ]
    assert unsure[0].verdict.failed == CONFIDENCE
    assert [r.spec.name for r in fired(rules, _facts(DEFAULT_MIN_CONFIDENCE))] == ["calls"]
    assert [r.spec.name for r in fired(rules, _facts(None))] == [], "unknown is not sure"
    # Without the intent rule, a rule on other conditions acts at any confidence.
    assert [r.spec.name for r in fired(rules[1:], _facts(0.05))] == ["pii"]
    # A rule may ask for less (or more) than the default.
    lenient = [
        _rule(
            1,
            name="calls",
            min_confidence=0.3,
            when={"intent": ["callback_request"]},
            then=[{"type": "create_callback"}],
        )
    ]
    assert [r.spec.name for r in fired(lenient, _facts(0.31))] == ["calls"]
    assert evaluate_rules(lenient, _facts(0.29))[0].held


def test_a_rule_holds_below_its_confidence_and_the_case_says_why(site: Site) -> None:
    url = site.settings.database_url
    with transaction(url) as session:
        runs = automate(
            session,
            site.settings,
            post("50", "@acmehelp please call me tomorrow morning", handle="kit", author="50"),
            triager=AtConfidence(confidence=0.41),
        )
        assert [r.handled_by for r in runs] == [HELD]
        held = session.scalars(select(Post).where(Post.native_id == "50")).one()
        case_id = held.case_id
        assert session.scalars(select(Callback).where(Callback.case_id == case_id)).all() == []
        assert session.scalars(select(RuleRun).where(RuleRun.post_id == held.id)).all() == []
        mark = session.get(AutomatedPost, held.id)
        assert mark is not None and mark.handled_by == HELD
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_type == "case",
                AuditEvent.entity_id == case_id,
                AuditEvent.action == "automation.held",
            )
        ).one()
        reason = (
            f"automation '{CALLBACKS}' held: intent callback_request at confidence 0.41 is "
            f"below the rule's {DEFAULT_MIN_CONFIDENCE:.2f}; left for an agent"
        )
        assert event.after["reason"] == reason
        # Seen once: a redelivered post is not held (or audited) twice.
        assert automate(session, site.settings, triager=AtConfidence(confidence=0.41)) == []
    page = site.login("ana").get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "automation.held" in page.text
    assert "confidence 0.41 is below the rule&#39;s" in page.text
    assert re.search(r'data-testid="intent-confidence"[^>]*>0\.41<', page.text)
    assert re.search(r'data-testid="model-version"[^>]*>rules<', page.text)


def test_a_rule_fires_at_its_confidence_and_a_rule_may_ask_for_less(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        sure = automate(
            session,
            settings,
            post("60", "@acmehelp please call me back", handle="lou", author="60"),
            triager=AtConfidence(confidence=DEFAULT_MIN_CONFIDENCE),
        )
        assert [r.handled_by for r in sure] == ["rules"]
        assert len(session.scalars(select(Callback)).all()) == 1
        row = next(r for r in rule_rows(session, brand.id) if r.name == CALLBACKS)
        spec = spec_of(row).model_copy(update={"min_confidence": 0.4})
        row.min_confidence = spec.min_confidence
        session.flush()
        lenient = automate(
            session,
            settings,
            post("61", "@acmehelp call me please", handle="max", author="61"),
            triager=AtConfidence(confidence=0.41),
        )
        assert [r.handled_by for r in lenient] == ["rules"]
        assert len(session.scalars(select(Callback)).all()) == 2
        held = session.scalars(select(AuditEvent).where(AuditEvent.action == "automation.held"))
        assert held.all() == []


def test_yaml_round_trip_keeps_min_confidence_and_omits_the_default(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        for row in rule_rows(session, brand.id):
            delete_rule(session, row, actor="t")
        create_rule(
            session,
            brand,
            parse_spec(
                {
                    "name": "calls",
                    "min_confidence": 0.55,
                    "when": {"intent": ["callback_request"]},
                    "then": [{"type": "create_callback"}],
                }
            ),
            actor="t",
        )
        create_rule(session, brand, DEFAULT_RULES[1][1], actor="t")
        text = export_yaml(session, brand)
        assert "min_confidence: 0.55" in text
        assert text.count("min_confidence") == 1, "a rule on the default says nothing"
        other = create_brand(session, "Other")
        import_rules(session, other, parse_yaml(text).rules, actor="t")
        specs = [spec_of(r) for r in rule_rows(session, other.id)]
        assert [s.min_confidence for s in specs] == [0.55, None]
        assert [s.confidence_floor for s in specs] == [0.55, DEFAULT_MIN_CONFIDENCE]
        assert export_yaml(session, other).replace("Other", "Acme") == text
        stored = rule_rows(session, other.id)[0]
        assert stored.min_confidence == 0.55


def test_the_rule_form_reads_and_checks_min_confidence() -> None:
    base: list[tuple[str, str | UploadFile]] = [
        ("name", "calls"),
        ("condition", "intent"),
        ("when.intent", "callback_request"),
        ("action", "a0"),
        ("a0.type", "create_callback"),
    ]
    checked = check_form(read_form(FormData([*base, ("min_confidence", " 0.8 ")])))
    assert checked.spec is not None and checked.spec.min_confidence == 0.8
    assert form_of_spec(checked.spec).min_confidence == "0.8"
    empty = check_form(read_form(FormData(base)))
    assert empty.spec is not None and empty.spec.min_confidence is None
    wrong = check_form(read_form(FormData([*base, ("min_confidence", "2")])))
    assert wrong.spec is None and "min_confidence" in wrong.errors


def test_the_dry_run_shows_the_confidence_and_who_would_decide(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        for row in rule_rows(session, brand.id):
            delete_rule(session, row, actor="t")
        automate(
            session,
            settings,
            post("70", "@acmehelp please call me", handle="ned", author="70"),
            triager=AtConfidence(confidence=0.45),
        )
        spec = parse_spec(
            {
                "name": "calls",
                "min_confidence": 0.6,
                "when": {"intent": ["callback_request"]},
                "then": [{"type": "tag", "tags": ["callback"]}],
            }
        )
        [shown] = dry_run(session, settings, brand, spec, now=NOW, limit=5)
        assert (shown.matched, shown.failed, shown.intent_confidence) == (False, CONFIDENCE, 0.45)
        assert shown.would == [
            "leave it to an agent: automation 'calls' held: intent callback_request at "
            "confidence 0.45 is below the rule's 0.60; left for an agent"
        ]
        [lenient] = dry_run(
            session, settings, brand, spec.model_copy(update={"min_confidence": 0.4}), now=NOW
        )
        assert lenient.matched and lenient.would == ["tag the case callback"]


def test_the_rules_page_and_api_show_each_rules_floor(site: Site) -> None:
    with transaction(site.settings.database_url) as session:
        brand_id = session.scalars(select(Post.brand_id).where(Post.native_id == "1")).one()
        assert brand_id is not None
        row = next(r for r in rule_rows(session, brand_id) if r.name == CALLBACKS)
        row.min_confidence = 0.55
    rules = site.anonymous.get(
        f"/api/v1/rules?brand_id={brand_id}", headers={"Authorization": f"Bearer {site.token}"}
    ).json()
    floors = {r["name"]: (r["min_confidence"], r["confidence_floor"]) for r in rules}
    assert floors[CALLBACKS] == (0.55, 0.55)
    assert floors["Personal data posted in public moves to a private message"] == (None, None)
    assert floors["Questions get a knowledge-base answer, or a person"] == (
        None,
        DEFAULT_MIN_CONFIDENCE,
    )
    page = site.login("root").get(f"/automations/rules?brand_id={brand_id}")
    assert re.search(r'data-testid="rule-min-confidence">≥ 0\.55<', page.text)
