"""Public addresses of stored posts on each network, or None when they cannot be known."""

from __future__ import annotations

from atdesk.channels.permalinks import post_url


def test_x_posts_link_to_their_status() -> None:
    assert post_url("x", "1860000000000000113", "nina_s") == (
        "https://x.com/nina_s/status/1860000000000000113"
    )
    # A replay author known only by a number: X redirects i/web to the author.
    assert post_url("x", "21", "115913") == "https://x.com/i/web/status/21"
    assert post_url("x", "dm-42", "nina_s") is None


def test_bluesky_posts_link_from_their_at_uri() -> None:
    uri = "at://did:plc:jo0000000000000000000000/app.bsky.feed.post/3lzdemo00001"
    assert post_url("bluesky", uri, "jo.bsky.social") == (
        "https://bsky.app/profile/jo.bsky.social/post/3lzdemo00001"
    )
    assert post_url("bluesky", uri, "") == (
        "https://bsky.app/profile/did:plc:jo0000000000000000000000/post/3lzdemo00001"
    )
    assert post_url("bluesky", "convo-1", "jo.bsky.social") is None


def test_mastodon_posts_use_the_status_url_or_the_instance_of_the_handle() -> None:
    raw = {"status": {"url": "https://fosstodon.example/@lena/112233445566778801"}}
    assert post_url("mastodon", "112233445566778801", "lena@fosstodon.example", raw) == (
        "https://fosstodon.example/@lena/112233445566778801"
    )
    assert post_url("mastodon", "1122", "lena@fosstodon.example") == (
        "https://fosstodon.example/@lena/1122"
    )
    assert post_url("mastodon", "1122", "lena") is None
    hostile = {"status": {"url": "javascript:alert(1)"}}
    assert post_url("mastodon", "1122", "lena", hostile) is None
