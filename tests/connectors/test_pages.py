"""What people see: the channel admin page (accounts, alerts, rate limits, spend, budget and
prices), the alert banner on the inbox, and the customer-across-networks panel on a case."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from atdesk.channels.observer import ApiCall, HealthKind, HealthNotice, Operation
from atdesk.config import Settings
from atdesk.connectors.alerts import raise_alert
from atdesk.connectors.pages import forget_banner_cache
from atdesk.connectors.settings import monthly_budget, price_table
from atdesk.connectors.spend import record_call
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.models import Case, ChannelAlert, ChannelConnection, Customer, CustomerHandle
from atdesk.models.base import utcnow
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.cases.factories import PASSWORD, staff, team
from tests.connectors.conftest import BRAND, BRAND_USER_ID, add_brand_account
from tests.factories import post, run


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page carries a CSRF token"
    return match.group(1)


@pytest.fixture
def app(settings: Settings) -> TestClient:
    forget_banner_cache()
    account_id = add_brand_account(settings, Network.X, BRAND, BRAND_USER_ID)
    add_brand_account(settings, Network.MASTODON, "city@social.example", None)
    with transaction(settings.database_url) as session:
        from atdesk.models import Brand

        brand = session.scalars(select(Brand)).one()
        staff(session, "root", Role.ADMIN)
        ana = staff(session, "ana")
        team(session, "City", [brand], [ana])
        run(session, post("501", f"@{BRAND} the streetlight on Elm is out", minutes=0))
        session.add(
            ChannelConnection(
                channel_account_id=account_id,
                status="running",
                poll_interval_s=60.0,
                stream_enabled=True,
                events_read=12,
                ignored={"like": 3, "self_echo": 1},
                rate_limits=[
                    {
                        "endpoint": "GET /2/users/:id/mentions",
                        "limit": 450,
                        "remaining": 447,
                        "reset_at": 1.0,
                    }
                ],
                last_ok_at=utcnow(),
            )
        )
        record_call(
            session,
            ApiCall(
                network=Network.X,
                account=BRAND,
                operation=Operation.READ_POST,
                method="GET",
                endpoint="GET /2/users/:id/mentions",
                status=200,
                at=utcnow(),
                items=1,
                native_ids=("501",),
            ),
            price_table(session, Network.X),
            channel_account_id=account_id,
        )
    return TestClient(create_app(settings), follow_redirects=False)


def login(client: TestClient, username: str) -> TestClient:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
    )
    assert response.status_code == 303
    return client


def open_alert(settings: Settings, kind: HealthKind = HealthKind.AUTH_REVOKED) -> None:
    with transaction(settings.database_url) as session:
        account = session.scalar(select(ChannelConnection.channel_account_id))
        raise_alert(
            session,
            HealthNotice(Network.X, BRAND, kind, "X refused the token", utcnow()),
            channel_account_id=account,
        )
    forget_banner_cache()


def test_the_admin_page_shows_accounts_rate_limits_spend_and_alerts(
    app: TestClient, settings: Settings
) -> None:
    open_alert(settings)
    page = login(app, "root").get("/admin/channels")
    assert page.status_code == 200
    html = page.text
    assert f"@{BRAND}" in html and "running" in html and "12 events" in html
    assert "3 like ignored" in html and "mentions: 447/450" in html
    assert "$0.005" in html  # one post read this month
    assert "auth revoked" in html and "X refused the token" in html and "reconnect" in html
    assert 'data-testid="channel-health-banner"' in html


def test_agents_and_supervisors_cannot_open_the_channel_admin_page(app: TestClient) -> None:
    assert login(app, "ana").get("/admin/channels").status_code == 403


def test_the_inbox_shows_an_alert_banner_until_the_alert_closes(
    app: TestClient, settings: Settings
) -> None:
    client = login(app, "ana")
    assert 'data-testid="channel-health-banner"' not in client.get("/").text
    open_alert(settings)
    inbox = client.get("/").text
    assert 'data-testid="channel-health-banner"' in inbox and "auth revoked" in inbox
    assert "Channel health" not in inbox  # the link to the admin page is for admins
    admin = login(TestClient(app.app, follow_redirects=False), "root")
    page = admin.get("/admin/channels").text
    alert_id = re.search(r"/admin/channels/alerts/(\d+)/close", page)
    assert alert_id
    closed = admin.post(
        f"/admin/channels/alerts/{alert_id.group(1)}/close", data={"csrf_token": csrf_of(page)}
    )
    assert closed.status_code == 303
    forget_banner_cache()
    assert 'data-testid="channel-health-banner"' not in client.get("/").text
    with transaction(settings.database_url) as session:
        alert = session.scalars(select(ChannelAlert)).one()
        assert alert.closed_reason == "closed by root"


def test_an_admin_sets_the_budget_prices_reader_and_alert_webhook(
    app: TestClient, settings: Settings
) -> None:
    client = login(app, "root")
    token = csrf_of(client.get("/admin/channels").text)
    client.post(
        "/admin/channels/budget/x", data={"csrf_token": token, "limit": "25.50", "slow_from": "75"}
    )
    client.post("/admin/channels/prices/x", data={"csrf_token": token, "price_read_post": "0.004"})
    bad = client.post(
        "/admin/channels/prices/x", data={"csrf_token": token, "price_read_post": "free"}
    )
    assert bad.status_code == 303
    with transaction(settings.database_url) as session:
        account = session.scalar(select(ChannelConnection.channel_account_id))
    client.post(
        f"/admin/channels/{account}/reader",
        data={"csrf_token": token, "poll_interval_s": "30"},  # the stream box unticked
    )
    client.post(
        "/admin/channels/alert-webhook",
        data={"csrf_token": token, "url": "https://ops.example/hook", "secret": "s" * 20},
    )
    with transaction(settings.database_url) as session:
        budget = monthly_budget(session, Network.X)
        assert budget is not None and str(budget.limit) == "25.50" and budget.slow_from == 0.75
        assert str(price_table(session, Network.X).price(Operation.READ_POST)) == "0.004"
        connection = session.get(ChannelConnection, account)
        assert connection is not None
        assert connection.poll_interval_s == 30.0 and connection.stream_enabled is False
    page = client.get("/admin/channels").text
    assert "https://ops.example/hook" in page and "s" * 20 not in page


def test_the_case_page_links_handles_across_networks_and_shows_the_cost(
    app: TestClient, settings: Settings
) -> None:
    client = login(app, "ana")
    with transaction(settings.database_url) as session:
        case_id = session.scalars(select(Case.id)).one()
        run(
            session,
            post(
                "m-77",
                "@city@social.example my bin was not collected",
                network="mastodon",
                author="77",
                handle="dana@example.social",
                minutes=30,
            ),
        )
    page = client.get(f"/cases/{case_id}").text
    assert 'data-testid="customer-networks"' in page and "$0.005" in page
    token = csrf_of(page)
    client.post(
        f"/cases/{case_id}/customer/handles",
        data={"csrf_token": token, "network": "mastodon", "handle": "dana@example.social"},
    )
    client.post(
        f"/cases/{case_id}/customer/contact",
        data={"csrf_token": token, "email": "dana@example.org", "phone": ""},
    )
    page = client.get(f"/cases/{case_id}").text
    assert "@dana@example.social" in page and "dana@example.org" in page
    with transaction(settings.database_url) as session:
        customer = session.scalars(select(Customer)).one()
        cases = session.scalars(select(Case).where(Case.customer_id == customer.id)).all()
        assert {c.network for c in cases} == {"x", "mastodon"}  # both conversations are hers
        handle = session.scalar(select(CustomerHandle).where(CustomerHandle.network == "mastodon"))
        assert handle is not None
    other = next(c.id for c in cases if c.network == "mastodon")
    assert f'href="/cases/{other}"' in page
    client.post(f"/cases/{case_id}/customer/handles/{handle.id}/unlink", data={"csrf_token": token})
    with transaction(settings.database_url) as session:
        mastodon_case = session.get(Case, other)
        assert mastodon_case is not None and mastodon_case.customer_id is None


def test_an_old_alert_is_listed_as_closed_history(app: TestClient, settings: Settings) -> None:
    open_alert(settings, HealthKind.STREAM_FAILING)
    with transaction(settings.database_url) as session:
        alert = session.scalars(select(ChannelAlert)).one()
        alert.closed_at = utcnow() + timedelta(seconds=1)
        alert.closed_reason = "stream reconnected"
    page = login(app, "root").get("/admin/channels").text
    assert "Recently closed" in page and "stream reconnected" in page


def test_the_api_lists_accounts_alerts_and_spend(app: TestClient, settings: Settings) -> None:
    open_alert(settings)
    admin = login(app, "root")
    (account,) = [a for a in admin.get("/api/v1/channel-accounts").json() if a["network"] == "x"]
    assert account["handle"] == BRAND and account["status"] == "running"
    assert account["events_read"] == 12 and account["ignored"] == {"like": 3, "self_echo": 1}
    assert account["open_alerts"] == ["auth_revoked"]
    assert Decimal(account["spend_this_month"]) == Decimal("0.005")
    spend = admin.get("/api/v1/spend").json()
    (x,) = [n for n in spend["networks"] if n["network"] == "x"]
    assert Decimal(x["spent"]) == Decimal(x["prices"]["read_post"]) == Decimal("0.005")
    (alert,) = admin.get("/api/v1/channel-alerts").json()
    assert alert["kind"] == "auth_revoked" and alert["closed_at"] is None
    agent = login(TestClient(app.app, follow_redirects=False), "ana")
    assert agent.get("/api/v1/channel-accounts").status_code == 403
    assert agent.get("/api/v1/spend").status_code == 403
    assert len(agent.get("/api/v1/channel-alerts").json()) == 1  # her brand's account
    with transaction(settings.database_url) as session:
        case_id = session.scalars(select(Case.id)).one()
    answer = agent.get(f"/api/v1/cases/{case_id}/spend").json()
    assert answer["case_id"] == case_id and Decimal(answer["spend"]) == Decimal("0.005")
