"""`atdesk demo`'s networks: the demo brand's accounts point at the emulators, the connector
runtime reads the customers' posts into cases, and an agent's reply really goes out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from atdesk.channels.base import ChannelDeps
from atdesk.config import Settings
from atdesk.connectors.runtime import ConnectorRuntime
from atdesk.demo.networks import DEMO_POLL_S, wire_demo_networks
from atdesk.demo.setup import load_scenarios
from atdesk.domain.networks import Network
from atdesk.emulators.base import wait_until
from atdesk.models import Case, ChannelConnection
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.respond.outbox import ChannelOutbox
from atdesk.respond.service import ReplyRequest, submit_reply
from atdesk.storage.session import transaction
from tests.cases.factories import staff
from tests.connectors.conftest import add_brand_account, drain, stored_posts


def city_works() -> dict[str, Any]:
    (spec,) = [b for b in load_scenarios()["brands"] if b["name"] == "City Works"]
    return dict(spec)


def test_the_demo_brand_is_read_from_the_emulators_and_its_replies_go_out(
    settings: Settings,
) -> None:
    spec = city_works()
    handle, user_id = spec["x"]
    add_brand_account(settings, Network.X, handle, user_id, brand=spec["name"])
    add_brand_account(settings, Network.MASTODON, spec["mastodon"], None, brand=spec["name"])
    add_brand_account(settings, Network.BLUESKY, spec["bluesky"], None, brand=spec["name"])
    messages: list[str] = []
    networks = wire_demo_networks(settings, [spec], None, messages.append)
    runtime = ConnectorRuntime(
        settings, EmbeddedBus(settings.database_url), sync_every_s=0.1, timeout=2.0
    )
    try:
        with transaction(settings.database_url) as session:
            polls = {c.poll_interval_s for c in session.scalars(select(ChannelConnection))}
            assert polls == {DEMO_POLL_S}
            for connection in session.scalars(select(ChannelConnection)):
                connection.poll_interval_s = 0.2  # the test need not wait for the demo's pace
        runtime.start()
        assert wait_until(lambda: EmbeddedBus(settings.database_url).pending("inbound") >= 4, 15)
        runtime.stop()
        drain(settings)
        texts = " | ".join(f"{p.network}: {p.text}" for p in stored_posts(settings).values())
        assert "bluesky: @city.bsky.social ¡Hola! La farola de la calle Olmo" in texts
        assert "bluesky: my bin was not collected" in texts  # the chat message
        assert "mastodon: @city@social.example o buraco na Rua das Flores" in texts
        assert "mastodon: @city@social.example please call me about my water bill" in texts
        with transaction(settings.database_url) as session:
            on = {c.network: c for c in session.scalars(select(Case).order_by(Case.id))}
            assert {"mastodon", "bluesky"} <= set(on)
            agent = staff(session, "ana")
            for network in ("mastodon", "bluesky"):
                case = on[network]
                outcome = submit_reply(
                    session,
                    case,
                    agent,
                    ReplyRequest(
                        "Thanks, a crew is on the way.", "public", case.reply_version or 0
                    ),
                    ChannelOutbox(ChannelDeps(timeout=2.0)),
                )
                assert outcome.status in ("sent", "refused"), outcome.message
                if outcome.status == "refused":  # a private conversation: answer privately
                    outcome = submit_reply(
                        session,
                        case,
                        agent,
                        ReplyRequest(
                            "Thanks, a crew is on the way.", "private", case.reply_version or 0
                        ),
                        ChannelOutbox(ChannelDeps(timeout=2.0)),
                    )
                assert outcome.status == "sent", outcome.message
        brand_m, brand_b = spec["mastodon"], spec["bluesky"]
        sent_m = [s["text"] for s in networks.mastodon.statuses_by(brand_m)]
        sent_b = [p["record"]["text"] for p in networks.bluesky.posts_by(brand_b)] + [
            m["text"] for m in networks.bluesky.messages_by(brand_b)
        ]
        assert any("crew is on the way" in s for s in sent_m)
        assert any("crew is on the way" in s for s in sent_b)
        assert any("Mastodon at http://" in m for m in messages)
    finally:
        runtime.stop()
        networks.stop()
        networks.x.stop()
