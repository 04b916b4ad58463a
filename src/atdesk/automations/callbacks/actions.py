"""Callback requests: queue the call in the customer's window, for phone agents and a dialer.

The phone number is read from the customer record when it is needed (the dialer event, the
queue page) and is never copied into the callback, a job payload or a public reply. A handle
that is not linked to a record gets the verification link by DM first; the callback waits."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.callbacks.service import (
    AWAITING_VERIFICATION,
    QUEUED,
    audit_callback,
    queue_dialer_event,
)
from atdesk.automations.engine.actions import action
from atdesk.automations.engine.context import ActionContext, Outcome
from atdesk.automations.engine.rules import CallbackAction
from atdesk.automations.engine.settings import BrandConfig, brand_config
from atdesk.automations.outbound.service import queue_message, queue_text
from atdesk.automations.outbound.verification import start_verification
from atdesk.config import Settings
from atdesk.customers.identity import on_identified
from atdesk.integrations.callbacks import (
    CallbackEventType,
    CallbackWindow,
    next_business_window,
    resolve_callback_window,
)
from atdesk.models import Author, Brand, Callback, Customer, Post

_MENTION = re.compile(r"(?<![\w@])@[\w.\-]+(?:@[\w.\-]+)?")


def reason_of(text: str) -> str:
    """The customer's words without the @mentions, as the reason for the phone agent."""
    return " ".join(_MENTION.sub(" ", text).split())[:1000]


def callback_window(ctx: ActionContext) -> tuple[CallbackWindow, bool]:
    """The window from the customer's words; (next business window, True) when the time they
    named has already passed today."""
    window = resolve_callback_window(
        ctx.post.text,
        created_at=ctx.post.created_at,
        tz=ctx.config.tz,
        hours=ctx.config.callback_hours,
    )
    if window is not None:
        return window, False
    return next_business_window(ctx.now, tz=ctx.config.tz, hours=ctx.config.callback_hours), True


def request_callback(ctx: ActionContext) -> Outcome:
    """Queue a callback (or hold it for verification) and acknowledge without personal data."""
    existing = ctx.session.scalar(select(Callback).where(Callback.post_id == ctx.post.id))
    if existing is not None:
        return Outcome("create_callback", "skipped", f"callback {existing.id} already exists")
    window, passed = callback_window(ctx)
    customer = ctx.customer
    ready = customer is not None and bool(customer.phone)
    callback = Callback(
        brand_id=ctx.brand.id,
        case_id=ctx.case.id,
        customer_id=customer.id if customer else None,
        author_id=ctx.author.id,
        post_id=ctx.post.id,
        reason=reason_of(ctx.post.text),
        window_start=window.start,
        window_end=window.end,
        window_requested=window.requested,
        window_phrase=window.phrase,
        status=QUEUED if ready else AWAITING_VERIFICATION,
        call_attempts=0,
        revision=0,
        notes="",
    )
    ctx.session.add(callback)
    ctx.session.flush()
    audit_callback(ctx.session, callback, "callback.requested", ctx.actor)
    when = window.describe(ctx.config.tz)
    if ready:
        queue_dialer_event(ctx.session, callback, CallbackEventType.REQUESTED, ctx.config)
        note = " (the time you named has passed, so this is our next opening)" if passed else ""
        text = (
            f"Thanks {ctx.first_name}, we'll call you {when}{note} on the number we have "
            "on file. Reply here if another time suits you better."
        )
        queue_message(ctx, text, private=False, purpose="callback-ack")
        return Outcome("create_callback", "done", f"queued for {when}", {"callback": callback.id})
    started = start_verification(ctx, purpose="arrange your callback")
    text = (
        f"Thanks {ctx.first_name}, we'd be glad to call you. We've sent you a private "
        "message to confirm it's you first; we never ask for your number in public."
    )
    queue_message(ctx, text, private=False, purpose="callback-ack")
    return Outcome(
        "create_callback",
        "waiting",
        f"waiting for verification ({started}); window {when}",
        {"callback": callback.id},
    )


def resume_after_verification(
    session: Session,
    *,
    author_id: int,
    customer: Customer,
    config_of: Callable[[int], BrandConfig],
) -> list[Callback]:
    """Callbacks that waited for this author's verification join the queue now."""
    waiting = list(
        session.scalars(
            select(Callback).where(
                Callback.author_id == author_id, Callback.status == AWAITING_VERIFICATION
            )
        )
    )
    for callback in waiting:
        callback.customer_id = customer.id
        callback.status = QUEUED
        callback.revision += 1
        audit_callback(session, callback, "callback.verified", "verification")
        queue_dialer_event(
            session, callback, CallbackEventType.REQUESTED, config_of(callback.brand_id)
        )
    session.flush()
    return waiting


@on_identified(order=10)
def resume_callbacks(
    session: Session,
    *,
    author: Author,
    customer: Customer,
    settings: Settings,
    now: datetime | None = None,
) -> None:
    """Callbacks that waited for this author's identity join the queue, and the customer is
    told when we will call (before any reschedule resumes: order 10)."""
    configs: dict[int, BrandConfig] = {}

    def config_of(brand_id: int) -> BrandConfig:
        if brand_id not in configs:
            brand = session.get(Brand, brand_id)
            assert brand is not None
            configs[brand_id] = brand_config(session, brand, settings)
        return configs[brand_id]

    resumed = resume_after_verification(
        session, author_id=author.id, customer=customer, config_of=config_of
    )
    for callback in resumed:
        post = session.get(Post, callback.post_id) if callback.post_id else None
        if post is None or callback.case_id is None:
            continue
        config = config_of(callback.brand_id)
        when = CallbackWindow(callback.window_start, callback.window_end, True).describe(config.tz)
        queue_text(
            session,
            post=post,
            case_id=callback.case_id,
            brand_id=callback.brand_id,
            text=f"Thanks, that's confirmed. We'll call you {when} on the number on your record.",
            private=True,
            purpose="callback-confirmed",
        )


def describe_callback(ctx: ActionContext, action: CallbackAction) -> str:
    """The window the callback would be queued for, and whether a link goes first."""
    window, passed = callback_window(ctx)
    when = window.describe(ctx.config.tz) + (" (named time passed)" if passed else "")
    customer = ctx.customer
    if customer is not None and customer.phone:
        return f"queue a callback {when} to the number on {customer.name or 'the record'}"
    return f"send a verification link by DM, then queue a callback {when}"


@action("create_callback", CallbackAction, describe=describe_callback, label="Create a callback")
def create_callback(ctx: ActionContext, action: CallbackAction) -> Outcome:
    """Queue a phone callback in the window the customer asked for."""
    return request_callback(ctx)
