"""On X for real (the local emulator, real sockets): the agent answers and resolves, the survey
goes out as a DM through the respond stage, the customer's "4 quick fix, thanks" DM is read
back by the channel, stored as the answer, and the case stays resolved."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from atdesk.brands.service import create_brand
from atdesk.cases.actions import resolve_case
from atdesk.channels.base import ChannelDeps
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.normalize import NORMALIZERS
from atdesk.channels.x.provider import XChannel
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.emulators.x import XEmulator
from atdesk.models import Case, ChannelAccount, SurveyResponse, User
from atdesk.models.base import utcnow
from atdesk.pipeline.normalize import register_normalizer
from atdesk.pipeline.runner import process_events
from atdesk.respond.outbox import ChannelOutbox
from atdesk.respond.service import ReplyRequest, submit_reply
from atdesk.storage.session import transaction
from atdesk.surveys.settings import SurveySettings, update_survey_settings
from atdesk.surveys.tasks import sweep
from tests.automations.helpers import TRIAGER, job_env, run_jobs
from tests.cases.factories import staff

BRAND = "HarborHelp"
TOKEN = "harbor-user-token"


def test_survey_by_x_dm_and_the_answer_read_back(settings: Settings, http: httpx.Client) -> None:
    for source, normalizer in NORMALIZERS.items():
        register_normalizer(source, normalizer)
    deps = ChannelDeps(timeout=3.0)
    with XEmulator() as x:
        brand_user = x.add_account(BRAND, user_token=TOKEN, name="Harbor Bank")
        account = XAccount(handle=BRAND, user_id=brand_user, user_token=TOKEN, base_url=x.base_url)
        x.post("dana", f"@{BRAND} my card was declined twice today")

        def read() -> None:
            events = [e for batch in XChannel(deps).poll(account) for e in batch.events]
            with transaction(settings.database_url) as session:
                assert process_events(session, events, triager=TRIAGER).invalid == []

        with transaction(settings.database_url) as session:
            brand = create_brand(session, "Harbor Bank", [(Network.X, BRAND, brand_user)])
            update_survey_settings(brand, SurveySettings(enabled=True))
            session.scalars(select(ChannelAccount)).one().state = account.to_json()
            staff(session, "ana")
        read()
        with transaction(settings.database_url) as session:
            case = session.scalars(select(Case)).one()
            ana_user = session.scalars(select(User).where(User.username == "ana")).one()
            sent = submit_reply(
                session,
                case,
                ana_user,
                ReplyRequest("Sorry Dana, your card works again now.", "public", 0),
                ChannelOutbox(deps),
            )
            assert sent.status == "sent", sent.message
            assert resolve_case(session, case, actor=ana_user)
        assert sweep(settings.database_url, now=utcnow()) == 1
        assert run_jobs(job_env(settings, ChannelOutbox(deps), http)) == 1
        (survey_dm,) = x.dms_by(BRAND)
        assert survey_dm["text"].startswith("Thanks for getting in touch with Harbor Bank")
        x.dm("dana", BRAND, "4 quick fix, thanks")
        read()
        with transaction(settings.database_url) as session:
            (answer,) = session.scalars(select(SurveyResponse)).all()
            assert (answer.score, answer.comment) == (4, "quick fix, thanks")
            case = session.scalars(select(Case)).one()
            assert case.status == "resolved" and case.reopen_count == 0
        assert x.validation_errors == []
