"""Per-brand retention: off by default; at an injected `now`, only resolved cases with nothing
heard or sent for N days and loose posts older than N days are anonymised or purged, in
batches, audited; report facts follow; the settings API and page keep to the brand walls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.lifecycle.retention import MARKER, sweep
from atdesk.lifecycle.scrub import ANONYMOUS_HANDLE
from atdesk.lifecycle.service import save_settings
from atdesk.lifecycle.settings import (
    RetentionMode,
    RetentionSettings,
    RetentionSettingsError,
    parse_settings,
    retention_settings,
)
from atdesk.models import (
    AuditEvent,
    Author,
    Brand,
    Case,
    CaseFacts,
    CaseNote,
    Conversation,
    Post,
    User,
)
from atdesk.reports.facts import refresh
from atdesk.storage.session import transaction
from atdesk.ui.deps import request_time
from tests.factories import T0, post, run
from tests.web.conftest import Workspace

NOW = T0 + timedelta(days=100)  # the seeded posts are 100 days old; a 30-day period takes them


@dataclass(frozen=True)
class Layout:
    """The cases and posts of the retention scenario."""

    acme: int
    old_resolved: int  # Dana's: resolved long ago, quiet since -> taken
    old_open: int  # Finn's: old but still open -> kept
    stirred: int  # resolved long ago but the customer wrote 20 days ago -> kept
    recent_resolved: int  # resolved 5 days ago -> kept
    other_brand: int  # Eve's at Other (no retention there) -> kept
    loose_old: int
    loose_recent: int


def _case_of(session: Session, native_id: str) -> Case:
    found = session.scalars(select(Post).where(Post.native_id == native_id)).one()
    case = session.get(Case, found.case_id)
    assert case is not None
    return case


def _loose(session: Session, native_id: str, at_days: float, author_id: int, brand_id: int) -> int:
    at = T0 + timedelta(days=at_days)
    row = Post(
        network="x",
        native_id=native_id,
        author_id=author_id,
        brand_id=brand_id,
        text=f"loose post {native_id} from 12 Elm Street",
        created_at=at,
        received_at=at,
        inbound=True,
        filtered_reason="spam",
        lat=40.7,
        lon=-74.0,
        media=["https://img.example/1.jpg"],
    )
    session.add(row)
    session.flush()
    return row.id


def layout(workspace: Workspace) -> Layout:
    """Resolve and date the seeded cases, and add the ones the rule must tell apart."""
    with transaction(workspace.settings.database_url) as session:
        acme = session.scalars(select(Brand).where(Brand.name == "Acme")).one()
        other = session.scalars(select(Brand).where(Brand.name == "Other")).one()
        run(
            session,
            post("s1", "@acmehelp the hinge broke", author="46", handle="gus", minutes=10),
            post("r1", "@acmehelp new issue today", author="47", handle="hal", minutes=95 * 1440),
        )
        dana, finn = _case_of(session, "1"), _case_of(session, "5")
        stirred, recent, eve = (
            _case_of(session, "s1"),
            _case_of(session, "r1"),
            _case_of(session, "4"),
        )
        for case, resolved in (
            (dana, T0),
            (stirred, T0),
            (recent, T0 + timedelta(days=95)),
            (eve, T0),
        ):
            case.status = "resolved"
            case.resolved_at = resolved + timedelta(hours=1)
        stirred.last_customer_at = T0 + timedelta(days=80)
        ana = session.scalars(select(User).where(User.username == "ana")).one()
        session.add(CaseNote(case_id=dana.id, author_user_id=ana.id, body="she lives at 12 Elm"))
        author = session.scalars(select(Author).where(Author.handle == "finn")).one()
        loose_old = _loose(session, "l1", 1, author.id, acme.id)
        loose_recent = _loose(session, "l2", 99, author.id, acme.id)
        _loose(session, "l3", 1, author.id, other.id)
        ids = Layout(
            acme=acme.id,
            old_resolved=dana.id,
            old_open=finn.id,
            stirred=stirred.id,
            recent_resolved=recent.id,
            other_brand=eve.id,
            loose_old=loose_old,
            loose_recent=loose_recent,
        )
    refresh(workspace.settings.database_url)
    return ids


def _turn_on(workspace: Workspace, brand_id: int, days: int, mode: str) -> None:
    with transaction(workspace.settings.database_url) as session:
        brand = session.get(Brand, brand_id)
        assert brand is not None
        save_settings(session, brand, {"days": days, "mode": mode}, actor="test")


def test_retention_is_off_by_default_and_takes_nothing(workspace: Workspace) -> None:
    ids = layout(workspace)
    assert sweep(workspace.settings.database_url, now=NOW + timedelta(days=3650)) == []
    with transaction(workspace.settings.database_url) as session:
        assert session.get(Case, ids.old_resolved) is not None
        assert session.scalars(select(Post).where(Post.anonymised_at.is_not(None))).all() == []


def test_anonymise_takes_only_old_quiet_resolved_cases_and_old_loose_posts(
    workspace: Workspace,
) -> None:
    url = workspace.settings.database_url
    ids = layout(workspace)
    with transaction(url) as session:
        facts_before = session.get(CaseFacts, ids.old_resolved)
        assert facts_before is not None
        inbound_before = facts_before.inbound_posts
        untouched = {
            p.id: p.text
            for p in session.scalars(
                select(Post).where(
                    Post.case_id.in_(
                        [ids.old_open, ids.stirred, ids.recent_resolved, ids.other_brand]
                    )
                )
            )
        }
    _turn_on(workspace, ids.acme, 30, "anonymise")
    [report] = sweep(url, now=NOW, batch=1)  # one row per write transaction
    assert (report.brand_id, report.mode, report.cases, report.posts) == (
        ids.acme,
        RetentionMode.ANONYMISE,
        1,
        1,
    )
    assert report.cutoff == NOW - timedelta(days=30)
    refresh(url)
    with transaction(url) as session:
        case = session.get(Case, ids.old_resolved)
        assert (
            case is not None
            and case.anonymised_at == NOW
            and case.customer_author.handle == ANONYMOUS_HANDLE
        )
        posts = session.scalars(select(Post).where(Post.case_id == ids.old_resolved)).all()
        assert posts and {p.text for p in posts} == {MARKER}
        assert all(p.raw == {} and p.native_id.startswith("anon:") for p in posts)
        assert session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)).all() == []
        facts = session.get(CaseFacts, ids.old_resolved)
        assert facts is not None and facts.inbound_posts == inbound_before  # reports keep it
        loose = session.get(Post, ids.loose_old)
        assert loose is not None and loose.text == MARKER
        assert (loose.lat, loose.lon, loose.media) == (None, None, [])
        recent = session.get(Post, ids.loose_recent)
        assert recent is not None and recent.anonymised_at is None and "Elm" in recent.text
        for post_id, text in untouched.items():
            kept = session.get(Post, post_id)
            assert kept is not None and kept.text == text
        other_loose = session.scalars(select(Post).where(Post.native_id == "l3")).one()
        assert other_loose.anonymised_at is None
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "brand.retention_applied")
        ).one()
        assert (audit.entity_id, audit.at, audit.after["cases"]) == (ids.acme, NOW, 1)
    again = sweep(url, now=NOW, batch=1)
    assert [(r.cases, r.posts) for r in again] == [(0, 0)]  # anonymised rows are not read again


def test_purge_deletes_old_cases_with_their_posts_and_facts(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    ids = layout(workspace)
    with transaction(url) as session:
        old_case = session.get(Case, ids.old_resolved)
        assert old_case is not None
        conversation_id = old_case.conversation_id
        kept_cases = [ids.old_open, ids.stirred, ids.recent_resolved, ids.other_brand]
        kept_posts = len(session.scalars(select(Post).where(Post.case_id.in_(kept_cases))).all())
    _turn_on(workspace, ids.acme, 30, "purge")
    [report] = sweep(url, now=NOW, batch=2)
    assert (report.cases, report.posts) == (1, 1)
    with transaction(url) as session:
        assert session.get(Case, ids.old_resolved) is None
        assert session.get(CaseFacts, ids.old_resolved) is None  # facts go with the case
        assert session.get(Conversation, conversation_id) is None
        assert session.scalars(select(Post).where(Post.native_id.in_(["1", "2", "3"]))).all() == []
        assert session.get(Post, ids.loose_old) is None
        assert session.get(Post, ids.loose_recent) is not None
        assert all(session.get(Case, c) is not None for c in kept_cases)
        assert all(session.get(CaseFacts, c) is not None for c in kept_cases)
        assert (
            len(session.scalars(select(Post).where(Post.case_id.in_(kept_cases))).all())
            == kept_posts
        )
    assert [(r.cases, r.posts) for r in sweep(url, now=NOW)] == [(0, 0)]
    # Forty days later the recent case and the one the customer stirred are old too; the
    # open one never is.
    [later] = sweep(url, now=NOW + timedelta(days=40))
    assert later.cases == 2
    with transaction(url) as session:
        assert session.get(Case, ids.old_open) is not None


def test_settings_are_checked_and_off_by_default() -> None:
    assert retention_settings(Brand(name="Acme", settings={})) == RetentionSettings()
    assert not RetentionSettings().enabled
    chosen = parse_settings({"days": "90", "mode": "Purge"})
    assert chosen == RetentionSettings(days=90, mode=RetentionMode.PURGE)
    assert parse_settings({"days": ""}, chosen) == RetentionSettings(mode=RetentionMode.PURGE)
    brand = Brand(name="Acme", settings={"costs": {"currency": "EUR"}, "retention": {"days": 3}})
    assert retention_settings(brand) == RetentionSettings()  # unreadable: keep everything


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"days": 3}, "days must be between 7 and 36500"),
        ({"days": "a year"}, "days must be a whole number of days"),
        ({"days": True}, "days must be a whole number of days"),
        ({"mode": "shred"}, "mode must be purge or anonymise"),
        ({"keep": 30}, "unknown retention setting keep"),
    ],
)
def test_bad_settings_say_what_to_change(raw: dict[str, object], message: str) -> None:
    with pytest.raises(RetentionSettingsError, match=message):
        parse_settings(raw)


def test_the_settings_api_and_page_keep_to_the_brand_walls(workspace: Workspace) -> None:
    ids = layout(workspace)
    path = f"/api/v1/retention/{ids.acme}"
    sam = workspace.login("sam")
    sam.app.dependency_overrides[request_time] = lambda: NOW  # type: ignore[attr-defined]
    assert sam.get(path).json() == {
        "brand_id": ids.acme,
        "days": None,
        "mode": "anonymise",
        "due_cases": 0,
        "due_posts": 0,
    }
    saved = sam.put(path, json={"days": 30, "mode": "purge"})
    assert saved.status_code == 200, saved.text
    assert saved.json() == {
        "brand_id": ids.acme,
        "days": 30,
        "mode": "purge",
        "due_cases": 1,
        "due_posts": 1,
    }
    bad = sam.put(path, json={"days": 2})
    assert bad.status_code == 422 and "between 7 and" in bad.json()["detail"]
    assert workspace.login("ana").put(path, json={"days": 40}).status_code == 403
    assert workspace.login("olga").get(path).status_code == 404
    assert workspace.login("olga").put(path, json={"days": 40}).status_code == 404
    page = sam.get("/privacy")
    assert page.status_code == 200 and "1 cases, 1 posts due" in page.text
    sam.post("/privacy/retention", data={"brand_id": str(ids.acme), "days": "", "mode": "purge"})
    assert "retention is off" in sam.get("/privacy").text
    with transaction(workspace.settings.database_url) as session:
        changes = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "brand.retention").order_by(AuditEvent.id)
        ).all()
        assert [(c.actor, c.after["days"]) for c in changes] == [("sam", 30), ("sam", None)]
    assert 'action="/privacy/retention"' not in workspace.login("ana").get("/privacy").text
