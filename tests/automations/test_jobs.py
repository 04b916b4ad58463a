"""Outbound jobs are never lost and never repeated: a failed send is kept on the case and
retried on the schedule, a dead worker's lease runs out and the job runs again, a send a crash
cut short goes to a person instead of out twice, and a CRM lookup binds a known handle."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select, update

from atdesk.automations.engine.settings import update_brand_settings
from atdesk.config import Settings
from atdesk.integrations.webhooks import verify
from atdesk.jobs import queue
from atdesk.jobs.queue import LEASE, JobEnv, JobOutcome, JobView, lease_due, run_due_jobs
from atdesk.models import Author, AutomationJob, Callback, Customer, Post, ReplyDraft
from atdesk.storage.session import transaction
from tests.automations.helpers import Clock, automate, job_env, jobs_of, post, run_jobs, texts
from tests.factories import make_brand
from tests.respond.fakes import RecordingOutbox

ASK = "@acmehelp please call me tomorrow morning about my bill"


def test_a_failed_send_stays_on_the_case_and_is_retried_until_it_goes_out(
    settings: Settings, http: httpx.Client
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        automate(session, settings, post("1", ASK))
    outbox = RecordingOutbox(fail=True)
    clock = Clock()
    env = job_env(settings, outbox, http, clock)
    run_jobs(env)
    job = next(j for j in jobs_of(url, "message.send") if not j.payload["private"])
    assert job.status == "queued" and job.attempts == 1 and "503" in (job.last_error or "")
    with transaction(url) as session:
        (failed,) = session.scalars(select(ReplyDraft).where(ReplyDraft.job_id == job.id))
        assert failed.status == "failed" and "503" in (failed.error or "")
        assert session.scalars(select(Post).where(Post.inbound.is_(False))).all() == []
    outbox.fail = False
    clock.advance(3600)
    run_jobs(env)
    assert {j.status for j in jobs_of(url, "message.send")} == {"done"}
    assert len(outbox.sent) == 2  # the public acknowledgement and the verification DM
    with transaction(url) as session:
        tries = session.scalars(select(ReplyDraft).where(ReplyDraft.job_id == job.id)).all()
        assert [d.status for d in tries] == ["failed", "sent"]


def test_a_send_cut_short_by_a_crash_goes_to_a_person_not_out_twice(
    settings: Settings, http: httpx.Client
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        automate(session, settings, post("1", ASK))
    clock = Clock()
    outbox = RecordingOutbox()
    run_jobs(job_env(settings, outbox, http, clock))
    assert len(outbox.sent) == 2
    job = next(j for j in jobs_of(url, "message.send") if not j.payload["private"])
    with transaction(url) as session:
        # As if the worker had died during the call: the draft committed as sending, the job
        # still leased (its lease then runs out).
        (draft,) = session.scalars(select(ReplyDraft).where(ReplyDraft.job_id == job.id))
        draft.status, draft.sent_post_id = "sending", None
        session.execute(
            update(AutomationJob)
            .where(AutomationJob.id == job.id)
            .values(status="running", lease_until=clock.now)
        )
    clock.advance(LEASE.total_seconds() + 1)
    assert run_due_jobs(job_env(settings, outbox, http, clock)) == 1
    assert len(outbox.sent) == 2, "nothing was sent again"
    (again,) = [j for j in jobs_of(url, "message.send") if j.id == job.id]
    assert again.status == "needs_human"
    assert "may have sent this message" in (again.last_error or "")


def test_a_worker_that_died_mid_job_loses_its_lease_and_the_job_runs_again(
    settings: Settings, http: httpx.Client
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        automate(session, settings, post("1", ASK))
    clock = Clock()
    taken = lease_due(url, limit=10, now=clock.now)  # ... and the worker dies here
    assert taken and {j.status for j in jobs_of(url)} == {"running"}
    env = job_env(settings, RecordingOutbox(), http, clock)
    assert run_due_jobs(env) == 0  # still leased
    clock.advance(LEASE.total_seconds() + 1)
    assert run_due_jobs(env) == len(taken)
    assert {j.status for j in jobs_of(url)} == {"done"}


def test_a_crm_that_knows_the_handle_binds_it_and_the_callback_is_queued(
    settings: Settings,
) -> None:
    asked: list[httpx.Request] = []

    def crm(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        body = json.loads(request.content)
        if body["handle"] != "dana":
            return httpx.Response(404)
        record = {"external_id": "CRM-7", "name": "Dana Reyes", "phone": "+1 415 555 0142"}
        return httpx.Response(200, json={"customer": record})

    url = settings.database_url
    with transaction(url) as session:
        brand = make_brand(session)
        update_brand_settings(
            brand, {"crm_lookup": {"url": "http://crm.test/lookup", "secret": "crm-secret-1"}}
        )
        automate(
            session,
            settings,
            post("1", ASK),
            post("2", "@acmehelp call me back please", handle="lee", author="5", name="Lee"),
        )
        assert {c.status for c in session.scalars(select(Callback))} == {"awaiting_verification"}
    with httpx.Client(transport=httpx.MockTransport(crm)) as http:
        env = job_env(settings, RecordingOutbox(), http)
        run_jobs(env)
    verify(asked[0].content, asked[0].headers["X-Atdesk-Signature"], "crm-secret-1", now=env.now())
    with transaction(url) as session:
        dana = session.scalars(select(Author).where(Author.handle == "dana")).one()
        assert dana.customer is not None and dana.customer.external_id == "CRM-7"
        by_author = {c.author_id: c.status for c in session.scalars(select(Callback))}
        assert by_author[dana.id] == "queued"
        lee = session.scalars(select(Author).where(Author.handle == "lee")).one()
        assert by_author[lee.id] == "awaiting_verification"
        assert len(session.scalars(select(Customer)).all()) == 2  # Dana, and Lee's for his link
    sent = texts(jobs_of(url, "message.send"))
    assert any("We'll call you" in t and "confirmed" in t for t in sent)
    assert any("/verify/" in t for t in sent)


def test_a_batch_cut_short_hands_its_unstarted_jobs_back_at_once(
    settings: Settings, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        automate(session, settings, post("1", ASK))
    clock = Clock()
    env = job_env(settings, RecordingOutbox(), http, clock)

    def server_gone(view: JobView, env: JobEnv) -> JobOutcome:
        raise RuntimeError("the database went away")  # not a job's own failure: it escapes

    monkeypatch.setattr(queue, "run_job", server_gone)
    with pytest.raises(RuntimeError):
        run_due_jobs(env)
    first, *rest = jobs_of(url)
    assert rest, "the request queues more than one job"
    assert (first.status, first.attempts) == ("running", 1)  # it may have reached the network
    assert {(j.status, j.attempts, j.lease_until) for j in rest} == {("queued", 0, None)}
    monkeypatch.undo()
    assert run_jobs(env) == len(rest)  # no lease to wait for
    clock.advance(LEASE.total_seconds() + 1)
    run_jobs(env)
    assert {j.status for j in jobs_of(url)} <= {"done", "needs_human"}
