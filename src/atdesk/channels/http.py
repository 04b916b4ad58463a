"""One HTTP call with the policy every channel shares: rate-limit waits, retries, reporting.

Network-specific knowledge comes in as two functions (error mapping, rate-limit headers);
everything else — when to wait, when to retry, when a retry could duplicate a post, what to
tell the observer — is decided here once.
"""

from __future__ import annotations

import json as jsonlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from atdesk.channels.base import ChannelDeps
from atdesk.channels.clock import utc_from_epoch
from atdesk.channels.errors import (
    SHAPE_ERRORS,
    AuthError,
    AuthExpired,
    ChannelError,
    MalformedResponse,
    RateLimited,
    TransientError,
    Unreachable,
    shape_problem,
)
from atdesk.channels.observer import ApiCall, HealthKind, HealthNotice, Operation
from atdesk.channels.ratelimits import RateLimit
from atdesk.domain.networks import Network

ErrorMapper = Callable[[httpx.Response, float], ChannelError]
LimitParser = Callable[[Mapping[str, str], str], RateLimit | None]
log = logging.getLogger(__name__)
ItemIds = Callable[[Any], Sequence[str]]


def _item_ids(items: ItemIds, data: Any, endpoint: str) -> tuple[str, ...]:
    """The native ids an answer carries, for the spend ledger; none when its items have
    the wrong shape (the reader then sets those items aside and says so)."""
    if data is None:
        return ()
    try:
        return tuple(items(data))
    except SHAPE_ERRORS as exc:
        log.warning("%s answered items of the wrong shape (%s)", endpoint, shape_problem(exc))
        return ()


_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """A successful answer: status, decoded JSON (None for an empty body), headers."""

    status: int
    data: Any
    headers: httpx.Headers


def transport_error(exc: httpx.TransportError, network: Network) -> Unreachable:
    """Map httpx's transport failures; only a failed connect proves nothing was sent."""
    sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
    kind = type(exc).__name__
    return Unreachable(
        f"{kind}: {exc}" if str(exc) else kind,
        network=network,
        request_may_have_arrived=sent,
    )


def decode_json(response: httpx.Response, network: Network) -> Any:
    """The body as JSON; anything else is a MalformedResponse."""
    if not response.content:
        return None
    try:
        return jsonlib.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        snippet = response.content[:80].decode("utf-8", "replace")
        raise MalformedResponse(
            f"expected JSON, got {snippet!r} ({exc})", network=network, status=response.status_code
        ) from None


def now_utc(deps: ChannelDeps) -> datetime:
    """The injected clock as an aware datetime."""
    return utc_from_epoch(deps.clock.time())


class ApiSession:
    """Calls one network for one account through one httpx client."""

    def __init__(
        self,
        *,
        network: Network,
        account: str,
        http: httpx.Client,
        deps: ChannelDeps,
        map_error: ErrorMapper,
        parse_limits: LimitParser,
    ) -> None:
        self.network = network
        self.account = account
        self.http = http
        self.deps = deps
        self._map_error = map_error
        self._parse_limits = parse_limits

    def request(
        self,
        method: str,
        path: str,
        *,
        endpoint: str,
        operation: Operation,
        params: Any = None,
        json: Any = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        items: ItemIds | None = None,
        ref: str | None = None,
    ) -> ApiResponse:
        """Send, waiting out rate limits and retrying transient failures when that is safe.

        A request that is not idempotent (creating a post) is repeated only when the error
        proves the network never processed it (429, failed connect), so no post is doubled.
        """
        retry = self.deps.retry
        safe_to_repeat = method.upper() in _IDEMPOTENT if idempotent is None else idempotent
        attempt = 0
        rate_limit_waits = 0
        waited_for_reset = False
        while True:
            if not waited_for_reset:
                self._wait_for_known_reset(endpoint)
            waited_for_reset = False
            try:
                response = self.http.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    data=dict(form) if form is not None else None,
                    headers=dict(headers or {}),
                )
            except httpx.TransportError as exc:
                error: ChannelError = transport_error(exc, self.network)
            else:
                limit = self._parse_limits(response.headers, endpoint)
                if limit is not None:
                    self.deps.book.record(self.account, limit)
                if response.is_success:
                    try:
                        data = decode_json(response, self.network)
                    except MalformedResponse as exc:
                        self._report(method, endpoint, operation, response.status_code, (), ref)
                        error = exc
                    else:
                        ids = _item_ids(items, data, endpoint) if items else ()
                        self._report(method, endpoint, operation, response.status_code, ids, ref)
                        return ApiResponse(response.status_code, data, response.headers)
                else:
                    self._report(method, endpoint, operation, response.status_code, (), ref)
                    error = self._map_error(response, self.deps.clock.time())
            if isinstance(error, RateLimited):
                self._notice_rate_limit(error)
                if (
                    error.retry_after <= retry.max_rate_limit_wait
                    and rate_limit_waits < retry.max_rate_limit_waits
                ):
                    rate_limit_waits += 1
                    self.deps.clock.sleep(error.retry_after)
                    waited_for_reset = True
                    continue
                raise error
            if (
                isinstance(error, TransientError)
                and attempt + 1 < retry.max_attempts
                and (safe_to_repeat or not error.request_may_have_arrived)
            ):
                delay = max(retry.backoff(attempt), error.retry_after or 0.0)
                attempt += 1
                self.deps.clock.sleep(delay)
                continue
            raise error

    def _wait_for_known_reset(self, endpoint: str) -> None:
        """When the last answer said the window is used up, wait for the reset first."""
        limit = self.deps.book.get(self.account, endpoint)
        if limit is None or not limit.exhausted:
            return
        now = self.deps.clock.time()
        wait = limit.seconds_until_reset(now)
        if wait <= 0:
            return
        error = RateLimited(
            f"no calls left on {endpoint} until the window resets",
            network=self.network,
            status=None,
            retry_after=wait + 0.5,
            reset_at=limit.reset_at,
            limit=limit.limit,
        )
        self._notice_rate_limit(error)
        if wait > self.deps.retry.max_rate_limit_wait:
            raise error
        self.deps.clock.sleep(error.retry_after)

    def _notice_rate_limit(self, error: RateLimited) -> None:
        reset = utc_from_epoch(error.reset_at) if error.reset_at is not None else None
        self.deps.observer.on_health(
            HealthNotice(
                network=self.network,
                account=self.account,
                kind=HealthKind.RATE_LIMITED,
                message=f"rate limit exhausted; calls resume in {error.retry_after:.0f} s",
                at=now_utc(self.deps),
                reset_at=reset,
            )
        )

    def _report(
        self,
        method: str,
        endpoint: str,
        operation: Operation,
        status: int,
        ids: tuple[str, ...],
        ref: str | None,
    ) -> None:
        self.deps.observer.on_api_call(
            ApiCall(
                network=self.network,
                account=self.account,
                operation=operation,
                method=method.upper(),
                endpoint=endpoint,
                status=status,
                at=now_utc(self.deps),
                items=len(ids),
                native_ids=ids,
                ref=ref,
            )
        )


@contextmanager
def reporting_auth_failures(deps: ChannelDeps, network: Network, account: str) -> Iterator[None]:
    """Turn an auth failure leaving a provider into a health notice, then let it propagate."""
    try:
        yield
    except AuthError as exc:
        kind = HealthKind.AUTH_EXPIRED if isinstance(exc, AuthExpired) else HealthKind.AUTH_REVOKED
        deps.observer.on_health(
            HealthNotice(
                network=network,
                account=account,
                kind=kind,
                message=str(exc),
                at=now_utc(deps),
            )
        )
        raise
