"""API cost accounting: every priced call in the ledger, spend per case and per month,
prices an admin overrides, and a monthly budget that slows polling before it runs out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from atdesk.channels.base import ChannelDeps
from atdesk.channels.observer import ApiCall, Operation
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.provider import XChannel
from atdesk.config import Settings
from atdesk.connectors.observer import BufferedObserver
from atdesk.connectors.runtime import SettingsBudgetGuard
from atdesk.connectors.settings import (
    SettingsError,
    price_table,
    set_monthly_budget,
    set_prices,
)
from atdesk.connectors.spend import (
    case_spend,
    monthly_totals,
    record_call,
    spent_in_month,
    top_cases,
)
from atdesk.domain.networks import Network
from atdesk.emulators.x import XEmulator
from atdesk.models import ApiCallRecord, ApiCharge, Case
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.respond.outbox import ChannelOutbox
from atdesk.respond.service import ReplyRequest, submit_reply
from atdesk.storage.session import transaction
from tests.cases.factories import staff
from tests.connectors.conftest import (
    APP_TOKEN,
    BRAND,
    BRAND_USER_ID,
    SECRET,
    USER_TOKEN,
    add_brand_account,
    count,
    drain,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def call(
    operation: Operation,
    ids: tuple[str, ...] = (),
    *,
    status: int = 200,
    ref: str | None = None,
    at: datetime = NOW,
    network: Network = Network.X,
) -> ApiCall:
    return ApiCall(
        network=network,
        account=BRAND,
        operation=operation,
        method="GET",
        endpoint="GET /2/users/:id/mentions",
        status=status,
        at=at,
        items=len(ids),
        native_ids=ids,
        ref=ref,
    )


def test_calls_are_priced_free_reads_are_not_kept_and_failures_are(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        table = price_table(session, Network.X)
        read = record_call(
            session, call(Operation.READ_POST, ("1", "2", "3")), table, channel_account_id=None
        )
        empty = record_call(session, call(Operation.READ_POST), table, channel_account_id=None)
        free = record_call(
            session,
            call(Operation.READ_NOTIFICATION, ("a",), network=Network.BLUESKY),
            table,
            channel_account_id=None,
        )
        failed = record_call(
            session, call(Operation.READ_POST, status=503), table, channel_account_id=None
        )
        assert read is not None and read.cost_micros == 15_000 and read.month == "2026-11"
        assert empty is None and free is None
        assert failed is not None and failed.cost_micros == 0 and failed.status == 503
        charges = session.scalars(select(ApiCharge).order_by(ApiCharge.native_id)).all()
        assert [(c.native_id, c.cost_micros) for c in charges] == [
            ("1", 5000),
            ("2", 5000),
            ("3", 5000),
        ]
        assert spent_in_month(session, Network.X, NOW) == Decimal("0.015")


def test_admin_prices_override_the_defaults_and_bad_prices_are_refused(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        set_prices(session, Network.X, {"read_post": "0.01", "create_post": ""})
        table = price_table(session, Network.X)
        assert table.price(Operation.READ_POST) == Decimal("0.01")
        assert table.price(Operation.CREATE_POST) == Decimal("0.015")  # blank keeps the default
        with pytest.raises(SettingsError, match="zero or more"):
            set_prices(session, Network.X, {"read_post": "-1"})
        record_call(session, call(Operation.READ_POST, ("9",)), table, channel_account_id=None)
        assert spent_in_month(session, Network.X, NOW) == Decimal("0.01")


def test_spend_per_month_is_kept_apart(settings: Settings) -> None:
    october = datetime(2026, 10, 31, 23, 59, tzinfo=UTC)
    with transaction(settings.database_url) as session:
        table = price_table(session, Network.X)
        record_call(
            session, call(Operation.READ_POST, ("1",), at=october), table, channel_account_id=None
        )
        record_call(session, call(Operation.DM_EVENT, ("d1", "d2")), table, channel_account_id=None)
        totals = {(t.month, t.network): t.cost for t in monthly_totals(session)}
        assert totals == {("2026-11", "x"): Decimal("0.02"), ("2026-10", "x"): Decimal("0.005")}
        assert spent_in_month(session, Network.X, NOW) == Decimal("0.02")


def test_a_reply_and_the_reads_of_its_case_are_charged_to_the_case(
    app_settings: Settings, x_emulator: XEmulator
) -> None:
    state = XAccount(
        handle=BRAND,
        user_id=BRAND_USER_ID,
        user_token=USER_TOKEN,
        app_token=APP_TOKEN,
        consumer_secret=SECRET,
        base_url=x_emulator.base_url,
    )
    add_brand_account(app_settings, Network.X, BRAND, BRAND_USER_ID, state)
    x_emulator.post("dana", f"@{BRAND} my bin was not collected")
    x_emulator.post("ori", f"@{BRAND} thanks for fixing the light")
    observer = BufferedObserver("poll")
    channel = XChannel(ChannelDeps(observer=observer, timeout=2.0), poll_dms=False)
    bus = EmbeddedBus(app_settings.database_url)
    with transaction(app_settings.database_url) as session:
        for batch in channel.poll(state):
            bus.publish(session, INBOUND, [e.to_json() for e in batch.events])
        observer.write(session, channel_account_id=None)
    drain(app_settings)
    with transaction(app_settings.database_url) as session:
        case = session.scalars(select(Case).order_by(Case.id)).first()
        assert case is not None
        assert case_spend(session, case.id) == Decimal("0.005")  # reading its one post
        outcome = submit_reply(
            session,
            case,
            staff(session, "ana"),
            ReplyRequest("We're sending a truck today.", "public", case.reply_version or 0),
            ChannelOutbox(ChannelDeps(timeout=2.0)),
        )
        assert outcome.status == "sent", outcome.message
    with transaction(app_settings.database_url) as session:
        sent = session.scalars(select(ApiCallRecord).where(ApiCallRecord.ref.is_not(None))).one()
        assert sent.operation == "create_post" and sent.case_id == case.id
        assert case_spend(session, case.id) == Decimal("0.020")
        assert top_cases(session, sent.month)[0] == (case.id, Decimal("0.020"))
        assert spent_in_month(session, Network.X, utcnow()) == Decimal("0.025")
    assert count(app_settings, ApiCharge) == 2


def test_the_budget_slows_polling_before_it_is_exceeded_and_pauses_when_spent(
    settings: Settings,
) -> None:
    guard = SettingsBudgetGuard(settings.database_url, Network.X, base_interval=60.0)
    assert not guard.pace(Network.X, BRAND).throttled  # no budget: the normal pace
    with transaction(settings.database_url) as session:
        set_monthly_budget(session, Network.X, "1.00", "80")
        table = price_table(session, Network.X)
        ids = tuple(str(i) for i in range(170))  # 170 posts read: $0.85, past 80 % of $1
        record_call(
            session, call(Operation.READ_POST, ids, at=utcnow()), table, channel_account_id=None
        )
    guard.record_poll(Network.X, BRAND, Decimal("0.05"))
    slowed = guard.pace(Network.X, BRAND)
    assert slowed.throttled and not slowed.blocked and slowed.delay > 60.0
    assert "monthly budget" in slowed.reason
    with transaction(settings.database_url) as session:
        more = tuple(str(i) for i in range(1000, 1030))  # $0.15 more: the budget is used up
        record_call(
            session, call(Operation.READ_POST, more, at=utcnow()), table, channel_account_id=None
        )
    assert guard.pace(Network.X, BRAND).blocked


def test_a_budget_must_be_an_amount(settings: Settings) -> None:
    with (
        transaction(settings.database_url) as session,
        pytest.raises(SettingsError, match=r"50\.00"),
    ):
        set_monthly_budget(session, Network.X, "lots")
