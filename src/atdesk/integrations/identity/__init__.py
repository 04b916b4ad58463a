"""Customer identity: prove that a social handle belongs to a customer record."""

from atdesk.integrations.identity.crm_lookup import (
    CrmCustomer,
    CustomerFound,
    LookupFailed,
    LookupOutcome,
    UnknownCustomer,
    lookup_customer,
)
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
    "CrmCustomer",
    "CustomerFound",
    "IssuedVerification",
    "LookupFailed",
    "LookupOutcome",
    "UnknownCustomer",
    "VerificationClaim",
    "VerificationError",
    "VerificationExpired",
    "VerificationInvalid",
    "issue_verification",
    "lookup_customer",
    "verification_link",
    "verify_verification",
]
