"""The rule form: every condition and action the engine knows, the same validation and audit
as the YAML editor, errors beside their fields with nothing typed lost, the dry run before
saving, the round trip with YAML, CSRF and admins-only saving."""

from __future__ import annotations

import typing

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from atdesk.automations.engine.defaults import DEFAULT_RULES
from atdesk.automations.engine.form import (
    CONDITIONS,
    RuleForm,
    action_kinds,
    check_form,
    edit_rows,
    form_of_spec,
)
from atdesk.automations.engine.queries import rule_rows, spec_of
from atdesk.automations.engine.rules import ACTION_TYPES, Action, Conditions, RuleSpec
from atdesk.domain.triage import Intent
from atdesk.models import AuditEvent, AutomationRule, Brand
from atdesk.storage.session import transaction
from tests.automations.conftest import Site
from tests.automations.pageform import form_fields

FORM = "/automations/rules/form"
VIP = {
    "name": "VIP callbacks",
    "enabled": "1",
    "position": "0",
    "condition": ["intent", "customer_linked", "keywords"],
    "when.intent": ["callback_request", "booking_change"],
    "when.customer_linked": "yes",
    "when.keywords": "call me\r\nphone me",
    "action": ["a0", "a3"],
    "a0.type": "tag",
    "a0.tags": "vip, callback",
    "a3.type": "webhook",
    "a3.url": "https://crm.example/hooks/vip",
    "a3.secret": "s3cret-value",
}
VIP_YAML = """name: VIP callbacks
enabled: true
stop: false
when:
  intent:
  - callback_request
  - booking_change
  keywords:
  - call me
  - phone me
  customer_linked: true
then:
- type: tag
  tags:
  - vip
  - callback
- type: webhook
  url: https://crm.example/hooks/vip
  secret: s3cret-value
"""


def brand_id(site: Site) -> int:
    with transaction(site.settings.database_url) as session:
        return session.scalars(select(Brand.id)).one()


def rule_named(site: Site, name: str) -> AutomationRule:
    with transaction(site.settings.database_url) as session:
        return session.scalars(select(AutomationRule).where(AutomationRule.name == name)).one()


def audit_actions(site: Site, rule_id: int) -> list[tuple[str, str]]:
    with transaction(site.settings.database_url) as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "automation_rule", AuditEvent.entity_id == rule_id)
            .order_by(AuditEvent.id)
        )
        return [(e.action, e.actor) for e in events]


def admin(site: Site) -> TestClient:
    """Root, with the brand's default rules installed (as opening the rules page does)."""
    root = site.login("root")
    assert root.get("/automations/rules").status_code == 200
    return root


def test_the_form_offers_exactly_the_conditions_and_actions_rules_have() -> None:
    assert [c.name for c in CONDITIONS] == list(Conditions.model_fields)
    assert tuple(a.name for a in action_kinds()) == ACTION_TYPES
    models = typing.get_args(typing.get_args(Action)[0])
    for kind, model in zip(action_kinds(), models, strict=True):
        assert kind.model is model
        assert [p.name for p in kind.params] == [f for f in model.model_fields if f != "type"]
    assert next(c for c in CONDITIONS if c.name == "intent").choices == tuple(
        i.value for i in Intent
    )


@pytest.mark.parametrize(("key", "spec"), DEFAULT_RULES, ids=[key for key, _ in DEFAULT_RULES])
def test_every_default_rule_reads_back_from_its_form(key: str, spec: RuleSpec) -> None:
    assert check_form(form_of_spec(spec)).spec == spec, key


def test_rows_are_added_moved_and_removed_as_the_buttons_ask() -> None:
    form = RuleForm()
    assert edit_rows(form, "add-condition", condition="intent")
    assert edit_rows(form, "add-action", action="tag")
    assert edit_rows(form, "add-action", action="escalate")
    assert edit_rows(form, "up:a1")
    assert [(r.key, r.type) for r in form.then] == [("a1", "escalate"), ("a0", "tag")]
    assert edit_rows(form, "remove:when.intent") and edit_rows(form, "remove:a1")
    assert form.when == {} and [r.key for r in form.then] == ["a0"]
    assert not edit_rows(form, "save")


def test_a_rule_made_in_the_form_is_saved_placed_audited_and_listed(site: Site) -> None:
    root = admin(site)
    page = root.get(f"{FORM}?brand_id={brand_id(site)}")
    assert page.status_code == 200
    for name in Conditions.model_fields:
        assert f'<template id="condition-{name}">' in page.text
    for action in ACTION_TYPES:
        assert f'<option value="{action}">' in page.text
    saved = root.post(FORM, data={**VIP, "brand_id": brand_id(site), "do": "save"})
    assert saved.status_code == 303, saved.text
    with transaction(site.settings.database_url) as session:
        rows = rule_rows(session, brand_id(site))
        assert rows[0].name == "VIP callbacks" and len(rows) == len(DEFAULT_RULES) + 1
        assert rows[0].conditions == {
            "intent": ["callback_request", "booking_change"],
            "keywords": ["call me", "phone me"],
            "customer_linked": True,
        }
        assert rows[0].actions == [
            {"type": "tag", "tags": ["vip", "callback"]},
            {"type": "webhook", "url": "https://crm.example/hooks/vip", "secret": "s3cret-value"},
        ]
        rule_id = rows[0].id
    assert audit_actions(site, rule_id) == [("rule.created", "root"), ("rule.moved", "root")]
    listed = root.get("/automations/rules")
    assert (
        'data-rule="VIP callbacks"' in listed.text and "Rule “VIP callbacks” saved." in listed.text
    )


def test_every_rule_comes_back_unchanged_through_its_page(site: Site) -> None:
    root = admin(site)
    with transaction(site.settings.database_url) as session:
        rules = {r.id: spec_of(r) for r in rule_rows(session, brand_id(site))}
    assert len(rules) == len(DEFAULT_RULES)
    for rule_id, spec in rules.items():
        page = root.get(f"{FORM}?rule_id={rule_id}")
        again = root.post(FORM, data={**form_fields(page.text, "rule-fields"), "do": "save"})
        assert again.status_code == 303, again.text
        with transaction(site.settings.database_url) as session:
            row = session.get(AutomationRule, rule_id)
            assert row is not None and spec_of(row) == spec
        assert [a for a, _ in audit_actions(site, rule_id)] == ["rule.created"]


def test_editing_in_the_form_changes_the_rule(site: Site) -> None:
    root = admin(site)
    bot = rule_named(site, "Questions get a knowledge-base answer, or a person")
    fields = form_fields(root.get(f"{FORM}?rule_id={bot.id}").text, "rule-fields")
    assert fields["when.intent"] == ["question"] and fields["a0.type"] == ["bot_answer"]
    del fields["enabled"]
    fields |= {"a0.threshold": ["0.7"], "stop": ["1"], "do": ["save"]}
    assert root.post(FORM, data=fields).status_code == 303
    changed = rule_named(site, "Questions get a knowledge-base answer, or a person")
    assert (changed.enabled, changed.stop) == (False, True)
    assert changed.actions == [{"type": "bot_answer", "threshold": 0.7}]
    assert [a for a, _ in audit_actions(site, bot.id)] == ["rule.created", "rule.updated"]


def test_a_refused_form_says_what_is_wrong_beside_each_field_and_keeps_it_all(site: Site) -> None:
    root = admin(site)
    typed = {
        "brand_id": str(brand_id(site)),
        "name": "",
        "stop": "1",
        "position": "2",
        "condition": ["sentiment", "regex", "min_followers", "business_hours"],
        "when.regex": "(unclosed",
        "when.min_followers": "lots",
        "when.business_hours": "outside",
        "action": ["a0", "a1", "a2", "a5"],
        "a0.type": "tag",
        "a0.tags": " ",
        "a1.type": "auto_reply",
        "a1.template": "Hi {first_name},\nwe'll call {phone}",
        "a2.type": "webhook",
        "a2.url": "ftp://crm.example",
        "a2.secret": "short",
        "a5.type": "offer_reschedule",
        "a5.kind": "repair",
        "a5.duration_minutes": "5",
        "a5.limit": "",
    }
    refused = root.post(FORM, data={**typed, "do": "save"})
    assert refused.status_code == 422
    assert 'data-testid="form-errors"' in refused.text
    expected = {
        "name": "required: fill this in",
        "when.sentiment": "choose or write a value, or remove this condition",
        "when.regex": "regex does not compile",
        "when.min_followers": "valid integer",
        "a0.tags": "required: fill this in",
        "a1.template": "template field {phone} would publish contact data",
        "a2.url": "https://",
        "a2.secret": "at least 8 characters",
        "a5.duration_minutes": "greater than or equal to 15",
    }
    for field, message in expected.items():
        at = refused.text.index(f'data-error-for="{field}"')
        assert message in refused.text[at : at + 200], field
    kept = form_fields(refused.text, "rule-fields")
    for field, value in typed.items():
        assert kept.get(field) == (value if isinstance(value, list) else [value]), field
    assert "when.sentiment" not in kept  # no box was ticked, and none is now
    with transaction(site.settings.database_url) as session:
        assert len(rule_rows(session, brand_id(site))) == len(DEFAULT_RULES)

    as_yaml = root.post(FORM, data={**typed, "do": "yaml"})
    assert (
        'data-testid="rule-error"' in as_yaml.text and "then.1.auto_reply.template" in as_yaml.text
    )
    text = form_fields(as_yaml.text, "rule-form")["text"][0]
    assert "regex: (unclosed" in text and "url: ftp://crm.example" in text

    taken = root.post(
        FORM,
        data={
            **VIP,
            "name": "Questions get a knowledge-base answer, or a person",
            "brand_id": brand_id(site),
            "do": "save",
        },
    )
    assert taken.status_code == 422
    at = taken.text.index('data-error-for="name"')
    assert "already has a rule named" in taken.text[at : at + 200]


def test_dry_run_from_the_form_before_saving(site: Site) -> None:
    root = admin(site)
    tried = root.post(FORM, data={**VIP, "brand_id": brand_id(site), "do": "dry", "limit": "10"})
    assert tried.status_code == 200
    assert "Dry run: 1 of the last 2 posts match" in tried.text
    assert "(customer_linked)" in tried.text
    assert "tag the case vip, callback" in tried.text
    assert "send a signed event to https://crm.example/hooks/vip" in tried.text
    assert form_fields(tried.text, "rule-fields")["when.keywords"] == ["call me\nphone me"]
    with transaction(site.settings.database_url) as session:
        assert len(rule_rows(session, brand_id(site))) == len(DEFAULT_RULES)


def test_form_and_yaml_editors_show_the_same_rule(site: Site) -> None:
    root = admin(site)
    as_yaml = root.post(FORM, data={**VIP, "brand_id": brand_id(site), "do": "yaml"})
    assert as_yaml.status_code == 200
    assert form_fields(as_yaml.text, "rule-form")["text"] == [VIP_YAML]
    root.post(FORM, data={**VIP, "brand_id": brand_id(site), "do": "save"})
    vip = rule_named(site, "VIP callbacks")
    shown = form_fields(root.get(f"/automations/rules/edit?rule_id={vip.id}").text, "rule-form")
    assert shown["text"] == [VIP_YAML]
    exported = root.get(f"/automations/rules/export?brand_id={brand_id(site)}").text
    assert yaml.safe_load(exported)["rules"][0] == yaml.safe_load(VIP_YAML)

    edited = VIP_YAML.replace("  - vip\n", "  - vip\n  - gold\n").replace(
        "stop: false", "stop: true"
    )
    back = root.post(
        FORM,
        data={"rule_id": vip.id, "brand_id": brand_id(site), "text": edited, "do": "from-yaml"},
    )
    assert back.status_code == 200
    fields = form_fields(back.text, "rule-fields")
    assert fields["a0.tags"] == ["vip, gold, callback"] and fields["stop"] == ["1"]
    saved = root.post(
        "/automations/rules/edit",
        data={"rule_id": vip.id, "brand_id": brand_id(site), "text": edited, "do": "save"},
    )
    assert saved.status_code == 303
    fields = form_fields(root.get(f"{FORM}?rule_id={vip.id}").text, "rule-fields")
    assert fields["a0.tags"] == ["vip, gold, callback"] and fields["stop"] == ["1"]
    again = root.post(FORM, data={**fields, "do": "yaml"})
    assert form_fields(again.text, "rule-form")["text"] == [edited]

    broken = root.post(
        FORM, data={"brand_id": brand_id(site), "text": "name: [", "do": "from-yaml"}
    )
    assert broken.status_code == 422 and 'data-testid="rule-error"' in broken.text
    imported = root.post(
        "/automations/rules/import", data={"brand_id": brand_id(site), "text": exported}
    )
    assert imported.status_code == 303
    listed = root.get("/automations/rules").text
    assert "Imported: 0 new, 1 changed, 0 removed." in listed  # the YAML save added 'gold'


def test_rows_added_and_removed_without_script(site: Site) -> None:
    root = admin(site)
    base = {"brand_id": brand_id(site), "name": "Rows"}
    page = root.post(FORM, data={**base, "do": "add-condition", "add_condition": "network"})
    fields = form_fields(page.text, "rule-fields")
    assert fields["condition"] == ["network"]
    page = root.post(FORM, data={**fields, "do": "add-action", "add_action": "escalate"})
    page = root.post(
        FORM,
        data={**form_fields(page.text, "rule-fields"), "do": "add-action", "add_action": "tag"},
    )
    fields = form_fields(page.text, "rule-fields")
    assert fields["action"] == ["a0", "a1"] and fields["a1.type"] == ["tag"]
    page = root.post(FORM, data={**fields, "do": "up:a1"})
    fields = form_fields(page.text, "rule-fields")
    assert fields["action"] == ["a1", "a0"]
    page = root.post(FORM, data={**fields, "do": "remove:when.network"})
    assert "condition" not in form_fields(page.text, "rule-fields")


def test_saving_needs_the_csrf_token_and_an_admin(site: Site) -> None:
    root = admin(site)
    del root.headers["X-CSRF-Token"]
    forged = root.post(
        FORM, data={**VIP, "brand_id": brand_id(site), "do": "save", "csrf_token": "forged"}
    )
    assert forged.status_code == 403
    assert (
        root.post(FORM, data={**VIP, "brand_id": brand_id(site), "do": "save"}).status_code == 403
    )
    agent = site.login("ana")
    page = agent.get(f"{FORM}?brand_id={brand_id(site)}")
    assert page.status_code == 200 and "Only admins save rules." in page.text
    assert 'data-testid="save-rule"' not in page.text
    refused = agent.post(FORM, data={**VIP, "brand_id": brand_id(site), "do": "save"})
    assert refused.status_code == 403
    tried = agent.post(FORM, data={**VIP, "brand_id": brand_id(site), "do": "dry"})
    assert tried.status_code == 200 and "Dry run:" in tried.text
    with transaction(site.settings.database_url) as session:
        assert (
            session.scalars(
                select(AutomationRule).where(AutomationRule.name == "VIP callbacks")
            ).all()
            == []
        )
    assert agent.get(f"{FORM}?rule_id=999999").status_code == 404
