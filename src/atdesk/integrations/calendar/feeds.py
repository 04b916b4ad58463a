"""Keys for the iCalendar feed URLs of a brand's callbacks (for a dialer) and appointments.

Calendar apps cannot log in, so each feed URL carries a key: an HMAC of the feed's name with
ATDESK_SECRET_KEY. Changing the secret key revokes every feed URL at once.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

KINDS = ("callbacks", "appointments")
KEEP_CLOSED = timedelta(days=7)


def feed_key(secret_key: str, kind: str, brand_id: int) -> str:
    """The key that opens one brand's feed of one kind."""
    message = f"atdesk.feed.v1:{kind}:{brand_id}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def check_key(secret_key: str, kind: str, brand_id: int, key: str) -> bool:
    """Whether `key` opens this feed (constant-time)."""
    # Bytes: compare_digest refuses str with non-ASCII characters (a 500 for `?key=é`).
    given = key.encode("utf-8", "surrogatepass")
    return kind in KINDS and hmac.compare_digest(
        feed_key(secret_key, kind, brand_id).encode(), given
    )


def feed_path(secret_key: str, kind: str, brand_id: int) -> str:
    """The feed's path with its key, for the pages that show it to staff."""
    return f"/feeds/{brand_id}/{kind}.ics?key={feed_key(secret_key, kind, brand_id)}"
