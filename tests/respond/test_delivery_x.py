"""A reply typed in atdesk reaches X for real (the local emulator) and comes back as our post."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.brands.service import create_brand
from atdesk.channels.base import ChannelDeps
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.normalize import NORMALIZERS
from atdesk.channels.x.provider import XChannel
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.emulators.x import XEmulator
from atdesk.models import Case, ChannelAccount
from atdesk.pipeline.normalize import register_normalizer
from atdesk.pipeline.runner import process_events
from atdesk.respond.outbox import ChannelOutbox
from atdesk.respond.service import ReplyRequest, submit_reply
from atdesk.storage.session import transaction
from tests.cases.factories import staff

BRAND = "HarborHelp"
TOKEN = "harbor-user-token"


def test_a_reply_goes_through_the_x_channel_and_is_stored_with_xs_id(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url)
    for source, normalizer in NORMALIZERS.items():
        register_normalizer(source, normalizer)
    with XEmulator() as x:
        brand_id = x.add_account(BRAND, user_token=TOKEN, name="Harbor Bank")
        account = XAccount(handle=BRAND, user_id=brand_id, user_token=TOKEN, base_url=x.base_url)
        asked = x.post("dana", f"@{BRAND} my card was declined twice today")
        deps = ChannelDeps(timeout=3.0)
        events = [e for batch in XChannel(deps, poll_dms=False).poll(account) for e in batch.events]
        with transaction(settings.database_url) as session:
            brand = create_brand(session, "Harbor Bank", [(Network.X, BRAND, brand_id)])
            row = session.scalars(
                select(ChannelAccount).where(ChannelAccount.brand_id == brand.id)
            ).one()
            row.state = account.to_json()
            assert process_events(session, events).invalid == []
            case = session.scalars(select(Case)).one()
            ana = staff(session, "ana")
            outcome = submit_reply(
                session,
                case,
                ana,
                ReplyRequest("Sorry Dana, we're checking your card now.", "public", 0),
                ChannelOutbox(deps),
            )
            assert outcome.status == "sent", outcome.message
            (on_x,) = x.posts_by(BRAND)
            assert outcome.post is not None and outcome.post.native_id == on_x["id"]
            assert on_x["referenced_tweets"] == [{"type": "replied_to", "id": asked}]
            assert outcome.post.sent_by_user_id == ana.id
            assert case.first_response_at is not None
        assert x.validation_errors == []
