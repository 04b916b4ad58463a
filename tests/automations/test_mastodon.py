"""The automations are network-agnostic: on a (local, real-socket) Mastodon, a callback request
is acknowledged in the thread and a billing question moves to a private (direct) message."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from atdesk.automations.engine.stage import automate_posts, case_events
from atdesk.brands.service import add_account, create_brand
from atdesk.channels.base import ChannelDeps
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.mastodon.provider import MastodonChannel
from atdesk.config import Settings
from atdesk.customers.service import create_customer, link_handle
from atdesk.domain.networks import Network
from atdesk.emulators.mastodon import MastodonEmulator
from atdesk.models import Callback
from atdesk.models.base import utcnow
from atdesk.pipeline.runner import process_events
from atdesk.respond.outbox import ChannelOutbox
from atdesk.storage.session import transaction
from tests.automations.helpers import TRIAGER, job_env, run_jobs

DOMAIN = "social.example"
BRAND = f"help@{DOMAIN}"
TOKEN = "acme-mastodon-token"


@pytest.fixture
def mastodon() -> Iterator[MastodonEmulator]:
    with MastodonEmulator(domain=DOMAIN) as emulator:
        yield emulator


def test_callback_ack_and_private_handoff_on_mastodon(
    settings: Settings, mastodon: MastodonEmulator, http: httpx.Client
) -> None:
    account_id = mastodon.add_account(BRAND, token=TOKEN, display_name="Acme")
    state = MastodonAccount(
        acct=BRAND, account_id=account_id, token=TOKEN, base_url=mastodon.base_url
    )
    with transaction(settings.database_url) as session:
        brand = create_brand(session, "Acme")
        add_account(session, brand, Network.MASTODON, BRAND, account_id).state = state.to_json()
        dana = create_customer(session, name="Dana", phone="+1 415 555 0142", actor="t")
        link_handle(session, dana, Network.MASTODON, "dana@example.social", actor="t")
    mastodon.post("dana@example.social", f"@{BRAND} please call me tomorrow morning")
    mastodon.post("lee@example.social", f"@{BRAND} I was charged twice on my last invoice")
    deps = ChannelDeps(timeout=3.0)
    events = [e for batch in MastodonChannel(deps).poll(state) for e in batch.events]
    with transaction(settings.database_url) as session:
        report = process_events(session, events, triager=TRIAGER)
        ids = [p for e in case_events(session, events, report) for p in e["post_ids"]]
        automate_posts(session, ids, settings=settings, now=utcnow())
        assert session.scalars(select(Callback.status)).all() == ["queued"]
    run_jobs(job_env(settings, ChannelOutbox(deps), http))
    sent = {s["text"]: s["visibility"] for s in mastodon.statuses_by(BRAND)}
    ack = next(t for t in sent if "we'll call you" in t)
    assert (
        ack.startswith("@dana@example.social Thanks dana, we'll call you") and sent[ack] == "public"
    )
    assert "555" not in ack
    public = next(t for t in sent if t.startswith("@lee@example.social") and sent[t] == "public")
    assert "private message" in public
    assert any(v == "direct" and t.startswith("@lee@example.social") for t, v in sent.items())
