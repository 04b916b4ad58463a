"""On a (local, real-socket) Mastodon: the survey goes out as a direct status, the customer's
direct reply "@help@social.example 4 good" is read back, stored, and the case stays resolved."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from atdesk.brands.service import add_account, create_brand
from atdesk.cases.actions import resolve_case
from atdesk.channels.base import ChannelDeps
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.mastodon.provider import MastodonChannel
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.emulators.mastodon import MastodonEmulator
from atdesk.models import Case, SurveyResponse, User
from atdesk.models.base import utcnow
from atdesk.pipeline.runner import process_events
from atdesk.respond.outbox import ChannelOutbox
from atdesk.respond.service import ReplyRequest, submit_reply
from atdesk.storage.session import transaction
from atdesk.surveys.settings import parse_settings, update_survey_settings
from atdesk.surveys.tasks import sweep
from tests.automations.helpers import TRIAGER, job_env, run_jobs
from tests.cases.factories import staff

DOMAIN = "social.example"
BRAND = f"help@{DOMAIN}"
TOKEN = "acme-mastodon-token"


@pytest.fixture
def mastodon() -> Iterator[MastodonEmulator]:
    with MastodonEmulator(domain=DOMAIN) as emulator:
        yield emulator


def test_survey_by_direct_status_and_the_answer_read_back(
    settings: Settings, mastodon: MastodonEmulator, http: httpx.Client
) -> None:
    account_id = mastodon.add_account(BRAND, token=TOKEN, display_name="Acme")
    state = MastodonAccount(
        acct=BRAND, account_id=account_id, token=TOKEN, base_url=mastodon.base_url
    )
    deps = ChannelDeps(timeout=3.0)

    def read() -> None:
        events = [e for batch in MastodonChannel(deps).poll(state) for e in batch.events]
        with transaction(settings.database_url) as session:
            assert process_events(session, events, triager=TRIAGER).invalid == []

    with transaction(settings.database_url) as session:
        brand = create_brand(session, "Acme")
        add_account(session, brand, Network.MASTODON, BRAND, account_id).state = state.to_json()
        update_survey_settings(brand, parse_settings({"enabled": True, "kind": "nps"}))
        staff(session, "ana")
    mastodon.post("dana@example.social", f"@{BRAND} my invoice shows the wrong address")
    read()
    with transaction(settings.database_url) as session:
        case = session.scalars(select(Case)).one()
        ana = session.scalars(select(User).where(User.username == "ana")).one()
        said = submit_reply(
            session,
            case,
            ana,
            ReplyRequest("Fixed it, sorry about that!", "public", 0),
            ChannelOutbox(deps),
        )
        assert said.status == "sent", said.message
        assert resolve_case(session, case, actor=ana)
    assert sweep(settings.database_url, now=utcnow()) == 1
    assert run_jobs(job_env(settings, ChannelOutbox(deps), http)) == 1
    (question,) = [s for s in mastodon.statuses_by(BRAND) if s["visibility"] == "direct"]
    assert "recommend" in question["text"]
    mastodon.post(
        "dana@example.social",
        f"@{BRAND} 8 good, thanks",
        visibility="direct",
        in_reply_to=question["id"],
    )
    read()
    with transaction(settings.database_url) as session:
        (answer,) = session.scalars(select(SurveyResponse)).all()
        assert (answer.kind, answer.score, answer.comment) == ("nps", 8, "good, thanks")
        case = session.scalars(select(Case)).one()
        assert case.status == "resolved" and case.reopen_count == 0
