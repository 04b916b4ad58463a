"""The brief's first example: "@BofA ... please call me" queues a callback for a known customer,
and a stranger gets a verification link by DM first; the public thread never carries a number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.callbacks.service import CallbackError, claim, record_call, reschedule
from atdesk.automations.engine.settings import brand_config, update_brand_settings
from atdesk.config import Settings
from atdesk.customers.identity import complete_link
from atdesk.customers.service import CustomerError, create_customer, link_handle
from atdesk.customers.verification import open_link, redeem
from atdesk.domain.networks import Network
from atdesk.integrations.identity import VerificationExpired, VerificationInvalid
from atdesk.models import Author, Brand, Callback, Case, RuleRun
from atdesk.storage.session import transaction
from tests.automations.helpers import NOW, automate, job_env, jobs_of, post, run_jobs, texts
from tests.cases.factories import staff
from tests.factories import make_brand
from tests.respond.fakes import RecordingOutbox

PHONE = "+1 415 555 0142"
ASK = "@acmehelp I have a question about my latest statement, please call me tomorrow after 5"


def _known_customer(session: Session) -> None:
    customer = create_customer(session, name="Dana Reyes", phone=PHONE, actor="test")
    link_handle(session, customer, Network.X, "dana", actor="test")


def test_a_known_customer_is_queued_in_their_window_and_told_without_their_number(
    settings: Settings,
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        _known_customer(session)
        runs = automate(session, settings, post("1", ASK))
    assert [o.action for o in runs[0].outcomes] == ["tag", "create_callback"]
    with transaction(url) as session:
        callback = session.scalars(select(Callback)).one()
        assert callback.status == "queued"
        assert callback.customer_id is not None
        # "tomorrow after 5" from Monday 15:00 UTC (brand in UTC): Tuesday 17:00-20:00.
        assert (callback.window_start, callback.window_end) == (
            datetime(2026, 11, 24, 17, 0, tzinfo=UTC),
            datetime(2026, 11, 24, 20, 0, tzinfo=UTC),
        )
        assert callback.reason.startswith("I have a question about my latest statement")
        assert "@acmehelp" not in callback.reason
    (ack,) = texts(jobs_of(url, "message.send"))
    assert "Tue 24 Nov 17:00–20:00" in ack
    assert "555" not in ack and "0142" not in ack


def test_a_replayed_post_never_acts_twice(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        _known_customer(session)
        automate(session, settings, post("1", ASK))
    before = [j.key for j in jobs_of(url)]
    with transaction(url) as session:
        again = automate(session, settings, post("1", ASK))
        assert again == []
        # Even when the stage is asked about the same post directly, the run log stops it.
        from atdesk.automations.engine.stage import automate_posts
        from atdesk.models import AutomatedPost, Post

        post_id = session.scalars(select(Post.id)).one()
        session.delete(session.get(AutomatedPost, post_id))
        session.flush()
        rerun = automate_posts(session, [post_id], settings=settings, now=NOW)
        assert rerun[0].outcomes == []
        assert len(session.scalars(select(Callback)).all()) == 1
        assert len(session.scalars(select(RuleRun)).all()) == 1
    assert [j.key for j in jobs_of(url)] == before


def test_the_dialer_gets_a_signed_event_with_the_number_from_the_record(
    settings: Settings, http: httpx.Client
) -> None:
    received: list[httpx.Request] = []

    def dialer(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(202)

    url = settings.database_url
    with transaction(url) as session:
        brand = make_brand(session)
        update_brand_settings(
            brand, {"dialer": {"url": "http://dialer.test/events", "secret": "dialer-secret-1"}}
        )
        _known_customer(session)
        automate(session, settings, post("1", ASK))
    (job,) = jobs_of(url, "webhook.deliver")
    assert "phone" not in str(job.payload) and PHONE not in str(job.payload)
    with httpx.Client(transport=httpx.MockTransport(dialer)) as dialer_http:
        env = job_env(settings, RecordingOutbox(), dialer_http)
        run_jobs(env)
    (request,) = received
    from atdesk.integrations.webhooks import verify

    verify(request.content, request.headers["X-Atdesk-Signature"], "dialer-secret-1", now=env.now())
    body = request.read().decode()
    assert '"type":"callback.requested"' in body
    assert PHONE in body
    assert jobs_of(url, "webhook.deliver")[0].status == "done"


def test_a_stranger_gets_a_link_by_dm_and_the_callback_waits_until_it_is_used(
    settings: Settings, http: httpx.Client
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        automate(session, settings, post("1", ASK, handle="sam_q", author="4400000009"))
        callback = session.scalars(select(Callback)).one()
        assert callback.status == "awaiting_verification"
        assert callback.customer_id is None
    messages = jobs_of(url, "message.send")
    public = [j for j in messages if not j.payload["private"]]
    dms = [j for j in messages if j.payload["private"]]
    assert len(public) == 1 and "private message" in public[0].payload["text"]
    (dm,) = dms
    link = dm.payload["text"].split()[-1]
    assert link.startswith("http://127.0.0.1:8000/verify/")
    token = link.rsplit("/", 1)[1]

    outbox = RecordingOutbox()
    run_jobs(job_env(settings, outbox, http))
    assert len(outbox.sent) == 2
    assert sum(1 for m in outbox.sent if m.recipient is not None) == 1

    with transaction(url) as session:
        pending = open_link(session, token, secret_key=settings.secret_key, now=NOW)
        assert pending.needs_phone
        with pytest.raises(CustomerError, match="phone number"):
            redeem(session, token, secret_key=settings.secret_key, now=NOW)
    with transaction(url) as session:
        used = redeem(
            session,
            token,
            secret_key=settings.secret_key,
            now=NOW + timedelta(hours=1),
            phone=PHONE,
        )
        complete_link(session, used, settings=settings, now=NOW)
    with transaction(url) as session:
        author = session.scalars(select(Author).where(Author.handle == "sam_q")).one()
        assert author.customer is not None and author.customer.phone == PHONE
        callback = session.scalars(select(Callback)).one()
        assert callback.status == "queued" and callback.customer_id == author.customer_id
        with pytest.raises(VerificationInvalid, match="already been used"):
            open_link(session, token, secret_key=settings.secret_key, now=NOW)
        with pytest.raises(VerificationExpired):
            open_link(session, token, secret_key=settings.secret_key, now=NOW + timedelta(days=2))
    confirmation = texts(jobs_of(url, "message.send"))[-1]
    assert "We'll call you Tue 24 Nov 17:00–20:00" in confirmation
    assert PHONE not in " ".join(texts(jobs_of(url, "message.send")))


def test_phone_agents_claim_record_outcomes_and_reschedule(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        brand = make_brand(session)
        _known_customer(session)
        automate(session, settings, post("1", ASK))
        ana, ben = staff(session, "ana"), staff(session, "ben")
        callback = session.scalars(select(Callback)).one()
        config = brand_config(session, brand, settings)
        claim(session, callback, ana)
        with pytest.raises(CallbackError, match="another agent"):
            claim(session, callback, ben)
        record_call(session, callback, "no_answer", user=ana, config=config, notes="rang 6 times")
        assert (callback.status, callback.call_attempts) == ("queued", 1)
        moved = reschedule(
            session,
            callback,
            start=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
            end=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
            user=ben,
            config=config,
        )
        assert "Wed 25 Nov 09:00–10:00" in moved.message
        assert callback.revision == 2
        record_call(session, callback, "reached", user=ben, config=config)
        assert callback.status == "completed" and callback.completed_at is not None
        with pytest.raises(CallbackError, match="nothing to record"):
            record_call(session, callback, "reached", user=ben, config=config)
        case = session.scalars(select(Case)).one()
        from atdesk.cases.queries import case_audit

        actions = [e.action for e in case_audit(session, case.id)]
        assert {"callback.requested", "callback.claimed", "callback.no_answer"} <= set(actions)
        assert session.scalar(select(Brand.id)) == brand.id
