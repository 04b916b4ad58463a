"""What can go wrong when talking to a network, as a small hierarchy that says what to do next.

Each client maps its network's low-level failures (HTTP status, error body, transport error)
to these classes in exactly one place (`<network>/errors.py`); callers only ever catch these.
The 429 and 5xx answers mean the same on every network and are read once, by
`throttled_or_down`, which each of those mappers asks first.
"""

from __future__ import annotations

from typing import ClassVar

import httpx

from atdesk.channels.clock import utc_from_epoch
from atdesk.channels.ratelimits import PARSERS, wait_for_reset
from atdesk.domain.networks import Network
from atdesk.domain.retry import parse_retry_after


class ChannelError(Exception):
    """Base of every channel failure; `advice` tells the operator what to do next."""

    advice: ClassVar[str] = "see the message"

    def __init__(
        self, message: str, *, network: Network | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.network = network
        self.status = status

    def __str__(self) -> str:
        where = f"{self.network.value}: " if self.network else ""
        code = f" (HTTP {self.status})" if self.status else ""
        return f"{where}{self.args[0]}{code}; {self.advice}"


class TransientError(ChannelError):
    """The request may succeed if repeated later; `request_may_have_arrived` guards retries."""

    advice = "retry later"

    def __init__(
        self,
        message: str,
        *,
        network: Network | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        request_may_have_arrived: bool = True,
    ) -> None:
        super().__init__(message, network=network, status=status)
        self.retry_after = retry_after
        self.request_may_have_arrived = request_may_have_arrived


class RateLimited(TransientError):
    """The network refused the call until `reset_at` (epoch seconds); nothing was processed."""

    advice = "wait until the rate-limit window resets"

    def __init__(
        self,
        message: str,
        *,
        network: Network | None = None,
        status: int | None = 429,
        retry_after: float,
        reset_at: float | None = None,
        limit: int | None = None,
    ) -> None:
        super().__init__(
            message,
            network=network,
            status=status,
            retry_after=retry_after,
            request_may_have_arrived=False,
        )
        self.retry_after: float = retry_after
        self.reset_at = reset_at
        self.limit = limit


class TransientServerError(TransientError):
    """A 5xx answer: the network is having trouble."""

    advice = "retry with backoff; if it lasts, check the network's status page"


class Unreachable(TransientError):
    """No usable answer at all: connection refused or reset, timeout, dropped stream."""

    advice = "retry with backoff; check the base URL and connectivity"


class MalformedResponse(TransientError):
    """The answer was not the JSON the wire format promises."""

    advice = "retry; if it repeats, capture the body and report it"


class AuthError(ChannelError):
    """The credentials do not work any more."""

    advice = "reconnect the account in the admin page"


class AuthExpired(AuthError):
    """The token timed out; a refresh or a new login fixes it."""

    advice = "refresh the token, or sign the account in again"


class AuthRevoked(AuthError):
    """The token or app password was revoked or is wrong; only an admin can fix it."""

    advice = "an admin must reconnect the account with new credentials"


class PermanentError(ChannelError):
    """The request itself is wrong or refused; repeating it will not help."""

    advice = "do not retry; fix the request"


class InvalidRequest(PermanentError):
    """The network rejected the parameters or the text (400/422)."""

    advice = "fix the request (text length, parameters) before sending again"


class NotPermitted(PermanentError):
    """The network forbids this action for this account (403), e.g. X's reply rule."""

    advice = "use another way to answer (a direct message, or wait for a mention)"


class NotFound(PermanentError):
    """The post, user or conversation does not exist (any more)."""

    advice = "the network does not know it (deleted, or never there); close or update the case"


NETWORK_NAMES = {Network.X: "X", Network.MASTODON: "Mastodon", Network.BLUESKY: "Bluesky"}


class UnknownPost(NotFound):
    """The post a reply answers is unknown to the network: deleted, hidden, or never there."""

    advice = "answer by private message instead, or close the case"

    def __init__(self, native_id: str, *, network: Network, status: int | None = None) -> None:
        name = NETWORK_NAMES.get(network, network.value)
        super().__init__(
            f"{name} does not know post {native_id} (it may be deleted or never existed)",
            network=network,
            status=status,
        )
        self.native_id = native_id

    def __str__(self) -> str:
        code = f" (HTTP {self.status})" if self.status else ""
        return f"{self.args[0]}{code}; {self.advice}"


class Unsupported(PermanentError):
    """The network has no such feature (e.g. webhooks on Mastodon)."""

    advice = "use polling or streaming for this network"


class WebhookRejected(ChannelError):
    """An inbound webhook failed verification; answer with `status` and store nothing."""

    advice = "check the consumer secret configured for this webhook"


class MalformedDelivery(WebhookRejected):
    """A verified webhook body that has not the wire format's shape: 400, nothing stored."""

    advice = "nothing was stored; the sender must send the documented shape"


def throttled_or_down(
    response: httpx.Response,
    now: float,
    *,
    network: Network,
    text: str,
    default_wait: float,
    says_rate_limited: bool = False,
) -> RateLimited | TransientServerError | None:
    """The 429 and 5xx answers, read the same way for every network (ADR 23); None otherwise.

    A 429 (or a body that `says_rate_limited`) waits until the window's reset in the
    network's rate-limit headers, else Retry-After, else `default_wait`; a 5xx keeps the
    server's Retry-After, if any. Each network maps its other statuses itself.
    """
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("retry-after"), now=utc_from_epoch(now))
    if status == 429 or says_rate_limited:
        limit = PARSERS[network](response.headers, "")
        reset_at = limit.reset_at if limit else None
        return RateLimited(
            text,
            network=network,
            retry_after=wait_for_reset(reset_at, now, retry_after or default_wait),
            reset_at=reset_at,
            limit=limit.limit if limit else None,
        )
    if status >= 500:
        return TransientServerError(text, network=network, status=status, retry_after=retry_after)
    return None


class MalformedEvent(ValueError):
    """A payload lacks what the wire format promises; the event is reported, not stored."""


# What a parser trips on when a payload has the wrong shape (a string where an object belongs,
# a list instead of an object, a missing key): mapped to MalformedEvent, never a crash.
SHAPE_ERRORS = (AttributeError, TypeError, KeyError, IndexError)


def json_kind(value: object) -> str:
    """How JSON would name a value, for messages about the wrong shape."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


def shape_problem(exc: Exception) -> str:
    """What a payload of the wrong shape made a parser trip on, in words."""
    if isinstance(exc, AttributeError) and exc.obj is not None:
        return f"found {json_kind(exc.obj)} where an object was expected"
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    if isinstance(exc, IndexError):
        return "a list is shorter than the format requires"
    return f"a field has the wrong type ({exc})"
