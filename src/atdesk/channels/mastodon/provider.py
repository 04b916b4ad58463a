"""The Mastodon channel: stateless behaviour over a `MastodonAccount` the caller stores."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import ClassVar

from atdesk.channels.base import ChannelDeps, ReadBatch, ReadMode, ReplyTarget, Sent
from atdesk.channels.errors import InvalidRequest, Unsupported
from atdesk.channels.http import ApiSession, reporting_auth_failures
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.mastodon.api import MastodonApi
from atdesk.channels.mastodon.errors import map_mastodon_error
from atdesk.channels.mastodon.normalize import author_of, status_to_post
from atdesk.channels.mastodon.polling import (
    MastodonPollConfig,
    brand_of,
    poll_listening,
    poll_notifications,
)
from atdesk.channels.mastodon.stream import read_user_stream
from atdesk.channels.ratelimits import RateLimit, parse_mastodon
from atdesk.channels.streaming import ConnectionSlot, StreamConfig, run_reconnecting
from atdesk.channels.textlength import TextLength, mastodon_text_length
from atdesk.domain.handles import handle_key
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author

MASTODON = Network.MASTODON


def idempotency_key(
    account: MastodonAccount, target: str | None, text: str, ref: str | None
) -> str:
    """The same logical send always carries the same key, so a retry never posts twice."""
    material = "\n".join([account.acct, target or "", text, ref or ""])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def addressed(acct: str, text: str) -> str:
    """Mastodon does not address replies by itself: the text must start with @acct."""
    mention = "@" + acct.lstrip("@")
    words = {handle_key(w) for w in text.split() if w.startswith("@")}
    return text if handle_key(mention) in words else f"{mention} {text}"


class MastodonChannel:
    """Mentions by polling and SSE, replies addressed with @acct, DMs as direct statuses."""

    network: ClassVar[Network] = MASTODON
    modes: ClassVar[frozenset[ReadMode]] = frozenset({ReadMode.POLL, ReadMode.STREAM})

    def __init__(
        self,
        deps: ChannelDeps | None = None,
        *,
        poll_config: MastodonPollConfig | None = None,
        stream_config: StreamConfig | None = None,
    ) -> None:
        self.deps = deps or ChannelDeps()
        self.poll_config = poll_config or MastodonPollConfig()
        self.stream_config = stream_config or StreamConfig()

    @contextmanager
    def _api(self, account: MastodonAccount) -> Iterator[MastodonApi]:
        headers = {"authorization": f"Bearer {account.token}"}
        with self.deps.http_client(account.base_url, headers) as http:
            yield MastodonApi(
                ApiSession(
                    network=MASTODON,
                    account=account.account_key,
                    http=http,
                    deps=self.deps,
                    map_error=map_mastodon_error,
                    parse_limits=parse_mastodon,
                )
            )

    def _guard(self, account: MastodonAccount) -> AbstractContextManager[None]:
        return reporting_auth_failures(self.deps, MASTODON, account.account_key)

    def poll(self, account: MastodonAccount) -> Iterator[ReadBatch[MastodonAccount]]:
        """New mentions (public and direct) and edits since the mark, page by page; then
        what the brand listens for (tag timelines, status search; ADR 88)."""
        with self._guard(account), self._api(account) as api:
            for batch in poll_notifications(api, account, self.poll_config):
                account = batch.account
                yield batch
            if account.listen_reads:
                yield from poll_listening(api, account, self.poll_config)

    def refresh_instance(self, account: MastodonAccount) -> MastodonAccount:
        """Learn the instance's character limit and streaming host."""
        with self._guard(account), self._api(account) as api:
            instance = api.instance()
        config = instance.get("configuration") or {}
        limit = (config.get("statuses") or {}).get("max_characters")
        streaming = (config.get("urls") or {}).get("streaming")
        return account.with_(
            max_characters=int(limit or account.max_characters),
            streaming_url=str(streaming) if streaming else account.streaming_url,
        )

    def stream(
        self,
        account: MastodonAccount,
        on_batch: Callable[[ReadBatch[MastodonAccount]], None],
        stop: threading.Event,
    ) -> None:
        """Follow the user stream until `stop`; polls fill any gap a reconnect leaves."""
        slot = ConnectionSlot(stop)

        def connect(mark_healthy: Callable[[], None]) -> None:
            read_user_stream(
                deps=self.deps,
                account=account,
                config=self.stream_config,
                slot=slot,
                on_batch=on_batch,
                mark_healthy=mark_healthy,
                keep_own=self.poll_config.keep_own_posts,
            )

        with self._guard(account):
            run_reconnecting(
                network=MASTODON,
                account=account.account_key,
                deps=self.deps,
                config=self.stream_config,
                stop=stop,
                connect=connect,
            )

    def parse_webhook(
        self, account: MastodonAccount, body: bytes, headers: Mapping[str, str]
    ) -> ReadBatch[MastodonAccount]:
        """Mastodon offers only encrypted Web Push, which atdesk does not use."""
        raise Unsupported("Mastodon has no plain webhooks", network=MASTODON)

    def _publish(
        self,
        account: MastodonAccount,
        *,
        text: str,
        visibility: str,
        in_reply_to: str | None,
        ref: str | None,
    ) -> Sent[MastodonAccount]:
        measured = self.text_length_for(account, text)
        if not measured.valid:
            raise InvalidRequest(
                f"status is {measured.length}/{measured.limit} characters; shorten it",
                network=MASTODON,
            )
        key = idempotency_key(account, in_reply_to, text, ref)
        with self._guard(account), self._api(account) as api:
            status = api.post_status(
                text=text,
                visibility=visibility,
                in_reply_to_id=in_reply_to,
                idempotency_key=key,
                ref=ref,
            )
        return Sent(status_to_post(status, {"brand": brand_of(account)}), account)

    def send_reply(
        self,
        account: MastodonAccount,
        *,
        target: ReplyTarget,
        text: str,
        ref: str | None = None,
    ) -> Sent[MastodonAccount]:
        """Reply addressed with @acct; a private (direct) target gets a direct reply."""
        author, direct = target.author, target.direct
        if author is None:
            with self._guard(account), self._api(account) as api:
                status = api.status(target.native_id)
            author = author_of(status.get("account") or {})
            direct = status.get("visibility") == "direct"
        visibility = "direct" if direct else account.reply_visibility
        return self._publish(
            account,
            text=addressed(author.handle, text),
            visibility=visibility,
            in_reply_to=target.native_id,
            ref=ref,
        )

    def send_dm(
        self, account: MastodonAccount, *, recipient: Author, text: str, ref: str | None = None
    ) -> Sent[MastodonAccount]:
        """A private message is a status with `visibility: direct` that mentions the person."""
        return self._publish(
            account,
            text=addressed(recipient.handle, text),
            visibility="direct",
            in_reply_to=None,
            ref=ref,
        )

    def text_length(self, text: str) -> TextLength:
        """Mastodon's default rule (500)."""
        return mastodon_text_length(text)

    def text_length_for(self, account: MastodonAccount, text: str) -> TextLength:
        """The rule with this instance's configured limit."""
        return mastodon_text_length(text, limit=account.max_characters)

    def rate_limits(self, account: MastodonAccount) -> tuple[RateLimit, ...]:
        """Windows the instance reported for this account."""
        return self.deps.book.of_account(account.account_key)
