"""Migration 0021 moves each brand's block lists out of its settings into block_entries (the
filter then reads only the rows) and, going down, puts users and keywords back."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.brands.service import create_brand
from atdesk.models import BlockEntry, Brand, Post
from atdesk.noise.service import add_block
from atdesk.storage.migrate import downgrade, upgrade
from atdesk.storage.session import transaction
from tests.factories import T0, make_brand, post, run


def test_settings_lists_become_rows_and_come_back_on_downgrade(database_url: str) -> None:
    downgrade(database_url, "0015")
    with transaction(database_url) as session:
        brand = make_brand(session)
        brand.settings = {
            "blocked_handles": ["@Spammer", "spammer", "promo"],
            "blocked_keywords": ["Crypto Giveaway", ""],
            "watched_handles": ["ceo"],
        }
        create_brand(session, "Quiet").settings = {"surveys": {"enabled": True}}
    upgrade(database_url)
    with transaction(database_url) as session:
        rows = session.scalars(select(BlockEntry).order_by(BlockEntry.id)).all()
        assert [(r.kind, r.value, r.created_by) for r in rows] == [
            ("user", "spammer", "migration 0021"),
            ("user", "promo", "migration 0021"),
            ("keyword", "crypto giveaway", "migration 0021"),
        ]
        acme = session.scalars(select(Brand).where(Brand.name == "Acme")).one()
        quiet = session.scalars(select(Brand).where(Brand.name == "Quiet")).one()
        assert acme.settings == {"watched_handles": ["ceo"]}, "other settings stay as they were"
        assert quiet.settings == {"surveys": {"enabled": True}}
        # The pipeline filters by the moved rows exactly as it did by the settings lists.
        run(
            session,
            post("1", "@acmehelp hi", author="9", handle="Spammer"),
            post("2", "@acmehelp win a crypto giveaway", author="10", handle="lee"),
            post("3", "@acmehelp my bill is wrong", author="11", handle="fan"),
        )
        reasons = dict(session.execute(select(Post.native_id, Post.filtered_reason)).all())
        assert reasons == {"1": "blocked_user", "2": "blocked_keyword:crypto giveaway", "3": None}
        add_block(session, acme, kind="regex", value=r"free\s+money", actor="root", now=T0)
    downgrade(database_url, "0015")
    with transaction(database_url) as session:
        acme = session.scalars(select(Brand).where(Brand.name == "Acme")).one()
        assert acme.settings == {
            "watched_handles": ["ceo"],
            "blocked_handles": ["spammer", "promo"],
            "blocked_keywords": ["crypto giveaway"],
        }, "patterns have no older home and are dropped"
    upgrade(database_url)
    with transaction(database_url) as session:
        values = session.scalars(select(BlockEntry.value).order_by(BlockEntry.id)).all()
        assert values == ["spammer", "promo", "crypto giveaway"]
