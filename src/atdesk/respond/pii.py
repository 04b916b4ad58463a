"""The PII guard: a public reply must never show the customer's phone, email, account or address.

Values known to belong to this customer (their CRM record and what they wrote, in public or
in private) block a public reply outright; other personal-looking data in a public reply
needs the agent to confirm it is the brand's own (a support number, say). Detection uses
triage's entity finders, so the guard and the triage labels agree on what PII looks like.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from atdesk.triage.entities import (
    find_account_numbers,
    find_addresses,
    find_emails,
    find_phones,
)

_DIGIT_RUN = re.compile(r"\d[\d\s().+\-/]{4,}\d")
_ALNUM = re.compile(r"[^0-9A-Za-z]")
MIN_DIGITS = 6


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def _alnum(value: str) -> str:
    return _ALNUM.sub("", value).upper()


@dataclass(slots=True)
class KnownPii:
    """What is known to be this customer's personal data."""

    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    account_numbers: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)

    def add_phone(self, value: str | None) -> None:
        """Phones compare by their digits."""
        digits = _digits(value or "")
        if len(digits) >= MIN_DIGITS:
            self.phones.add(digits)

    def add_email(self, value: str | None) -> None:
        """Emails compare case-insensitively; masked placeholders are not real values."""
        if value and "@" in value:
            self.emails.add(value.strip().lower())

    def add_account(self, value: str | None) -> None:
        """Account numbers compare by letters and digits only."""
        cleaned = _alnum(value or "")
        if len(cleaned) >= 5 and any(c.isdigit() for c in cleaned):
            self.account_numbers.add(cleaned)

    def add_address(self, value: str | None) -> None:
        """Addresses compare by lower-cased words."""
        words = " ".join((value or "").lower().split())
        if len(words) >= 6 and any(c.isdigit() for c in words):
            self.addresses.add(words)

    def add_text(self, text: str) -> None:
        """Everything personal the customer wrote themselves."""
        for phone in find_phones(text):
            self.add_phone(phone)
        for email in find_emails(text):
            self.add_email(email)
        for number in find_account_numbers(text):
            self.add_account(number)
        for address in find_addresses(text):
            self.add_address(address)

    def add_entities(self, entities: dict[str, Iterable[str]]) -> None:
        """What triage stored for one of the customer's posts."""
        for phone in entities.get("phones", []):
            self.add_phone(phone)
        for email in entities.get("emails", []):
            self.add_email(email)
        for number in entities.get("account_numbers", []):
            self.add_account(number)


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data in a draft; `customers` means it is this customer's own."""

    kind: str
    value: str
    customers: bool


def check_public_reply(text: str, known: KnownPii, *, allowed: Iterable[str] = ()) -> list[Finding]:
    """Personal data in a draft meant for public: the customer's (block) and other (confirm)."""
    allowed_digits = {_digits(a) for a in allowed if _digits(a)}
    allowed_text = {a.strip().lower() for a in allowed}
    findings: list[Finding] = []

    def add(kind: str, value: str, customers: bool) -> None:
        if not any(f.value == value for f in findings):
            findings.append(Finding(kind, value, customers))

    lowered = text.lower()
    for email in known.emails:
        if email in lowered:
            add("email", email, True)
    squashed = _alnum(text)
    for number in known.account_numbers:
        if number in squashed:
            add("account number", number, True)
    for run in _DIGIT_RUN.findall(text) + find_phones(text):
        digits = _digits(run)
        if len(digits) < MIN_DIGITS:
            continue
        for phone in known.phones:
            if phone.endswith(digits[-9:]) or digits.endswith(phone[-9:]):
                add("phone", run.strip(), True)
    normalised = " ".join(lowered.split())
    for address in known.addresses:
        if address in normalised:
            add("address", address, True)
    for email in find_emails(text):
        if "@" in email and email.lower() not in allowed_text:
            add("email", email, email.lower() in known.emails)
    for phone in find_phones(text):
        if _digits(phone) not in allowed_digits and not any(
            _digits(phone).endswith(d[-9:]) for d in allowed_digits if len(d) >= MIN_DIGITS
        ):
            add("phone", phone, False)
    for number in find_account_numbers(text):
        add("account number", number, _alnum(number) in known.account_numbers)
    for address in find_addresses(text):
        add("address", address, False)
    return _customer_first(findings)


def _customer_first(findings: list[Finding]) -> list[Finding]:
    """A value found twice keeps its strongest verdict (the customer's own)."""
    by_kind_value: dict[tuple[str, str], Finding] = {}
    for f in findings:
        key = (f.kind, _digits(f.value)[-9:] if f.kind == "phone" else _alnum(f.value))
        current = by_kind_value.get(key)
        if current is None or (f.customers and not current.customers):
            by_kind_value[key] = f
    return sorted(by_kind_value.values(), key=lambda f: (not f.customers, f.kind))
