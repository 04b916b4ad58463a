"""Case actions by people: each one changes the case and leaves who/what/when/before/after."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from atdesk.accounts.access import NotVisible
from atdesk.brands.service import create_brand
from atdesk.cases.access import visible_case
from atdesk.cases.actions import (
    ActionError,
    add_note,
    add_tags,
    assign,
    case_tags,
    correct_triage,
    remove_tag,
    reopen,
    resolve_case,
    set_escalated,
)
from atdesk.cases.queries import case_audit
from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.models import Case, Post, TriageCorrection
from atdesk.storage.session import transaction
from tests.cases.factories import staff, team
from tests.factories import make_brand, post, run


def test_every_action_lands_in_the_audit_log_with_before_and_after(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        ana = staff(session, "ana")
        outsider = staff(session, "olga")
        team(session, "Acme", [brand], [ana])
        run(session, post("1", "@acmehelp my parcel is lost", minutes=0))
        case = session.scalars(select(Case)).one()
        with pytest.raises(ActionError, match="not in a team for Acme"):
            assign(session, case, outsider, actor=ana)
        assert assign(session, case, ana, actor=ana)
        assert not assign(session, case, ana, actor=ana), "no change, no event"
        assert add_tags(session, case, ["#Refund, vip"], actor=ana) == ["refund", "vip"]
        assert remove_tag(session, case, "vip", actor=ana)
        set_escalated(session, case, True, actor=ana)
        add_note(session, case, "customer called the shop too", author=ana)
        resolve_case(session, case, actor=ana)
        reopen(session, case, actor=ana)
        events = list(reversed(case_audit(session, case.id)))
        actions = [e.action for e in events if e.actor == "ana"]
        assert actions == [
            "case.assigned",
            "case.tagged",
            "case.untagged",
            "case.escalated",
            "case.note",
            "case.resolved",
            "case.reopened",
        ]
        assigned = next(e for e in events if e.action == "case.assigned")
        assert assigned.before["assignee_id"] is None and assigned.after["assignee_id"] == ana.id
        assert assigned.actor_user_id == ana.id
        resolved = next(e for e in events if e.action == "case.resolved")
        assert resolved.before["status"] == "new" and resolved.after["status"] == "resolved"
        assert case_tags(session, case.id) == ["refund"]
        with pytest.raises(ActionError, match="letters, digits"):
            add_tags(session, case, ["no/slashes"], actor=ana)


def test_triage_corrections_are_stored_as_training_data_and_the_case_follows(
    settings: Settings,
) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        ana = staff(session, "ana")
        run(session, post("1", "@acmehelp my parcel is lost", minutes=0))
        case = session.scalars(select(Case)).one()
        first = session.scalars(select(Post)).one()
        assert case.intent == "order_delivery"
        correct_triage(session, first, "intent", "complaint", user=ana)
        session.refresh(case)
        assert case.intent == "complaint"
        stored = session.scalars(select(TriageCorrection)).one()
        assert (stored.field, stored.before, stored.after) == (
            "intent",
            "order_delivery",
            "complaint",
        )
        assert stored.text == "@acmehelp my parcel is lost" and stored.user_id == ana.id
        assert case_audit(session, case.id)[0].action in ("triage.corrected", "case.updated")
        with pytest.raises(ActionError, match="must be one of"):
            correct_triage(session, first, "intent", "sorcery", user=ana)


def test_agents_see_only_their_teams_brands(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        acme = make_brand(session)
        create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])
        ana = staff(session, "ana")
        boss = staff(session, "root", Role.ADMIN)
        team(session, "Acme", [acme], [ana])
        run(
            session,
            post("1", "@acmehelp my parcel is lost", minutes=0),
            post("2", "@otherhelp my bill is wrong", author="2", handle="eve"),
        )
        acme_case, other_case = session.scalars(select(Case).order_by(Case.id)).all()
        assert visible_case(session, ana, acme_case.id) is acme_case
        with pytest.raises(NotVisible):
            visible_case(session, ana, other_case.id)
        assert visible_case(session, boss, other_case.id) is other_case
