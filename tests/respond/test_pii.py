"""The PII guard keeps the customer's personal data out of public replies."""

from __future__ import annotations

from atdesk.respond.pii import KnownPii, check_public_reply


def customer() -> KnownPii:
    known = KnownPii()
    known.add_phone("+1 (415) 555-0142")
    known.add_email("Dana.R@example.com")
    known.add_account("ACCT-7781-2290")
    known.add_text("I live at 42 Harbor Street, please send the card there")
    return known


def kinds(text: str, **kw: object) -> list[tuple[str, bool]]:
    return [(f.kind, f.customers) for f in check_public_reply(text, customer(), **kw)]  # type: ignore[arg-type]


def test_the_customers_own_data_is_recognised_however_it_is_written() -> None:
    assert ("phone", True) in kinds("We'll call you on 415.555.0142 today")
    assert ("email", True) in kinds("We emailed dana.r@example.com")
    assert ("account number", True) in kinds("Account acct 7781 2290 is unlocked")
    assert ("address", True) in kinds("A courier goes to 42 harbor street tomorrow")


def test_other_personal_looking_data_asks_for_confirmation_unless_it_is_the_brands() -> None:
    found = kinds("Call our team at +1 212 555 0199 or write to help@acme.example")
    assert found and all(not theirs for _, theirs in found)
    assert (
        kinds(
            "Call our team at +1 212 555 0199",
            allowed=["+1 212 555 0199"],
        )
        == []
    )


def test_a_plain_reply_passes() -> None:
    assert kinds("Sorry about that! We're looking into it now.") == []
