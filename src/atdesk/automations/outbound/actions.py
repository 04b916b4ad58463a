"""The outbound rule actions: a templated reply, the move to a private message, a webhook."""

from __future__ import annotations

import uuid

from atdesk.automations.engine.actions import action
from atdesk.automations.engine.context import ActionContext, Outcome
from atdesk.automations.engine.inputs import Input
from atdesk.automations.engine.rules import AutoReplyAction, MoveToDmAction, WebhookAction
from atdesk.automations.outbound.handoff import move_to_dm
from atdesk.automations.outbound.service import queue_message
from atdesk.automations.outbound.tasks import WEBHOOK_JOB
from atdesk.jobs import queue as jobs
from atdesk.respond.dm import move_to_dm_text
from atdesk.respond.outbox import DeliveryError, brand_account


def describe_reply(ctx: ActionContext, action: AutoReplyAction) -> str:
    """The reply the template gives for this post."""
    return f"reply: “{action.template.format(**ctx.template_values())}”"


@action(
    "auto_reply",
    AutoReplyAction,
    describe=describe_reply,
    label="Auto-reply from a template",
    inputs=(
        Input(
            "template",
            "Template",
            "textarea",
            required=True,
            help="may use {first_name}, {handle}, {brand}, {case_id}; never contact data",
        ),
    ),
)
def auto_reply(ctx: ActionContext, action: AutoReplyAction) -> Outcome:
    """Answer from the template, in public or in the DM the post came by."""
    queued = queue_message(
        ctx,
        action.template.format(**ctx.template_values()),
        private=ctx.post.direct,
        purpose=f"auto-reply-{ctx.rule_id}",
    )
    if queued.job is None:
        return Outcome("auto_reply", "skipped", queued.skipped)
    return Outcome("auto_reply", "queued", "reply from template", {"job": queued.job.id})


def describe_move(ctx: ActionContext, action: MoveToDmAction) -> str:
    """The public invitation into a DM, or why there is none."""
    if ctx.post.direct:
        return "nothing: the conversation is already private"
    try:
        public, _ = move_to_dm_text(
            brand_account(ctx.session, ctx.brand.id, ctx.post.network), ctx.first_name
        )
    except (DeliveryError, ValueError) as exc:
        return f"hand the case to a person: {exc}"
    return f"reply: “{public}”"


@action("move_to_dm", MoveToDmAction, describe=describe_move, label="Move to a private message")
def move(ctx: ActionContext, action: MoveToDmAction) -> Outcome:
    """Reply publicly with the network's way into a DM."""
    return move_to_dm(ctx)


@action(
    "webhook",
    WebhookAction,
    describe=lambda ctx, a: f"send a signed event to {a.url}",
    label="Webhook",
    inputs=(
        Input("url", "URL", "text", required=True, placeholder="https://"),
        Input("secret", "Signing secret", "text", required=True, help="8 characters or more"),
    ),
)
def webhook(ctx: ActionContext, action: WebhookAction) -> Outcome:
    """A signed event for the URL; the secret is read from the rule when it is sent."""
    url_key = uuid.uuid5(uuid.NAMESPACE_URL, action.url).hex[:8]
    event_id = f"rule-{ctx.rule_id}-post-{ctx.post.id}-{url_key}"
    job = jobs.enqueue(
        ctx.session,
        kind=WEBHOOK_JOB,
        key=f"{WEBHOOK_JOB}:{event_id}",
        brand_id=ctx.brand.id,
        case_id=ctx.case.id,
        payload={
            "target": "rule",
            "rule_id": ctx.rule_id,
            "url": action.url,
            "event_id": event_id,
            "type": "case.rule_matched",
            "data": {
                "rule": ctx.rule_name,
                "case": {
                    "id": ctx.case.id,
                    "brand_id": ctx.case.brand_id,
                    "status": ctx.case.status,
                    "priority": ctx.case.priority,
                    "intent": ctx.case.intent,
                    "network": ctx.case.network,
                },
                "post": {
                    "id": ctx.post.id,
                    "network": ctx.post.network,
                    "native_id": ctx.post.native_id,
                },
            },
        },
    )
    return Outcome("webhook", "queued", action.url, {"job": job.id})
