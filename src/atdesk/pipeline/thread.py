"""Stage 4: conversation assembly from reply ids, whatever order posts arrive in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from atdesk.domain.handles import handle_key
from atdesk.domain.posts import Post
from atdesk.models import Conversation, ConversationNode
from atdesk.models import Post as PostRow
from atdesk.models.base import table_of
from atdesk.pipeline.dedupe import chunked
from atdesk.storage.bulk import insert_with_ids


def dm_node(post: Post, brand_handle: str | None) -> str:
    """The node naming a private thread: the network's key, else brand account + customer."""
    if post.thread_key:
        return f"dm:{post.thread_key}"
    author = handle_key(post.author.handle)
    other = handle_key(post.to_handle or brand_handle or "")
    return "dm:" + ":".join(sorted((author, other)))


def nodes_of(post: Post, brand_handle: str | None = None) -> list[str]:
    """The reply-graph nodes a post touches: itself, its parent, its replies, its DM thread."""
    nodes = [post.native_id]
    if post.in_reply_to:
        nodes.append(post.in_reply_to)
    nodes.extend(post.reply_ids)
    if post.direct:
        nodes.append(dm_node(post, brand_handle))
    return nodes


class _UnionFind:
    """Plain union-find over strings; components are small, so no ranks are needed."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        if parent != item:
            parent = self.parent[item] = self.find(parent)
        return parent

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(slots=True)
class Threaded:
    """Which conversation each new post belongs to, and which conversations the batch touched."""

    conversation_of: dict[tuple[str, str], int]
    touched: set[int]
    merged: dict[int, int]


MergeHook = Callable[[Session, int, Sequence[int]], None]


def thread(
    session: Session,
    items: Sequence[tuple[Post, list[str]]],
    on_merge: MergeHook,
) -> Threaded:
    """Place each (post, nodes) in a conversation, creating or merging conversations as needed."""
    uf = _UnionFind()
    by_network: dict[str, set[str]] = defaultdict(set)
    for post, nodes in items:
        network = post.network.value
        first = f"{network}|{nodes[0]}"
        for node in nodes:
            by_network[network].add(node)
            uf.union(first, f"{network}|{node}")
    existing: dict[str, int] = {}
    for network, node_ids in by_network.items():
        for chunk in chunked(sorted(node_ids)):
            rows = session.execute(
                select(ConversationNode.node_id, ConversationNode.conversation_id).where(
                    ConversationNode.network == network, ConversationNode.node_id.in_(chunk)
                )
            )
            for node_id, conversation_id in rows:
                key = f"{network}|{node_id}"
                existing[key] = conversation_id
                uf.union(key, f"~conv|{conversation_id:012d}")
    components: dict[str, list[tuple[Post, list[str]]]] = defaultdict(list)
    for post, nodes in items:
        components[uf.find(f"{post.network.value}|{nodes[0]}")].append((post, nodes))
    conv_members: dict[str, set[int]] = defaultdict(set)
    for key, conversation_id in existing.items():
        conv_members[uf.find(key)].add(conversation_id)

    result = Threaded(conversation_of={}, touched=set(), merged={})
    new_nodes: list[dict[str, object]] = []
    fresh = {root: members for root, members in components.items() if not conv_members.get(root)}
    created = _create_conversations(session, fresh)
    for root, members in components.items():
        known = sorted(conv_members.get(root, set()))
        times = [post.created_at for post, _ in members]
        if known:
            target = known[0]
            if len(known) > 1:
                _merge(session, target, known[1:], on_merge)
                result.merged.update(dict.fromkeys(known[1:], target))
            conversation = session.get(Conversation, target)
            assert conversation is not None
            conversation.started_at = min(conversation.started_at, *times)
            conversation.last_post_at = max(conversation.last_post_at, *times)
        else:
            target = created[root]
        result.touched.add(target)
        seen_nodes: set[str] = set()
        for post, nodes in members:
            result.conversation_of[post.key] = target
            for node in nodes:
                key = f"{post.network.value}|{node}"
                if key not in existing and key not in seen_nodes:
                    seen_nodes.add(key)
                    new_nodes.append(
                        {"network": post.network.value, "node_id": node, "conversation_id": target}
                    )
    if new_nodes:
        session.execute(insert(table_of(ConversationNode)), new_nodes)
    return result


def _create_conversations(
    session: Session, components: dict[str, list[tuple[Post, list[str]]]]
) -> dict[str, int]:
    """One new conversation per component, in one INSERT ... RETURNING (no ORM object each);
    the ids come back in the order of the components."""
    session.flush()
    if not components:
        return {}
    values = []
    for members in components.values():
        times = [post.created_at for post, _ in members]
        first_post = members[0][0]
        values.append(
            {
                "network": first_post.network.value,
                "direct": first_post.direct,
                "started_at": min(times),
                "last_post_at": max(times),
            }
        )
    ids = insert_with_ids(session, table_of(Conversation), values)
    return dict(zip(components, ids, strict=True))


def _merge(session: Session, target: int, sources: Sequence[int], on_merge: MergeHook) -> None:
    """Fold conversations into the oldest one: nodes and posts move, cases merge, sources go."""
    on_merge(session, target, sources)
    session.execute(
        update(ConversationNode)
        .where(ConversationNode.conversation_id.in_(sources))
        .values(conversation_id=target)
    )
    session.execute(
        update(PostRow).where(PostRow.conversation_id.in_(sources)).values(conversation_id=target)
    )
    for source in sources:
        conversation = session.get(Conversation, source)
        if conversation is not None:
            target_row = session.get(Conversation, target)
            assert target_row is not None
            target_row.started_at = min(target_row.started_at, conversation.started_at)
            target_row.last_post_at = max(target_row.last_post_at, conversation.last_post_at)
            session.delete(conversation)
    session.flush()
