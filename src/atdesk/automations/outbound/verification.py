"""Asking who wrote: the brand's CRM first (when it has a lookup webhook), else a signed link
by DM; once bound, customers.identity tells whatever waited for the answer (a callback, a
reschedule)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from atdesk.automations.engine.context import ActionContext
from atdesk.automations.engine.settings import BrandConfig, brand_config
from atdesk.automations.outbound.service import queue_text
from atdesk.config import Settings
from atdesk.customers.identity import bind_crm_record, emit_identified
from atdesk.customers.service import CustomerError
from atdesk.customers.verification import issue_link, record_for
from atdesk.domain.retry import next_retry_delay
from atdesk.integrations.identity import (
    CustomerFound,
    LookupFailed,
    lookup_customer,
)
from atdesk.jobs import queue as jobs
from atdesk.models import Author, Brand, IdentityVerification, Post

CRM_JOB = "crm.lookup"


def start_verification(ctx: ActionContext, *, purpose: str) -> str:
    """Ask the CRM who this is, or send the verification link; returns what was done."""
    if ctx.config.crm_lookup is not None and ctx.author.customer_id is None:
        jobs.enqueue(
            ctx.session,
            kind=CRM_JOB,
            key=f"{CRM_JOB}:author:{ctx.author.id}:post:{ctx.post.id}",
            brand_id=ctx.brand.id,
            case_id=ctx.case.id,
            payload={"author_id": ctx.author.id, "post_id": ctx.post.id, "purpose": purpose},
        )
        return "asked the CRM who this is"
    send_link(
        ctx.session,
        settings=ctx.settings,
        config=ctx.config,
        post=ctx.post,
        case_id=ctx.case.id,
        purpose=purpose,
        now=ctx.now,
    )
    return "verification link sent by DM"


def send_link(
    session: Session,
    *,
    settings: Settings,
    config: BrandConfig,
    post: Post,
    case_id: int,
    purpose: str,
    now: datetime,
) -> IdentityVerification:
    """Issue a single-use link for the post's author and queue it as a private message."""
    author = post.author
    issued = issue_link(
        session,
        author=author,
        customer=record_for(session, author),
        secret_key=settings.signing_key,
        base_url=config.public_url,
        now=now,
        case_id=case_id,
    )
    queue_text(
        session,
        post=post,
        case_id=case_id,
        brand_id=config.brand_id,
        text=f"To {purpose}, please confirm it's you with this link (it works once, for 24 "
        "hours): ",
        keep_tail=issued.url,
        private=True,
        purpose="verify",
        now=now,
    )
    return issued.verification


@dataclass(frozen=True, slots=True)
class _Lookup:
    url: str
    secret: str
    network: str
    handle: str
    native_id: str
    brand_id: int


@jobs.handler(CRM_JOB)
def run_crm_lookup(job: jobs.JobView, env: jobs.JobEnv) -> jobs.JobOutcome:
    """Ask the CRM; found: bind and carry on; unknown or failing for good: send the link."""
    with env.read() as session:
        author = session.get(Author, int(job.payload["author_id"]))
        brand = session.get(Brand, job.brand_id or 0)
        if author is None or brand is None:
            return jobs.JobOutcome.done(skipped="the author or brand is gone")
        config = brand_config(session, brand, env.settings)
        if config.crm_lookup is None or author.customer_id is not None:
            return jobs.JobOutcome.done(effect=_fallback(job, env), skipped="no lookup needed")
        ask = _Lookup(
            config.crm_lookup.url,
            config.crm_lookup.secret or env.settings.signing_key,
            author.network,
            author.handle,
            author.native_id,
            brand.id,
        )
    outcome = lookup_customer(
        ask.url,
        secret=ask.secret,
        network=ask.network,
        handle=ask.handle,
        author_native_id=ask.native_id,
        http=env.http,
        now=env.now(),
    )
    if isinstance(outcome, CustomerFound):
        found = outcome.customer

        def bind(session: Session) -> None:
            author = session.get(Author, int(job.payload["author_id"]))
            if author is None:
                return
            try:
                customer = bind_crm_record(session, found, author)
            except CustomerError:
                _fallback(job, env)(session)
                return
            emit_identified(
                session, author=author, customer=customer, settings=env.settings, now=env.now()
            )

        return jobs.JobOutcome.done(effect=bind, crm="found", external_id=found.external_id)
    if isinstance(outcome, LookupFailed) and outcome.retryable:
        delay = next_retry_delay(job.attempt)
        if delay is not None:
            return jobs.JobOutcome.retry(delay, outcome.reason)
    reason = outcome.reason if isinstance(outcome, LookupFailed) else "unknown to the CRM"
    return jobs.JobOutcome.done(effect=_fallback(job, env), crm=reason)


def _fallback(job: jobs.JobView, env: jobs.JobEnv) -> Callable[[Session], None]:
    """The verification link, when the CRM cannot tell us who this is."""

    def effect(session: Session) -> None:
        post = session.get(Post, int(job.payload["post_id"]))
        brand = session.get(Brand, job.brand_id or 0)
        if post is None or brand is None or post.author.customer_id is not None:
            return
        send_link(
            session,
            settings=env.settings,
            config=brand_config(session, brand, env.settings),
            post=post,
            case_id=job.case_id or post.case_id or 0,
            purpose=str(job.payload.get("purpose") or "help you"),
            now=env.now(),
        )

    return effect
