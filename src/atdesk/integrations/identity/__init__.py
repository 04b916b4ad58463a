"""Customer identity: prove that a social handle belongs to a customer record."""

from atdesk.integrations.identity.verification import (
    IssuedVerification,
    VerificationClaim,
    VerificationError,
    VerificationExpired,
    VerificationInvalid,
    issue_verification,
    verification_link,
    verify_verification,
)

__all__ = [
    "IssuedVerification",
    "VerificationClaim",
    "VerificationError",
    "VerificationExpired",
    "VerificationInvalid",
    "issue_verification",
    "verification_link",
    "verify_verification",
]
