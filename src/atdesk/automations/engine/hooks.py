"""What the sub-domains plug into the automate stage, so the engine never imports them: reply
handlers that may own a post before the rules run, and batch warm-ups done outside the write
transaction (registered when atdesk.worker imports ACTION_MODULES)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from atdesk.automations.engine.context import ActionContext, Outcome
from atdesk.models import Post

ReplyHandler = Callable[[ActionContext], Outcome | None]
# Given a batch's posts, the ids of those a reply handler might own (a superset), in one read.
Screen = Callable[[Session, Sequence[Post]], set[int]]
Warmup = Callable[[Session, Sequence[int]], Callable[[], None]]


class NotPrepared(LookupError):
    """Something a warm-up built was wanted but has changed since: prepare the batch again."""


@dataclass(frozen=True, slots=True)
class _Reply:
    order: int
    handled_by: str
    handle: ReplyHandler
    # Read once per batch instead of asking `handle` for every post; it holds until the batch
    # adds or changes a row of a `watch` class (an offer made, the bot answering).
    screen: Screen | None = None
    watch: tuple[type, ...] = ()


REPLY_HANDLERS: list[_Reply] = []
WARMUPS: list[Warmup] = []


def reply_handler(
    handled_by: str, *, order: int, screen: Screen | None = None, watch: tuple[type, ...] = ()
) -> Callable[[ReplyHandler], ReplyHandler]:
    """Register a handler for posts that answer something we asked (an offer, the bot); the
    first, by `order`, that returns an outcome owns the post and no rule runs on it.
    `screen` names the batch's posts it might own, so the others are not asked one by one."""

    def register(handle: ReplyHandler) -> ReplyHandler:
        if all(entry.handle is not handle for entry in REPLY_HANDLERS):
            REPLY_HANDLERS.append(_Reply(order, handled_by, handle, screen, watch))
            REPLY_HANDLERS.sort(key=lambda entry: entry.order)
        return handle

    return register


def warmup(prepare: Warmup) -> Warmup:
    """Register a warm-up: given the batch's brand ids in a read transaction, it returns the
    slow part to run after that transaction closes (ADR 78)."""
    if prepare not in WARMUPS:
        WARMUPS.append(prepare)
    return prepare
