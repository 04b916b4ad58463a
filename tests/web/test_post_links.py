"""Addresses that come from posts become links only when they are http(s): a post's
`javascript:` (or data:, vbscript:, relative) media URL is shown as text, never as an href."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from atdesk.models import Author, Case
from atdesk.storage.session import transaction
from atdesk.ui.templating import web_link
from tests.factories import post, run
from tests.web.conftest import Workspace

HOSTILE = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "/cases/1/resolve",
    "//evil.example/x.png",
    "https:/no-host",
]
FINE = ["https://pbs.twimg.com/media/abc.jpg", "http://files.example.org/a.png?x=1"]


@pytest.mark.parametrize("url", HOSTILE)
def test_anything_but_an_absolute_web_address_is_not_a_link(url: str) -> None:
    assert not web_link(url)


@pytest.mark.parametrize("url", FINE)
def test_http_and_https_addresses_are_links(url: str) -> None:
    assert web_link(url)


def test_a_javascript_media_url_in_a_post_is_shown_as_text(workspace: Workspace) -> None:
    with transaction(workspace.settings.database_url) as session:
        run(
            session,
            post(
                "90",
                "@acmehelp see the attached screenshot",
                author="4600000001",
                handle="mallory",
                to="acmehelp",
                media=[*HOSTILE, *FINE],
            ),
        )
        author = session.scalars(select(Author).where(Author.handle == "mallory")).one()
        case_id = session.scalars(select(Case.id).where(Case.customer_author_id == author.id)).one()
    page = workspace.login("ana").get(f"/cases/{case_id}").text
    media = page[page.index('<div class="media">') :]
    media = media[: media.index("</div>")]
    links = re.findall(r'href="([^"]*)"', media)
    assert links == FINE, "only the http(s) addresses are links"
    assert "javascript:" not in "".join(links).lower()
    assert media.count('data-testid="media-text"') == len(HOSTILE), "the rest is shown as text"
    assert "javascript:alert(document.cookie)" in media
    assert "<script>alert(1)</script>" not in media, "and escaped"
