"""Ask a brand's own CRM who a social handle is, through a signed lookup webhook.

atdesk POSTs `{"network", "handle", "author_id"}` signed like every outbound webhook; the CRM
answers 200 `{"customer": {"external_id", "name", "email", "phone", ...}}`, or 404 (or
`{"customer": null}`) when it does not know the handle. Contact fields stay on the agent's
side of the product: they are never written into a public reply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from atdesk.integrations.webhooks.signing import SIGNATURE_HEADER, sign

DEFAULT_TIMEOUT_S = 5.0
_KNOWN = ("external_id", "name", "email", "phone")


@dataclass(frozen=True, slots=True)
class CrmCustomer:
    """The CRM's record for a handle; `extra` keeps fields atdesk does not model."""

    external_id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CustomerFound:
    """The CRM knows this handle."""

    customer: CrmCustomer


@dataclass(frozen=True, slots=True)
class UnknownCustomer:
    """The CRM does not know this handle: offer the verification link instead."""


@dataclass(frozen=True, slots=True)
class LookupFailed:
    """No answer to rely on; `retryable` says whether asking again later may help."""

    reason: str
    retryable: bool


LookupOutcome = CustomerFound | UnknownCustomer | LookupFailed


def lookup_customer(
    url: str,
    *,
    secret: str,
    network: str,
    handle: str,
    author_native_id: str,
    http: httpx.Client,
    now: datetime | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> LookupOutcome:
    """Ask the CRM at `url` about one author; never raises for network or CRM trouble."""
    body = json.dumps(
        {"network": network, "handle": handle, "author_id": author_native_id},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, secret, now=now or datetime.now(UTC)),
    }
    try:
        response = http.post(url, content=body, headers=headers, timeout=timeout_s)
    except httpx.TimeoutException:
        return LookupFailed(f"the CRM did not answer within {timeout_s:g}s", retryable=True)
    except httpx.RequestError as exc:
        return LookupFailed(f"could not reach the CRM ({exc})", retryable=True)
    status = response.status_code
    if status == 404:
        return UnknownCustomer()
    if status in (401, 403):
        return LookupFailed(
            f"the CRM refused atdesk's request ({status}); check the shared secret", retryable=False
        )
    if status == 429 or status >= 500:
        return LookupFailed(f"the CRM answered {status}; ask again later", retryable=True)
    if status != 200:
        return LookupFailed(
            f"the CRM answered {status}; check its lookup endpoint", retryable=False
        )
    return _read(response)


def _read(response: httpx.Response) -> LookupOutcome:
    try:
        data = response.json()
    except ValueError:
        return LookupFailed(
            "the CRM's answer is not JSON; check its lookup endpoint", retryable=False
        )
    record = data.get("customer") if isinstance(data, dict) else None
    if record is None:
        return UnknownCustomer()
    if not isinstance(record, dict) or not record.get("external_id"):
        return LookupFailed("the CRM's answer has no customer.external_id", retryable=False)
    return CustomerFound(
        CrmCustomer(
            external_id=str(record["external_id"]),
            name=_optional(record.get("name")),
            email=_optional(record.get("email")),
            phone=_optional(record.get("phone")),
            extra={k: v for k, v in record.items() if k not in _KNOWN},
        )
    )


def _optional(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
