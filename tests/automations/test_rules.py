"""Rules: conditions and actions validated in one place, YAML in and out, defaults for a new
brand, the dry run before saving, and the simple actions (DM handoff, team, webhook, noise)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.automations.engine.conditions import evaluate
from atdesk.automations.engine.defaults import DEFAULT_RULES
from atdesk.automations.engine.dryrun import dry_run
from atdesk.automations.engine.evaluation import LoadedRule, evaluate_rules, fired
from atdesk.automations.engine.facts import PostFacts
from atdesk.automations.engine.queries import export_yaml, rule_rows
from atdesk.automations.engine.rules import Conditions, RuleSpec
from atdesk.automations.engine.service import (
    RuleError,
    create_rule,
    delete_rule,
    import_rules,
    install_defaults,
    parse_spec,
    parse_yaml,
)
from atdesk.brands.service import create_brand
from atdesk.config import Settings
from atdesk.customers.service import create_customer, link_handle
from atdesk.domain.networks import Network
from atdesk.models import AuditEvent, AutomationJob, Callback, Case, Post, RuleRun, Team
from atdesk.storage.session import transaction
from tests.automations.helpers import NOW, automate, job_env, jobs_of, post, run_jobs, texts
from tests.factories import make_brand
from tests.respond.fakes import RecordingOutbox

FACTS = PostFacts(
    text="@acmehelp @AcmeCEO my bill is wrong, charged twice!!",
    network="x",
    created_at=datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
    intent="billing",
    sentiment="negative",
    priority="high",
    language="en",
    author_handle="Dana",
    followers=15_000,
    verified=True,
    customer_linked=False,
    watched_handles=frozenset({"acmeceo"}),
)


def _rule(position: int, **data: object) -> LoadedRule:
    return LoadedRule(position, position, RuleSpec.model_validate(data))


@pytest.mark.parametrize(
    ("when", "failed"),
    [
        ({"intent": ["billing", "complaint"]}, None),
        ({"intent": ["question"]}, "intent"),
        ({"sentiment": ["negative"], "priority": ["high", "urgent"]}, None),
        ({"language": ["es"]}, "language"),
        ({"network": ["mastodon"]}, "network"),
        ({"author": ["@dana"]}, None),
        ({"min_followers": 10_000, "verified": True}, None),
        ({"max_followers": 100}, "max_followers"),
        ({"keywords": ["charged twice"]}, None),
        ({"keywords": ["charge"]}, "keywords"),
        ({"regex": r"charged\s+twice"}, None),
        ({"mentions": ["acmeceo"]}, None),
        ({"watched": True}, None),
        ({"mentions": ["someoneelse"], "watched": True}, "mentions"),
        ({"customer_linked": True}, "customer_linked"),
        ({"business_hours": "inside"}, None),
        ({"business_hours": "outside"}, "business_hours"),
        ({"direct": False, "has_location": False, "pii": False}, None),
    ],
)
def test_each_condition(when: dict[str, object], failed: str | None) -> None:
    verdict = evaluate(Conditions.model_validate(when), FACTS)
    assert (verdict.matched, verdict.failed) == (failed is None, failed)


def test_rules_fire_in_order_and_stop_ends_the_list() -> None:
    rules = [
        _rule(2, name="b", when={"intent": ["billing"]}, then=[{"type": "escalate"}]),
        _rule(1, name="a", stop=True, when={}, then=[{"type": "tag", "tags": ["x"]}]),
        _rule(3, name="c", enabled=False, then=[{"type": "escalate"}]),
    ]
    assert [r.spec.name for r in fired(rules, FACTS)] == ["a"]
    assert [(e.rule.spec.name, e.skipped_by_stop) for e in evaluate_rules(rules, FACTS)] == [
        ("a", False),
        ("b", True),
    ]


def test_bad_rules_are_refused_with_where_and_what() -> None:
    with pytest.raises(RuleError, match=r"then\.0\.auto_reply\.template.*\{phone\}"):
        parse_spec({"name": "x", "then": [{"type": "auto_reply", "template": "call {phone}"}]})
    with pytest.raises(RuleError, match=r"when\.regex"):
        parse_spec({"name": "x", "when": {"regex": "("}, "then": [{"type": "escalate"}]})
    with pytest.raises(RuleError, match=r"when\.intent\.0"):
        parse_spec({"name": "x", "when": {"intent": ["nope"]}, "then": [{"type": "escalate"}]})
    with pytest.raises(RuleError, match="appears twice"):
        parse_spec({"name": "x", "then": [{"type": "escalate"}, {"type": "escalate"}]})
    with pytest.raises(RuleError, match="not valid YAML"):
        parse_yaml("brand: [")


def test_yaml_export_imports_back_unchanged_and_keeps_rule_ids(database_url: str) -> None:
    with transaction(database_url) as session:
        first = make_brand(session)
        install_defaults(session, first)
        text = export_yaml(session, first)
        ids = [r.id for r in rule_rows(session, first.id)]
        created, updated, deleted = import_rules(
            session, first, parse_yaml(text).rules, actor="test"
        )
        assert (created, updated, deleted) == (0, 0, 0)
        assert [r.id for r in rule_rows(session, first.id)] == ids
        second = create_brand(session, "Other")
        import_rules(session, second, parse_yaml(text).rules, actor="test")
        assert export_yaml(session, second).replace("Other", "Acme") == text
        edited = parse_yaml(text).rules[1:]
        # Dropping the first rule deletes it and moves the other five up one place.
        assert import_rules(session, second, edited, actor="test") == (0, 5, 1)
    assert "Callback requests go to the callback queue" in text
    assert "create_callback" in text


def test_a_new_brand_gets_the_defaults_once(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        automate(session, settings, post("1", "@acmehelp hello there"))
        rows = rule_rows(session, brand.id)
        assert [r.default_key for r in rows] == [key for key, _ in DEFAULT_RULES]
        for row in rows:
            delete_rule(session, row, actor="admin")
        automate(session, settings, post("2", "@acmehelp please call me"))
        assert rule_rows(session, brand.id) == []
        assert session.scalars(select(Callback)).all() == []


def test_the_dry_run_shows_matches_and_actions_and_writes_nothing(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        brand = make_brand(session)
        customer = create_customer(session, name="Dana", phone="+1 415 555 0142", actor="t")
        link_handle(session, customer, Network.X, "dana", actor="t")
        for row in rule_rows(session, brand.id):
            delete_rule(session, row, actor="t")
        automate(
            session,
            settings,
            post("1", "@acmehelp please call me tomorrow morning", minutes_before=9),
            post("2", "@acmehelp love the new app", handle="lee", author="5", minutes_before=8),
            post("3", "@acmehelp call me back", handle="kim", author="6", minutes_before=7),
        )
    before = _counts(url)
    with transaction(url) as session:
        brand = session.get(type(brand), brand.id)
        assert brand is not None
        spec = parse_spec(
            {
                "name": "callbacks",
                "when": {"intent": ["callback_request"]},
                "then": [{"type": "tag", "tags": ["callback"]}, {"type": "create_callback"}],
            }
        )
        rows = dry_run(session, settings, brand, spec, now=NOW, limit=10)
    assert [(r.author, r.matched, r.failed) for r in rows] == [
        ("kim", True, None),
        ("lee", False, "intent"),
        ("dana", True, None),
    ]
    assert rows[2].would == [
        "tag the case callback",
        "queue a callback Tue 24 Nov 09:00–12:00 to the number on Dana",
    ]
    assert rows[0].would[1].startswith("send a verification link by DM, then queue a callback")
    assert _counts(url) == before


def _counts(url: str) -> tuple[int, ...]:
    with transaction(url) as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Callback, RuleRun, AutomationJob, AuditEvent)
        )


def _only_rule(session: Session, brand_name: str, **data: object) -> None:
    from atdesk.models import Brand

    brand = session.scalars(select(Brand).where(Brand.name == brand_name)).one()
    for row in rule_rows(session, brand.id):
        delete_rule(session, row, actor="t")
    create_rule(session, brand, RuleSpec.model_validate(data), actor="t")


def test_move_to_dm_links_the_brand_and_the_dm_joins_the_same_case(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        automate(session, settings, post("1", "@acmehelp my bill is wrong, I was charged twice"))
    (public,) = texts(jobs_of(url, "message.send"))
    assert "https://x.com/messages/compose?recipient_id=1200000000" in public
    with transaction(url) as session:
        automate(
            session,
            settings,
            post("2", "hi, it's about invoice 12345", direct=True, to="acmehelp", minutes_before=1),
        )
        cases = session.scalars(select(Case)).all()
        assert len(cases) == 1
        dm = session.scalars(select(Post).where(Post.native_id == "2")).one()
        assert dm.case_id == cases[0].id


def test_team_webhook_and_noise_actions(settings: Settings, http: httpx.Client) -> None:
    url = settings.database_url
    received: list[httpx.Request] = []
    with transaction(url) as session:
        make_brand(session)
        session.add(Team(name="Billing", auto_assign=False))
        _only_rule(
            session,
            "Acme",
            name="route and tell",
            when={"keywords": ["refund"]},
            then=[
                {"type": "assign_team", "team": "billing"},
                {"type": "webhook", "url": "http://hooks.test/atdesk", "secret": "hook-secret-1"},
            ],
        )
        automate(session, settings, post("1", "@acmehelp where is my refund"))
        case = session.scalars(select(Case)).one()
        assert case.team_id == session.scalars(select(Team.id)).one()
    with httpx.Client(
        transport=httpx.MockTransport(lambda r: received.append(r) or httpx.Response(200))
    ) as hooks:
        run_jobs(job_env(settings, RecordingOutbox(), hooks))
    (request,) = received
    assert request.headers["X-Atdesk-Event"] == "case.rule_matched"
    assert b'"rule":"route and tell"' in request.content

    with transaction(url) as session:
        _only_rule(
            session,
            "Acme",
            name="noise",
            when={"keywords": ["giveaway"]},
            then=[{"type": "hide_noise"}],
        )
        automate(
            session, settings, post("9", "@acmehelp giveaway! follow me", handle="bot", author="7")
        )
        noisy = session.scalars(select(Post).where(Post.native_id == "9")).one()
        assert noisy.filtered_reason is not None
        assert session.get(Case, noisy.case_id).status == "resolved"  # type: ignore[union-attr]
