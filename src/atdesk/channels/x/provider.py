"""The X channel: stateless behaviour over an `XAccount` that the caller stores."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from atdesk.channels.base import ChannelDeps, ReadBatch, ReadMode, ReplyTarget, Sent
from atdesk.channels.errors import (
    AuthExpired,
    AuthRevoked,
    InvalidRequest,
    NotPermitted,
    WebhookRejected,
)
from atdesk.channels.http import ApiSession, now_utc, reporting_auth_failures
from atdesk.channels.observer import HealthKind, HealthNotice
from atdesk.channels.ratelimits import RateLimit, parse_x
from atdesk.channels.streaming import ConnectionSlot, StreamConfig, run_reconnecting
from atdesk.channels.textlength import TextLength, x_text_length
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.api import XApi, refresh_user_token
from atdesk.channels.x.errors import map_x_error
from atdesk.channels.x.polling import XPollConfig, poll_dms, poll_mentions, poll_searches
from atdesk.channels.x.stream import read_filtered_stream
from atdesk.channels.x.stream_rules import (
    LiveRoutes,
    StreamMembers,
    StreamRoutes,
    reconcile_rules,
)
from atdesk.channels.x.webhooks import SIGNATURE_HEADER, read_delivery
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author, Post

log = logging.getLogger(__name__)
Reader = Callable[[XApi, XAccount, XPollConfig], Iterator[ReadBatch[XAccount]]]


class XChannel:
    """Mentions polling, filtered stream, Account Activity webhooks, replies and DMs on X."""

    network: ClassVar[Network] = Network.X
    modes: ClassVar[frozenset[ReadMode]] = frozenset(
        {ReadMode.POLL, ReadMode.STREAM, ReadMode.WEBHOOK}
    )

    def __init__(
        self,
        deps: ChannelDeps | None = None,
        *,
        poll_config: XPollConfig | None = None,
        stream_config: StreamConfig | None = None,
        poll_dms: bool = True,
    ) -> None:
        self.deps = deps or ChannelDeps()
        self.poll_config = poll_config or XPollConfig()
        self.stream_config = stream_config or StreamConfig()
        self.poll_dms = poll_dms

    # --- plumbing ------------------------------------------------------------------------

    @contextmanager
    def _api(self, account: XAccount, *, app: bool = False) -> Iterator[XApi]:
        token = account.stream_token if app else account.user_token
        with self.deps.http_client(account.base_url, {"authorization": f"Bearer {token}"}) as http:
            yield XApi(self._session(account, http))

    def _session(self, account: XAccount, http: Any) -> ApiSession:
        return ApiSession(
            network=Network.X,
            account=account.account_key,
            http=http,
            deps=self.deps,
            map_error=map_x_error,
            parse_limits=parse_x,
        )

    def _guard(self, account: XAccount) -> Any:
        return reporting_auth_failures(self.deps, Network.X, account.account_key)

    def refresh(self, account: XAccount) -> XAccount:
        """Swap an expired user token for a new one (OAuth 2.0 refresh, tokens rotate)."""
        if not (account.refresh_token and account.client_id):
            raise AuthExpired(
                "user token expired and no refresh token is stored", network=Network.X
            )
        with self.deps.http_client(account.base_url) as http:
            try:
                body = refresh_user_token(
                    self._session(account, http),
                    refresh_token=account.refresh_token,
                    client_id=account.client_id,
                )
            except (InvalidRequest, AuthExpired) as exc:
                raise AuthRevoked(
                    f"token refresh refused: {exc.args[0]}", network=Network.X
                ) from exc
        access = body.get("access_token")
        if not access:
            raise AuthRevoked("token refresh answered without an access token", network=Network.X)
        return account.with_(
            user_token=str(access),
            refresh_token=str(body.get("refresh_token") or account.refresh_token),
        )

    def _pass(
        self, reader: Reader, account: XAccount
    ) -> Generator[ReadBatch[XAccount], None, XAccount]:
        refreshed = False
        while True:
            try:
                with self._api(account) as api:
                    for batch in reader(api, account, self.poll_config):
                        account = batch.account
                        yield batch
                return account
            except AuthExpired:
                if refreshed or not account.refresh_token:
                    raise
                account, refreshed = self.refresh(account), True
                # Hand the rotated tokens to the caller at once: the old refresh token is dead.
                yield ReadBatch((), account)

    # --- reading -------------------------------------------------------------------------

    def poll(self, account: XAccount) -> Iterator[ReadBatch[XAccount]]:
        """A mentions pass, a DM pass, then the listening back-fill (recent search, ADR 88);
        persist each batch before taking the next."""
        with self._guard(account):
            account = yield from self._pass(poll_mentions, account)
            if self.poll_dms:
                try:
                    account = yield from self._pass(poll_dms, account)
                except NotPermitted as exc:
                    # Apps without the dm.read scope still get their mentions.
                    log.warning(
                        "X DMs of %s are not readable (%s); mentions only", account.handle, exc
                    )
            if account.listen_values:
                yield from self._pass(poll_searches, account)

    def reconcile_stream_rules(self, app: XAccount, brands: Sequence[XAccount]) -> StreamRoutes:
        """Give every brand on the app its tagged rule (ours only) and say where posts go."""
        with self._guard(app):
            return self._reconcile(app, brands)

    def stream(
        self,
        account: XAccount,
        on_batch: Callable[[ReadBatch[XAccount]], None],
        stop: threading.Event,
    ) -> None:
        """Read the filtered stream for this one brand until `stop`."""
        self.stream_app(account, StreamMembers([account]), on_batch, stop)

    def stream_app(
        self,
        app: XAccount,
        brands: StreamMembers,
        on_batch: Callable[[ReadBatch[XAccount]], None],
        stop: threading.Event,
    ) -> None:
        """X allows one connection per app: `app` opens it for all `brands`, batches name each."""
        slot = ConnectionSlot(stop)
        routes = LiveRoutes(brands, lambda accounts: self._reconcile(app, accounts))

        def connect(mark_healthy: Callable[[], None]) -> None:
            read_filtered_stream(
                deps=self.deps,
                account=app,
                routes=routes.connecting(),
                config=self.stream_config,
                slot=slot,
                on_batch=on_batch,
                mark_healthy=mark_healthy,
                keep_own=self.poll_config.keep_own_posts,
            )

        with self._guard(app):
            run_reconnecting(
                network=Network.X,
                account=app.account_key,
                deps=self.deps,
                config=self.stream_config,
                stop=stop,
                connect=connect,
            )

    def _reconcile(self, app: XAccount, brands: Sequence[XAccount]) -> StreamRoutes:
        with self._api(app, app=True) as api:
            return reconcile_rules(api, brands)

    def parse_webhook(
        self, account: XAccount, body: bytes, headers: Mapping[str, str]
    ) -> ReadBatch[XAccount]:
        """Verify one Account Activity delivery for this account and read it."""
        if not account.consumer_secret:
            raise WebhookRejected("no consumer secret configured", network=Network.X, status=403)
        signature = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER)
        batch = read_delivery(
            account.consumer_secret,
            body,
            signature,
            brand_handle=account.account_key,
            keep_own=self.poll_config.keep_own_posts,
        )
        if batch.for_user_id != account.user_id:
            raise WebhookRejected(
                f"delivery is for user {batch.for_user_id}, not {account.user_id}",
                network=Network.X,
                status=400,
            )
        return ReadBatch(batch.events, account, batch.ignored)

    # --- webhooks administration -----------------------------------------------------------

    def register_webhook(self, account: XAccount, url: str) -> XAccount:
        """Register `url` (X fires a CRC at it) and subscribe this account's activity."""
        with self._guard(account):
            with self._api(account, app=True) as api:
                answer = api.register_webhook(url)
                created = answer.get("data") or answer  # the spec answers flat, the docs in `data`
            webhook_id = str(created.get("id") or "")
            if not webhook_id or not created.get("valid", True):
                self._webhook_notice(
                    account, HealthKind.WEBHOOK_INVALID, f"registration of {url} failed"
                )
                raise InvalidRequest(f"X did not accept webhook {url}", network=Network.X)
            with self._api(account) as api:
                api.subscribe(webhook_id)
        return account.with_(webhook_id=webhook_id)

    def check_webhook(self, account: XAccount) -> bool:
        """Is the webhook still valid? If X marked it invalid, alert and ask for a new CRC."""
        if not account.webhook_id:
            return False
        with self._guard(account), self._api(account, app=True) as api:
            hook = self._webhook(api, account.webhook_id)
            if hook is not None and hook.get("valid"):
                return True
            reason = "was removed" if hook is None else "failed its CRC check"
            self._webhook_notice(account, HealthKind.WEBHOOK_INVALID, f"webhook {reason}")
            if hook is None:
                return False
            api.revalidate_webhook(account.webhook_id)
            revalidated = (self._webhook(api, account.webhook_id) or {}).get("valid")
        if revalidated:
            self._webhook_notice(account, HealthKind.RECOVERED, "webhook passed a new CRC check")
        return bool(revalidated)

    @staticmethod
    def _webhook(api: XApi, webhook_id: str) -> dict[str, Any] | None:
        for hook in api.webhooks().get("data") or ():
            if str(hook.get("id")) == webhook_id:
                return dict(hook)
        return None

    def _webhook_notice(self, account: XAccount, kind: HealthKind, message: str) -> None:
        self.deps.observer.on_health(
            HealthNotice(Network.X, account.account_key, kind, message, now_utc(self.deps))
        )

    # --- writing -------------------------------------------------------------------------

    def _brand_author(self, account: XAccount) -> Author:
        return Author(Network.X, account.user_id, account.account_key)

    def send_reply(
        self, account: XAccount, *, target: ReplyTarget, text: str, ref: str | None = None
    ) -> Sent[XAccount]:
        """Reply with `reply.in_reply_to_tweet_id`; a private target is answered by DM."""
        if target.direct:
            if target.author is None:
                raise InvalidRequest("a DM reply needs the customer's user id", network=Network.X)
            return self.send_dm(account, recipient=target.author, text=text, ref=ref)
        self._check_length(text)
        with self._guard(account), self._api(account) as api:
            data = api.create_tweet(text, in_reply_to=target.native_id, ref=ref).get("data") or {}
        post = Post(
            network=Network.X,
            native_id=str(data["id"]),
            text=str(data.get("text") or text),
            created_at=now_utc(self.deps),
            author=self._brand_author(account),
            in_reply_to=target.native_id,
            inbound=False,
            raw={"data": data},
        )
        return Sent(post, account)

    def send_dm(
        self, account: XAccount, *, recipient: Author, text: str, ref: str | None = None
    ) -> Sent[XAccount]:
        """Send a v2 DM to the customer's numeric user id."""
        if not text.strip():
            raise InvalidRequest("a DM needs text", network=Network.X)
        with self._guard(account), self._api(account) as api:
            data = api.send_dm(recipient.native_id, text, ref=ref).get("data") or {}
        post = Post(
            network=Network.X,
            native_id=str(data["dm_event_id"]),
            text=text,
            created_at=now_utc(self.deps),
            author=self._brand_author(account),
            direct=True,
            inbound=False,
            thread_key=str(data.get("dm_conversation_id") or "") or None,
            raw={"data": data},
        )
        return Sent(post, account)

    def _check_length(self, text: str) -> None:
        measured = x_text_length(text)
        if not measured.valid:
            raise InvalidRequest(
                f"post is {measured.length}/{measured.limit} weighted characters; shorten it",
                network=Network.X,
            )

    def text_length(self, text: str) -> TextLength:
        """twitter-text v3 weighted length."""
        return x_text_length(text)

    def rate_limits(self, account: XAccount) -> tuple[RateLimit, ...]:
        """Windows X reported for this account's calls."""
        return self.deps.book.of_account(account.account_key)
