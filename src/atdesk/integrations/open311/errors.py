"""What can go wrong talking to a city's Open311 server, each error naming the next step."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NextAction(StrEnum):
    """What the caller should do with a failed call."""

    RETRY_LATER = "retry_later"
    FIX_CONFIG = "fix_config"
    GIVE_UP = "give_up"


@dataclass(frozen=True, slots=True)
class CityError:
    """One entry of the spec's error array; `code` need not equal the HTTP status."""

    code: str
    description: str


class Open311Error(Exception):
    """Base of every Open311 failure; `next_action` tells the job what to do."""

    next_action: NextAction = NextAction.GIVE_UP

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        errors: tuple[CityError, ...] = (),
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.errors = errors

    @property
    def city_description(self) -> str:
        """The city's own words, joined, for the agent who takes the case over."""
        return "; ".join(e.description for e in self.errors if e.description)


class Open311Unavailable(Open311Error):
    """The server is down, slow or overloaded (5xx, timeout, connection refused): retry later."""

    next_action = NextAction.RETRY_LATER

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        errors: tuple[CityError, ...] = (),
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, errors=errors)
        self.retry_after_s = retry_after_s


class Open311BadResponse(Open311Unavailable):
    """The server answered with a body that is not GeoReport v2; usually transient: retry later."""


class Open311ConfigError(Open311Error):
    """403: the api_key is missing or refused; an admin must fix the integration settings."""

    next_action = NextAction.FIX_CONFIG


class Open311NotFound(Open311Error):
    """404: unknown service code, request id or jurisdiction; retrying the same call won't help."""

    next_action = NextAction.GIVE_UP


class Open311Rejected(Open311Error):
    """400: the city refused the request as sent; show its description to an agent and stop."""

    next_action = NextAction.GIVE_UP
