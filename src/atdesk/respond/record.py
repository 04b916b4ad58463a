"""Storing what was sent as an outbound post, threaded into the case like any other post."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.cases.service import link_conversation, merge_conversation_cases, sync_cases
from atdesk.domain.posts import Post
from atdesk.models import Case, ChannelAccount, User
from atdesk.models import Post as PostRow
from atdesk.pipeline.store import Decided, insert_posts, upsert_authors
from atdesk.pipeline.thread import nodes_of, thread

SOURCE = "agent"


def store_sent(
    session: Session, case: Case, post: Post, *, account: ChannelAccount, user: User
) -> PostRow:
    """The sent post as a row with the agent's id and the network's id, in the case's thread.

    If the network's echo of the post was stored first, that row is the one kept.
    """
    existing = session.scalar(
        select(PostRow).where(
            PostRow.network == post.network.value, PostRow.native_id == post.native_id
        )
    )
    if existing is None:
        if post.direct and not post.thread_key and not post.to_handle:
            post = replace(post, to_handle=case.customer_author.handle)
        threaded = thread(
            session, [(post, nodes_of(post, account.handle))], on_merge=merge_conversation_cases
        )
        decided = Decided(
            post=post,
            inbound=False,
            brand_id=case.brand_id,
            brand_account_id=account.id,
            filtered_reason=None,
            conversation_id=threaded.conversation_of[post.key],
        )
        author_ids = upsert_authors(
            session, [post.author], {(post.network.value, post.author.native_id): account.id}
        )
        insert_posts(session, [decided], author_ids, {post.key: SOURCE})
        existing = session.scalars(
            select(PostRow).where(
                PostRow.network == post.network.value, PostRow.native_id == post.native_id
            )
        ).one()
    existing.sent_by_user_id = user.id
    if existing.conversation_id is not None and existing.conversation_id != case.conversation_id:
        link_conversation(session, case, existing.conversation_id)
    session.flush()
    sync_cases(session, [case.conversation_id])
    return existing
