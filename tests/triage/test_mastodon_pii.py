"""Mastodon posts with no personal data are not flagged: a `@user@instance` mention, a status
link and the text the HTML cleaner makes of them are handles and links, never emails, phones
or account numbers (issue 9: the PII flag on every Mastodon mention started a move to DM)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from atdesk.channels.mastodon.html import html_to_text
from atdesk.domain.triage import TriageInput
from atdesk.respond.pii import KnownPii
from atdesk.triage.baseline import RulesTriager
from atdesk.triage.entities import extract_entities, find_emails
from atdesk.triage.service import get_triager

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
# A status as Mastodon serves it: a remote mention, a hashtag, and a link to another status
# whose long URL Mastodon splits into invisible and ellipsis spans.
STATUS_HTML = (
    '<p><span class="h-card" translate="no"><a href="https://social.example/@cable" '
    'class="u-url mention">@<span>cable</span></a></span> internet down since this morning in '
    'Eastside, any <a href="https://fosstodon.example/tags/outage" class="mention hashtag" '
    'rel="tag">#<span>outage</span></a>? same as '
    '<a href="https://fosstodon.example/@lena@mastodon.example/112233445566778801" '
    'rel="nofollow noopener" target="_blank"><span class="invisible">https://</span>'
    '<span class="ellipsis">fosstodon.example/@lena@mastodon.exa</span>'
    '<span class="invisible">mple/112233445566778801</span></a></p>'
)
MENTIONS = [{"acct": "cable@social.example", "url": "https://social.example/@cable"}]
NO_PII = [
    # The demo's Mastodon traffic, as the emulator stores it.
    "@cable@social.example internet down since this morning in Eastside, any outage?",
    "@city@social.example there's a gas smell near the school on Elm Street, please send someone",
    # Several handles, one of them the customer's own, and a status link with an acct in it.
    "@cable@social.example @dana@example.net see https://fosstodon.example/@lena@mastodon.example"
    "/112233445566778801 for the same outage",
    "@cable hi, same as https://social.example/@lena/112233445566778801",
]


def cleaned_status() -> str:
    """The words triage sees for STATUS_HTML."""
    return html_to_text(STATUS_HTML, MENTIONS)


def test_the_html_cleaner_spells_the_mention_as_an_acct() -> None:
    text = cleaned_status()
    assert text.startswith("@cable@social.example internet down")
    assert "https://fosstodon.example/@lena@mastodon.example/112233445566778801" in text


@pytest.mark.parametrize("text", [*NO_PII, cleaned_status()])
def test_handles_and_status_links_are_not_personal_data(text: str) -> None:
    entities, pii = extract_entities(text, NOW)
    assert (entities.emails, entities.phones, entities.account_numbers) == ([], [], [])
    assert pii is False


@pytest.mark.parametrize("text", [*NO_PII, cleaned_status()])
def test_the_shipped_and_keyword_triagers_do_not_flag_them(text: str) -> None:
    for triager in (get_triager(), RulesTriager()):
        result = triager.triage(TriageInput(text=text, created_at=NOW))
        assert result.pii is False, (type(triager).__name__, result.entities)


def test_a_real_address_in_a_mastodon_post_still_counts() -> None:
    text = "@cable@social.example please write to dana.reyes@example.net about my bill"
    entities, pii = extract_entities(text, NOW)
    assert entities.emails == ["dana.reyes@example.net"] and pii is True
    assert find_emails("mail lena@example.com or @lena@example.com") == ["lena@example.com"]


def test_the_reply_guard_does_not_take_the_brand_acct_for_the_customer_email() -> None:
    known = KnownPii()
    known.add_text(NO_PII[0])
    assert known.emails == set()
