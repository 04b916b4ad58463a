"""The Bluesky channel: stateless behaviour over a `BlueskyAccount` the caller stores.

Sessions are handled here: a missing session logs in with the app password, an expired
access token is refreshed, a dead refresh token logs in again, and only a refused app
password surfaces (as AuthRevoked). New tokens travel back in the returned account.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, ClassVar, TypeVar

from atdesk.channels.base import ChannelDeps, ReadBatch, ReadMode, ReplyTarget, Sent
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.bluesky.api import BlueskyApi
from atdesk.channels.bluesky.errors import map_bluesky_error
from atdesk.channels.bluesky.facets import build_facets
from atdesk.channels.bluesky.polling import (
    BlueskyPollConfig,
    poll_chat,
    poll_notifications,
    poll_searches,
)
from atdesk.channels.errors import (
    AuthError,
    AuthExpired,
    AuthRevoked,
    InvalidRequest,
    NotFound,
    UnknownPost,
    Unsupported,
)
from atdesk.channels.http import ApiSession, now_utc, reporting_auth_failures
from atdesk.channels.ratelimits import RateLimit, parse_bluesky
from atdesk.channels.textlength import TextLength, bluesky_chat_length, bluesky_text_length
from atdesk.channels.timeparse import iso_millis
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author, Post

BLUESKY = Network.BLUESKY
POST = "app.bsky.feed.post"
T = TypeVar("T")
Reader = Callable[
    [BlueskyApi, BlueskyAccount, BlueskyPollConfig], Iterator[ReadBatch[BlueskyAccount]]
]


class BlueskyChannel:
    """Notifications and chat by polling, replies with reply refs and facets, chat DMs."""

    network: ClassVar[Network] = BLUESKY
    modes: ClassVar[frozenset[ReadMode]] = frozenset({ReadMode.POLL})

    def __init__(
        self, deps: ChannelDeps | None = None, *, poll_config: BlueskyPollConfig | None = None
    ) -> None:
        self.deps = deps or ChannelDeps()
        self.poll_config = poll_config or BlueskyPollConfig()

    # --- sessions ------------------------------------------------------------------------

    @contextmanager
    def _api(self, account: BlueskyAccount, *, token: str | None = None) -> Iterator[BlueskyApi]:
        bearer = token if token is not None else account.access_jwt
        headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
        with self.deps.http_client(account.base_url, headers) as http:
            session = ApiSession(
                network=BLUESKY,
                account=account.account_key,
                http=http,
                deps=self.deps,
                map_error=map_bluesky_error,
                parse_limits=parse_bluesky,
            )
            yield BlueskyApi(session, chat_proxy=account.chat_proxy)

    def _guard(self, account: BlueskyAccount) -> AbstractContextManager[None]:
        return reporting_auth_failures(self.deps, BLUESKY, account.account_key)

    def login(self, account: BlueskyAccount) -> BlueskyAccount:
        """A new session from the app password."""
        with self._api(account, token="") as api:
            try:
                body = api.create_session(account.handle, account.app_password)
            except (AuthError, InvalidRequest) as exc:
                raise AuthRevoked(f"app password refused: {exc.args[0]}", network=BLUESKY) from exc
        return account.with_(
            did=str(body["did"]),
            access_jwt=str(body["accessJwt"]),
            refresh_jwt=str(body["refreshJwt"]),
        )

    def refresh(self, account: BlueskyAccount) -> BlueskyAccount:
        """New tokens from the refresh token, or a new login when it is dead too."""
        if not account.refresh_jwt:
            return self.login(account)
        with self._api(account, token="") as api:
            try:
                body = api.refresh_session(account.refresh_jwt)
            except (AuthError, InvalidRequest):
                return self.login(account)
        return account.with_(access_jwt=str(body["accessJwt"]), refresh_jwt=str(body["refreshJwt"]))

    def _call(
        self, account: BlueskyAccount, work: Callable[[BlueskyApi, BlueskyAccount], T]
    ) -> tuple[T, BlueskyAccount]:
        """Run `work` with a live session, refreshing once when the token expired."""
        if not account.access_jwt or not account.did:
            account = self.login(account)
        try:
            with self._api(account) as api:
                return work(api, account), account
        except AuthExpired:
            account = self.refresh(account)
            with self._api(account) as api:
                return work(api, account), account

    # --- reading -------------------------------------------------------------------------

    def _pass(
        self, reader: Reader, account: BlueskyAccount
    ) -> Generator[ReadBatch[BlueskyAccount], None, BlueskyAccount]:
        if not account.access_jwt or not account.did:
            account = self.login(account)
            yield ReadBatch((), account)
        refreshed = False
        while True:
            try:
                with self._api(account) as api:
                    for batch in reader(api, account, self.poll_config):
                        account = batch.account
                        yield batch
                return account
            except AuthExpired:
                if refreshed:
                    raise
                account, refreshed = self.refresh(account), True
                yield ReadBatch((), account)

    def poll(self, account: BlueskyAccount) -> Iterator[ReadBatch[BlueskyAccount]]:
        """A notifications pass (mentions, replies, quotes), the chat log, then the brand's
        listening (searchPosts; ADR 88)."""
        with self._guard(account):
            account = yield from self._pass(poll_notifications, account)
            if self.poll_config.read_chat:
                account = yield from self._pass(poll_chat, account)
            if account.listen_queries:
                yield from self._pass(poll_searches, account)

    def stream(
        self,
        account: BlueskyAccount,
        on_batch: Callable[[ReadBatch[BlueskyAccount]], None],
        stop: threading.Event,
    ) -> None:
        """Not offered: atdesk polls Bluesky (the firehose carries the whole network)."""
        raise Unsupported("Bluesky is read by polling", network=BLUESKY)

    def parse_webhook(
        self, account: BlueskyAccount, body: bytes, headers: Mapping[str, str]
    ) -> ReadBatch[BlueskyAccount]:
        """Bluesky has no webhooks."""
        raise Unsupported("Bluesky has no webhooks", network=BLUESKY)

    # --- writing -------------------------------------------------------------------------

    def _brand(self, account: BlueskyAccount) -> Author:
        return Author(BLUESKY, account.did or "", account.account_key)

    @staticmethod
    def _resolver(api: BlueskyApi) -> Callable[[str], str | None]:
        cache: dict[str, str | None] = {}

        def resolve(handle: str) -> str | None:
            if handle not in cache:
                try:
                    cache[handle] = api.resolve_handle(handle)
                except (NotFound, InvalidRequest):
                    cache[handle] = None
            return cache[handle]

        return resolve

    def send_reply(
        self, account: BlueskyAccount, *, target: ReplyTarget, text: str, ref: str | None = None
    ) -> Sent[BlueskyAccount]:
        """Reply with `reply.root`/`reply.parent` and mention facets; chats get a chat answer."""
        if target.direct:
            if target.author is None:
                raise InvalidRequest("a chat reply needs the customer's DID", network=BLUESKY)
            return self.send_dm(account, recipient=target.author, text=text, ref=ref)
        measured = bluesky_text_length(text)
        if not measured.valid:
            raise InvalidRequest(
                f"post is {measured.length}/{measured.limit} graphemes; shorten it",
                network=BLUESKY,
            )

        def work(api: BlueskyApi, live: BlueskyAccount) -> dict[str, Any]:
            views = api.get_posts([target.native_id])
            if not views:
                raise UnknownPost(target.native_id, network=BLUESKY)
            view = views[0]
            parent = {"uri": str(view["uri"]), "cid": str(view["cid"])}
            root = ((view.get("record") or {}).get("reply") or {}).get("root") or parent
            record: dict[str, Any] = {
                "$type": POST,
                "text": text,
                "createdAt": iso_millis(now_utc(self.deps)),
                "reply": {"root": root, "parent": parent},
            }
            facets = build_facets(text, self._resolver(api))
            if facets:
                record["facets"] = facets
            created = api.create_record(live.did or "", POST, record, ref)
            return {"uri": created["uri"], "record": record}

        with self._guard(account):
            made, account = self._call(account, work)
        post = Post(
            network=BLUESKY,
            native_id=str(made["uri"]),
            text=text,
            created_at=now_utc(self.deps),
            author=self._brand(account),
            in_reply_to=target.native_id,
            inbound=False,
            raw={"record": made["record"]},
        )
        return Sent(post, account)

    def send_dm(
        self, account: BlueskyAccount, *, recipient: Author, text: str, ref: str | None = None
    ) -> Sent[BlueskyAccount]:
        """A chat message in the 1:1 conversation with the customer (via the chat proxy)."""
        measured = bluesky_chat_length(text)
        if not measured.valid:
            raise InvalidRequest(
                f"message is {measured.length}/{measured.limit} graphemes; shorten it",
                network=BLUESKY,
            )

        def work(api: BlueskyApi, live: BlueskyAccount) -> dict[str, Any]:
            did = recipient.native_id
            if not did.startswith("did:"):
                did = api.resolve_handle(recipient.handle)
            convo = api.convo_for([did])
            message: dict[str, Any] = {"text": text}
            facets = build_facets(text, self._resolver(api))
            if facets:
                message["facets"] = facets
            sent = api.send_message(str(convo["id"]), message, ref)
            return {"message": sent, "convo": str(convo["id"])}

        with self._guard(account):
            made, account = self._call(account, work)
        message = made["message"]
        post = Post(
            network=BLUESKY,
            native_id=str(message["id"]),
            text=str(message.get("text") or text),
            created_at=now_utc(self.deps),
            author=self._brand(account),
            direct=True,
            inbound=False,
            thread_key=made["convo"],
            raw={"message": message},
        )
        return Sent(post, account)

    def text_length(self, text: str) -> TextLength:
        """300 graphemes and 3000 bytes."""
        return bluesky_text_length(text)

    def rate_limits(self, account: BlueskyAccount) -> tuple[RateLimit, ...]:
        """Windows the PDS reported for this account."""
        return self.deps.book.of_account(account.account_key)
