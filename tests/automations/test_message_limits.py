"""Automations do not pester (issue 9): a rule messages a case once, a customer gets at most N
automated messages per rolling hour across the brand's rules (default 2, per brand), a skipped
message is on the case with its rule and reason, people are never limited, and the case shows
which rule sent each automated message. Time is injected; nothing reads the wall clock."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atdesk.automations.engine.rules import RuleSpec
from atdesk.automations.engine.service import create_rule
from atdesk.automations.engine.settings import update_brand_settings
from atdesk.automations.outbound.limits import (
    ALREADY_SENT,
    QUEUED,
    SKIPPED,
    RuleRef,
    decide,
    per_hour_reason,
)
from atdesk.brands.service import create_brand
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.models import (
    AuditEvent,
    AutomatedMessage,
    AutomationJob,
    AutomationRule,
    Brand,
    Case,
    Post,
    RuleRun,
)
from atdesk.respond.service import ReplyRequest, submit_reply
from atdesk.storage.session import transaction
from tests.automations.conftest import Site
from tests.automations.helpers import NOW, automate, job_env, post, run_jobs
from tests.cases.factories import staff
from tests.factories import make_brand
from tests.respond.fakes import RecordingOutbox

RULES = ("Callback offer", "Outage note", "Billing note", "Thanks note", "Store note", "App note")
WORDS = ("call", "outage", "bill", "thanks", "store", "app")


def _brand(session: Session, *, per_hour: int | None = None, rules: int = 3) -> Brand:
    """Acme with only the test's rules: each answers a keyword from a template."""
    brand = make_brand(session)
    update_brand_settings(brand, {"defaults_installed": True, "messages_per_hour": per_hour})
    for name, word in list(zip(RULES, WORDS, strict=True))[:rules]:
        spec = RuleSpec.model_validate(
            {
                "name": name,
                "when": {"keywords": [word]},
                "then": [{"type": "auto_reply", "template": f"Hi {{first_name}}, about {word}."}],
            }
        )
        create_rule(session, brand, spec, actor="t")
    session.flush()
    return brand


def _messages(session: Session) -> list[AutomationJob]:
    return list(
        session.scalars(
            select(AutomationJob)
            .where(AutomationJob.kind == "message.send")
            .order_by(AutomationJob.id)
        )
    )


def _skipped(session: Session) -> list[dict[str, Any]]:
    """The audit entries of skipped messages, oldest first."""
    return [
        e.after
        for e in session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "automation.message_skipped")
            .order_by(AuditEvent.id)
        )
    ]


def _rule(session: Session, name: str) -> RuleRef:
    row = session.scalar(select(AutomationRule).where(AutomationRule.name == name))
    assert row is not None
    return RuleRef(row.id, row.name)


def test_the_same_rule_firing_twice_on_a_case_sends_once(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        _brand(session)
        automate(session, settings, post("1", "@acmehelp please call me", minutes_before=10))
        automate(
            session,
            settings,
            post("2", "@acmehelp call me please, still waiting", in_reply_to="1"),
        )
        (job,) = _messages(session)
        assert job.payload["rule_name"] == "Callback offer"
        cases = session.scalars(select(Post.case_id).where(Post.inbound.is_(True))).all()
        assert len(set(cases)) == 1, "the reply is on the same case"
        assert _skipped(session) == [
            {
                "rule": "Callback offer",
                "reason": ALREADY_SENT,
                "message": f"auto-reply-{job.payload['rule_id']}",
                "post_id": session.scalar(select(Post.id).where(Post.native_id == "2")),
            }
        ]
        second_run = session.scalars(select(RuleRun).order_by(RuleRun.id)).all()[-1]
        assert second_run.outcomes == [
            {"action": "auto_reply", "status": "skipped", "detail": ALREADY_SENT}
        ]


def test_three_rules_in_an_hour_send_two_then_the_hour_passes(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        _brand(session)
        # Three separate conversations of one customer, 20 minutes apart.
        for i, (word, minutes) in enumerate((("call", 40), ("outage", 20), ("bill", 0))):
            automate(
                session,
                settings,
                post(f"{i + 1}", f"@acmehelp {word} question", minutes_before=minutes + 1),
                now=NOW - timedelta(minutes=minutes),
            )
        assert [j.payload["rule_name"] for j in _messages(session)] == [
            "Callback offer",
            "Outage note",
        ]
        (skip,) = _skipped(session)
        assert skip["rule"] == "Billing note" and skip["reason"] == "limit: 2 per hour reached"
        skipped_case = session.scalar(select(Post.case_id).where(Post.native_id == "3"))
        audit = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "automation.message_skipped")
        )
        assert audit is not None and audit.entity_id == skipped_case
        assert audit.actor == "automation:Billing note"
        # 59 minutes after the first message the hour is still full; at 61 a new one may go.
        automate(
            session,
            settings,
            post("4", "@acmehelp thanks for the call info", minutes_before=-18),
            now=NOW + timedelta(minutes=19),
        )
        assert len(_messages(session)) == 2 and len(_skipped(session)) == 2
        automate(
            session,
            settings,
            post("5", "@acmehelp one more bill question", minutes_before=-20),
            now=NOW + timedelta(minutes=21),
        )
        assert [j.payload["rule_name"] for j in _messages(session)][-1] == "Billing note"


def test_many_rules_on_one_post_share_the_hour(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        _brand(session)
        automate(session, settings, post("1", "@acmehelp call me about the outage on my bill"))
        assert len(_messages(session)) == 2
        assert [s["reason"] for s in _skipped(session)] == [per_hour_reason(2)]


@pytest.mark.parametrize("per_hour", [1, 5])
def test_the_brand_sets_its_own_hourly_limit(settings: Settings, per_hour: int) -> None:
    with transaction(settings.database_url) as session:
        _brand(session, per_hour=per_hour, rules=6)
        for i, word in enumerate(WORDS):
            automate(
                session,
                settings,
                post(f"{i + 1}", f"@acmehelp {word}?", minutes_before=30 - i),
                now=NOW - timedelta(minutes=29 - i),
            )
        assert len(_messages(session)) == per_hour
        assert [s["reason"] for s in _skipped(session)] == [per_hour_reason(per_hour)] * (
            6 - per_hour
        )


def test_an_agent_is_never_limited(settings: Settings) -> None:
    outbox = RecordingOutbox()
    with transaction(settings.database_url) as session:
        _brand(session, per_hour=1)
        automate(session, settings, post("1", "@acmehelp call me about the outage"))
        assert len(_messages(session)) == 1 and len(_skipped(session)) == 1
        case = session.scalar(select(Case))
        assert case is not None
        ana = staff(session, "ana")
        for text_ in ("Checking now.", "Found it, fixed.", "Anything else?"):
            outcome = submit_reply(
                session, case, ana, ReplyRequest(text_, "public", case.reply_version), outbox
            )
            assert outcome.status == "sent", outcome.message
        assert len(outbox.sent) == 3
        # The agent's replies are not automated messages: nothing counted, nothing skipped.
        assert session.scalar(select(func.count()).select_from(AutomatedMessage)) == 2
        assert len(_skipped(session)) == 1


def test_a_firings_parts_go_together_and_follow_ups_are_never_skipped(
    settings: Settings,
) -> None:
    with transaction(settings.database_url) as session:
        brand = _brand(session, per_hour=1)
        automate(session, settings, post("1", "@acmehelp call me"))
        first = session.scalar(select(Post).where(Post.native_id == "1"))
        assert first is not None and first.case_id is not None
        rule = _rule(session, "Callback offer")
        # The private message that goes with the public one (move to DM): same rule, same post.
        part = decide(
            session,
            post=first,
            case_id=first.case_id,
            brand_id=brand.id,
            purpose="move-to-dm-opener",
            now=NOW,
            rule=rule,
        )
        assert (part.status, part.part) == (QUEUED, 2)
        # A job's later message on that post (no rule given) belongs to the same firing.
        later = decide(
            session,
            post=first,
            case_id=first.case_id,
            brand_id=brand.id,
            purpose="verify",
            now=NOW,
        )
        assert (later.status, later.rule_name, later.part) == (QUEUED, "Callback offer", 3)
        # The customer answers; the answer's message follows up and is not skipped.
        automate(session, settings, post("2", "@acmehelp 2", in_reply_to="1", minutes_before=1))
        answer = session.scalar(select(Post).where(Post.native_id == "2"))
        assert answer is not None
        follow = decide(
            session,
            post=answer,
            case_id=first.case_id,
            brand_id=brand.id,
            purpose="reschedule-confirmed",
            now=NOW,
            follow_up_of=first.id,
        )
        assert (follow.status, follow.kind, follow.rule_name) == (
            QUEUED,
            "follow_up",
            "Callback offer",
        )
        # A rule over the limit: skipped, and its later parts with it.
        outage = _rule(session, "Outage note")
        skipped = decide(
            session,
            post=answer,
            case_id=first.case_id,
            brand_id=brand.id,
            purpose="a",
            now=NOW,
            rule=outage,
        )
        again = decide(
            session,
            post=answer,
            case_id=first.case_id,
            brand_id=brand.id,
            purpose="b",
            now=NOW,
            rule=outage,
        )
        assert (skipped.status, again.status) == (SKIPPED, SKIPPED)
        assert again.reason == per_hour_reason(1)


def test_the_database_allows_one_first_message_per_rule_and_case(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = _brand(session)
        automate(session, settings, post("1", "@acmehelp call me"))
        (row,) = session.scalars(select(AutomatedMessage)).all()
        session.add(
            AutomatedMessage(
                brand_id=brand.id,
                case_id=row.case_id,
                author_id=row.author_id,
                rule_id=row.rule_id,
                rule_name=row.rule_name,
                post_id=None,
                purpose="another",
                kind="rule",
                part=1,
                status=QUEUED,
                reason="",
                decided_at=NOW,
            )
        )
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


@pytest.mark.parametrize(
    ("second_rule", "reason"),
    [("Callback offer", ALREADY_SENT), ("Outage note", per_hour_reason(1))],
    ids=["same-rule", "hourly"],
)
def test_two_workers_deciding_at_once_send_once_on_postgresql(
    settings: Settings, second_rule: str, reason: str
) -> None:
    """The second worker waits for the first one's commit, then counts its message."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time; the lock under test is PostgreSQL's")
    with transaction(settings.database_url) as session:
        _brand(session, per_hour=1)
        automate(session, settings, post("1", "@acmehelp hello", minutes_before=10))
        automate(session, settings, post("2", "@acmehelp hello again", in_reply_to="1"))
        rules = [_rule(session, "Callback offer"), _rule(session, second_rule)]
        ids = [p.id for p in session.scalars(select(Post).order_by(Post.native_id))]

    def decide_on(session: Session, which: int) -> AutomatedMessage:
        post_id = ids[which]
        target = session.get(Post, post_id)
        assert target is not None and target.case_id is not None and target.brand_id
        return decide(
            session,
            post=target,
            case_id=target.case_id,
            brand_id=target.brand_id,
            purpose=f"p{post_id}",
            now=NOW,
            rule=rules[which],
        )

    results: dict[str, str] = {}
    with transaction(settings.database_url) as first:
        results["first"] = decide_on(first, 0).status

        def second_worker() -> None:
            with transaction(settings.database_url) as second:
                results["second"] = decide_on(second, 1).reason

        worker = threading.Thread(target=second_worker)
        worker.start()
        _until_waiting_on_a_lock(first)  # the second worker waits for this one's commit
    worker.join()
    assert results == {"first": QUEUED, "second": reason}


def _until_waiting_on_a_lock(session: Session) -> None:
    """Poll (from another connection) until some backend waits on an advisory lock."""
    with session.get_bind().connect() as probe:
        for _ in range(3_000):  # up to 30 s on a busy machine; a wait, not a timing assertion
            waiting = probe.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).scalar()
            if waiting:
                return
            probe.commit()
            time.sleep(0.01)
        raise AssertionError("the second worker never waited for the lock")


def test_a_mastodon_mention_with_no_personal_data_moves_nothing(settings: Settings) -> None:
    """The default rules on the demo's Mastodon post: before the fix the acct was an email,
    the post was PII, and the customer got a public reply plus a private message."""
    with transaction(settings.database_url) as session:
        create_brand(
            session,
            "Cable Co",
            [
                (Network.X, "cablehelp", "1300000000"),
                (Network.MASTODON, "cable@social.example", "7"),
            ],
        )
        runs = automate(
            session,
            settings,
            post(
                "112233445566778801",
                "@cable@social.example internet down since this morning in Eastside, any outage?",
                network="mastodon",
                handle="dana@example.net",
                author="102",
                to="cable@social.example",
            ),
        )
        stored = session.scalar(select(Post).where(Post.native_id == "112233445566778801"))
        assert stored is not None and stored.case_id is not None and stored.pii is False
        assert [r.handled_by for r in runs] == ["rules"]
        assert _messages(session) == []
        assert "pii-exposed" not in str(runs)


def test_the_case_page_names_the_rule_and_the_skip(
    site: Site, http: httpx.Client, outbox: RecordingOutbox
) -> None:
    """The site's Dana asked for a call: the default callback rule acknowledged it once; the
    page and the API name the rule, the audit log the second acknowledgement skipped."""
    with transaction(site.settings.database_url) as session:
        case_id = session.scalar(
            select(Post.case_id).where(Post.native_id == "1", Post.inbound.is_(True))
        )
        automate(
            session,
            site.settings,
            post("3", "@acmehelp please call me, it's urgent", in_reply_to="1", minutes_before=2),
        )
    run_jobs(job_env(site.settings, outbox, http))
    ana = site.login("ana")
    page = ana.get(f"/cases/{case_id}").text
    assert "Automated · rule: Callback requests go to the callback queue" in page
    assert 'data-testid="automated-by"' in page
    assert ALREADY_SENT in page, "the skipped acknowledgement is in the case's audit log"
    posts = ana.get("/api/v1/posts", params={"case_id": case_id}).json()["items"]
    sent = [(p["inbound"], p["automated"], p["automation_rule"]) for p in posts]
    assert sent.count((False, True, "Callback requests go to the callback queue")) == 1
    assert all(p["automation_rule"] is None for p in posts if p["inbound"])


def test_the_hourly_limit_is_edited_and_checked_on_the_settings_page(site: Site) -> None:
    root = site.login("root")
    with transaction(site.settings.database_url) as session:
        brand = session.scalar(select(Brand))
        assert brand is not None
        brand_id = brand.id
    page = root.get(f"/automations/settings?brand_id={brand_id}").text
    assert 'data-testid="messages-per-hour"' in page and 'placeholder="2"' in page
    form = {"brand_id": str(brand_id), "messages_per_hour": "0"}
    refused = root.post("/automations/settings", data=form)
    assert refused.status_code == 303
    shown = root.get(refused.headers["location"]).text
    assert "Not saved" in shown and "between 1 and 20" in shown
    root.post("/automations/settings", data={**form, "messages_per_hour": "many"})
    assert "is not a whole number" in root.get(f"/automations/settings?brand_id={brand_id}").text
    saved = root.post("/automations/settings", data={**form, "messages_per_hour": "5"})
    assert saved.status_code == 303
    with transaction(site.settings.database_url) as session:
        stored = session.get(Brand, brand_id)
        assert stored is not None
        assert stored.settings["automations"]["messages_per_hour"] == 5


@pytest.mark.parametrize("written_before", [False, True], ids=["first-write", "after-a-write"])
def test_a_decision_counts_under_sqlites_write_lock(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, written_before: bool
) -> None:
    """On SQLite the lock is the database's one writer, taken once per transaction (ADR 104):
    the hourly count is read while no one else can write, written before or not."""
    import sqlite3

    from atdesk.automations.outbound import limits

    url = settings.database_url
    if not url.startswith("sqlite"):
        pytest.skip("PostgreSQL's lock is per customer; tested above")
    with transaction(url) as session:
        brand = _brand(session)
        automate(session, settings, post("1", "@acmehelp hello", minutes_before=10))
        target = session.scalars(select(Post)).one()
        rule = session.scalars(select(AutomationRule).order_by(AutomationRule.id)).first()
        assert rule is not None and target.case_id is not None
        ids, ref = (target.id, target.case_id, brand.id), RuleRef(rule.id, rule.name)
    others_could_write: list[bool] = []
    counted = limits.sent_within_hour

    def count_and_try_writing(*args: Any, **kwargs: Any) -> int:
        other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
        try:
            other.execute("UPDATE brands SET name = name")
            other.commit()
            others_could_write.append(True)
        except sqlite3.OperationalError as exc:
            others_could_write.append("locked" not in str(exc))
        finally:
            other.close()
        return counted(*args, **kwargs)

    monkeypatch.setattr(limits, "sent_within_hour", count_and_try_writing)
    with transaction(url) as session:
        if written_before:
            session.execute(text("UPDATE brands SET name = name WHERE id = :id"), {"id": ids[2]})
        target = session.get(Post, ids[0])
        assert target is not None
        decide(
            session, post=target, case_id=ids[1], brand_id=ids[2], purpose="t", now=NOW, rule=ref
        )
    assert others_could_write == [False]
