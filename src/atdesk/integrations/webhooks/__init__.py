"""Outbound webhooks: signed JSON events for subscribers such as a callback dialer."""

from atdesk.integrations.webhooks.sender import (
    Delivered,
    DeliveryOutcome,
    GiveUp,
    RetryLater,
    WebhookEvent,
    deliver,
)
from atdesk.integrations.webhooks.signing import (
    SIGNATURE_HEADER,
    MalformedSignature,
    MissingSignature,
    SignatureError,
    SignatureExpired,
    SignatureMismatch,
    VerifiedSignature,
    sign,
    verify,
)

__all__ = [
    "SIGNATURE_HEADER",
    "Delivered",
    "DeliveryOutcome",
    "GiveUp",
    "MalformedSignature",
    "MissingSignature",
    "RetryLater",
    "SignatureError",
    "SignatureExpired",
    "SignatureMismatch",
    "VerifiedSignature",
    "WebhookEvent",
    "deliver",
    "sign",
    "verify",
]
