"""Suggested replies come from how the brand answered the most similar past cases, and never
carry another customer's data: only clean replies, with the current customer's first name."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from atdesk.config import Settings
from atdesk.models import Author, Case
from atdesk.respond.reusable import SourceCustomer, Where, reusable_reply
from atdesk.respond.suggest import STOPWORDS, suggest_replies, suggestions_for
from atdesk.storage.session import transaction
from tests.cases.factories import staff
from tests.factories import brand_reply, make_brand, post, run
from tests.respond.suggestion_cases import (
    AUTOMATED,
    CLEAN_FOR_LUCIA,
    FORBIDDEN,
    lucia_case,
    seed_past_cases,
    send_automated_answer,
)

WRITTEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MARIA = SourceCustomer.of(["Maria Lopez"], ["maria_l"], STOPWORDS)
ON_X = Where("x", "x", frozenset(["acmehelp"]), WRITTEN)


def test_the_most_similar_past_case_leads_and_mentions_are_dropped(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        run(
            session,
            post(
                "1",
                "@acmehelp my parcel never arrived, tracking says delivered",
                author="11",
                handle="a",
            ),
            brand_reply(
                "2",
                "@a Sorry! We'll open a missing parcel claim today.",
                minutes=5,
                in_reply_to="1",
            ),
            post("3", "@acmehelp the app crashes when I open my basket", author="12", handle="b"),
            brand_reply(
                "4",
                "@b Please update the app; the new version fixes the crash.",
                minutes=5,
                in_reply_to="3",
            ),
            post(
                "5",
                "@acmehelp tracking says delivered but no parcel here",
                author="13",
                handle="c",
                minutes=60,
            ),
        )
        author = session.scalars(select(Author).where(Author.handle == "c")).one()
        case = session.scalars(select(Case).where(Case.customer_author_id == author.id)).one()
        found = suggest_replies(session, case, "tracking says delivered but no parcel here")
        assert [s.text for s in found][:1] == ["Sorry! We'll open a missing parcel claim today."]
        assert all(s.source_case_id != case.id for s in found)
        assert suggest_replies(session, case, "zzz qqq") == []
    assert reusable_reply("@a @b  Thanks for waiting!", MARIA, ON_X) == "Thanks for waiting!"


def test_only_clean_replies_are_suggested_with_this_customers_first_name(
    settings: Settings,
) -> None:
    """Verification link, token link, phone, email, order number, address, time slot,
    surname, another network's words and an automated message: none of them is offered."""
    with transaction(settings.database_url) as session:
        make_brand(session)
        seed_past_cases(session)
    send_automated_answer(settings)
    with transaction(settings.database_url) as session:
        agent = staff(session, "ana", display_name="Ana")
        case = lucia_case(session)
        templates = suggest_replies(
            session, case, "my parcel is late, where is my parcel?", limit=20
        )
        found = suggestions_for(session, case, agent, limit=20)
    assert {s.text for s in found} == CLEAN_FOR_LUCIA
    assert {s.text.replace("{first_name}", "Lucia") for s in templates} == CLEAN_FOR_LUCIA
    assert sum("{first_name}" in s.text for s in templates) == 2, "names travel as placeholders"
    assert all(s.source_case_id != case.id and 0 < s.score <= 1 for s in found)
    for s in found:
        assert not [bad for bad in FORBIDDEN if bad in s.text], s.text
    tess = SourceCustomer.of(["Tess Hale"], ["tess_h"], STOPWORDS)
    assert reusable_reply(AUTOMATED, tess, ON_X), "only being automated keeps it out"
    assert AUTOMATED.replace("Tess", "Lucia") not in {s.text for s in found}


def test_a_mastodon_case_gets_the_same_rules(settings: Settings) -> None:
    """Cross-network both ways: X answers reach a Mastodon case with its customer's name,
    no past customer's handle or link comes along, and Mastodon's own words stay usable there
    (the "toot" answer left out of the X case)."""
    with transaction(settings.database_url) as session:
        make_brand(session)
        seed_past_cases(session)
        agent = staff(session, "ana", display_name="Ana")
        case = lucia_case(session, network="mastodon")
        found = suggestions_for(session, case, agent, limit=20)
    on_mastodon = "Sorry for the late parcel! Boost this toot so others know about the delay."
    assert {s.text for s in found} == CLEAN_FOR_LUCIA | {on_mastodon}
    assert not [s.text for s in found if "social.example" in s.text or "http" in s.text]


def test_what_makes_a_reply_unusable_for_another_customer() -> None:
    """Each rule on its own, with the reason it exists."""
    cross = Where("mastodon", "x", frozenset(["acmehelp"]), WRITTEN)
    to_mastodon = Where("x", "mastodon", frozenset(["acmehelp"]), WRITTEN)
    kept = {
        "@maria_l Thanks Maria! We're on it.": "Thanks {first_name}! We're on it.",
        "Thanks @maria_l, we're on it for you.": "Thanks {first_name}, we're on it for you.",
        "Hi Sarah, could you tell us more?": "Hi {first_name}, could you tell us more?",
        "Sorry to hear that, Sarah. Tell us more?": "Sorry to hear that, {first_name}. Tell us more?",
        "Please ask @acmehelp, they can help": "Please ask @acmehelp, they can help",
        "We'll fix it in 24 hours, promise.": "We'll fix it in 24 hours, promise.",
        "See https://help.example/late-parcels-and-returns for the steps": (
            "See https://help.example/late-parcels-and-returns for the steps"
        ),
    }
    for text, expected in kept.items():
        assert reusable_reply(text, MARIA, ON_X) == expected, text
    dropped = [
        "Please ask @bobby about it, he can help",  # a third party
        "Sorry maria_l, we're fixing it now",  # her handle without the @
        "Sorry Maria Lopez, we're on it",  # her surname
        "Our travel line is open 24 hours on 0343 222 1234, thanks",  # a UK phone
        "We'll call you tomorrow at 5pm about it",  # a time slot
        "The courier comes on Monday, sorry!",  # a day
        "Hi Maria, we've sent you a private message so your details stay safe.",  # move to DM
        "Please send us a DM: https://x.com/messages/compose?recipient_id=12",  # a DM link
        "Her post is here: https://social.example/@pia/1099 have a look",  # someone's post
        "Sign in with https://desk.example/p/eyJhbGciOiJIUzI1NiJ9abcdef to go on",  # a token
    ]
    for text in dropped:
        assert reusable_reply(text, MARIA, ON_X) is None, text
    assert reusable_reply("Please retweet this so others know", MARIA, to_mastodon) is None
    assert reusable_reply("Boost our toot so others know", MARIA, cross) is None
    assert reusable_reply("Boost our toot so others know", MARIA, ON_X) is not None
