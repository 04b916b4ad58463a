"""The channel admin page, the health banner, and the case page's customer-and-cost panel.

The banner and the case panel are partials the shared layout includes; they read what they
show through template globals registered here (`channel_health`, `case_connections`), each
in a short read transaction of its own, so no page handler has to know about them.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from atdesk.accounts.deps import AdminViewer, PageViewer
from atdesk.brands.pages import brand_or_404, brand_section
from atdesk.brands.service import BrandError, add_account, adopt_brand
from atdesk.cases.access import visible_case
from atdesk.channels.base import ChannelDeps
from atdesk.channels.errors import ChannelError
from atdesk.channels.observer import HealthKind, Operation
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.provider import XChannel
from atdesk.connectors.accounts import stored_state
from atdesk.connectors.alerts import close_alerts
from atdesk.connectors.observer import BufferedObserver
from atdesk.connectors.queries import (
    BILLED_OPERATIONS,
    account_views,
    accounts_query,
    brand_of_accounts,
    customer_cases,
    network_spend,
    open_alerts,
    recent_closed_alerts,
)
from atdesk.connectors.settings import (
    SettingsError,
    alert_webhook,
    set_alert_webhook,
    set_monthly_budget,
    set_prices,
)
from atdesk.connectors.spend import (
    case_spend,
    month_of,
    monthly_totals,
    operation_totals,
    top_cases,
)
from atdesk.customers.access import handle_outside, held_out_of_sight
from atdesk.customers.service import (
    CustomerError,
    create_customer,
    link_handle,
    unlink_handle,
    update_customer,
)
from atdesk.domain.handles import handle_key
from atdesk.domain.ids import RowId
from atdesk.domain.networks import Network, parse_network
from atdesk.models import (
    Brand,
    Case,
    ChannelAccount,
    ChannelAlert,
    ChannelConnection,
    Customer,
)
from atdesk.models.base import utcnow
from atdesk.respond.credentials import CredentialsError, connect, remove
from atdesk.storage.session import transaction
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.forms import form_post, see_other
from atdesk.ui.paging import count_rows, listing_params, name_matches, paginate
from atdesk.ui.templating import flash, render, templates

router = APIRouter(include_in_schema=False)
MIN_POLL_S = 2.0
BANNER_TTL_S = 5.0


def _network(value: str) -> Network:
    try:
        return parse_network(value)
    except ValueError as exc:
        raise HTTPException(404, str(exc)) from None


# --- the admin page --------------------------------------------------------------------------


@router.get("/admin/channels", response_class=HTMLResponse)
def channels_page(request: Request, session: DbSession, viewer: AdminViewer) -> HTMLResponse:
    """Every account's connector, its alerts, rate limits and spend; budgets and prices.

    Accounts a page at a time, searchable by brand or handle. Replay brands' accounts (ADR 73)
    are history, never read, so they are counted apart and listed only when asked for.
    """
    now = utcnow()
    month = month_of(now)
    webhook = alert_webhook(session)
    q, page = listing_params(request)
    replay = request.query_params.get("replay") == "1"
    matching = name_matches(q, Brand.name, ChannelAccount.handle)
    query = accounts_query(replay=replay)
    listing = paginate(
        session,
        query if matching is None else query.where(matching),
        q=q,
        page=page,
        keep={"replay": "1" if replay else ""},
    )
    return render(
        request,
        "connectors/admin.html",
        {
            "tab": "channels",
            "listing": listing,
            "replay": replay,
            "replay_accounts": count_rows(session, accounts_query(replay=True)),
            "accounts": account_views(session, now, listing.items),
            "alerts": open_alerts(session),
            "closed": recent_closed_alerts(session),
            "networks": network_spend(session, now),
            "operations": [o.value for o in BILLED_OPERATIONS],
            "months": monthly_totals(session),
            "by_operation": operation_totals(session, month),
            "top_cases": top_cases(session, month),
            "month": month,
            "alert_webhook_url": webhook.url if webhook else "",
            "webhook_url": str(request.base_url).rstrip("/") + "/webhooks/x",
            "now": now,
        },
        session=session,
    )


@router.post("/admin/channels/{account_id}/reader", dependencies=[CsrfChecked])
def set_reader(
    account_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    poll_interval_s: Annotated[str, Form()] = "60",
    stream: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Turn an account's stream on or off and set how often it is polled."""
    account = session.get(ChannelAccount, account_id)
    if account is None:
        raise HTTPException(404, f"no account {account_id}")
    try:
        interval = float(poll_interval_s)
    except ValueError:
        interval = -1.0
    if interval < MIN_POLL_S:
        flash(request, f"Poll at most every {MIN_POLL_S:.0f} seconds (enter a number).", "error")
        return see_other("/admin/channels")
    connection = session.get(ChannelConnection, account_id)
    if connection is None:
        connection = ChannelConnection(
            channel_account_id=account_id, status="idle", events_read=0, ignored={}, rate_limits=[]
        )
        session.add(connection)
    connection.poll_interval_s = interval
    connection.stream_enabled = stream == "on"
    flash(
        request,
        f"@{account.handle}: polling every {interval:g} s, stream "
        f"{'on' if connection.stream_enabled else 'off'}; workers pick it up within seconds.",
    )
    return see_other("/admin/channels")


@router.post("/admin/channels/{account_id}/x-webhook", dependencies=[CsrfChecked])
def register_x_webhook(
    account_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    url: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Register the app's webhook with X (which checks it with a CRC at once) for this account."""
    account = session.get(ChannelAccount, account_id)
    if account is None or account.network != Network.X.value:
        raise HTTPException(404, f"no X account {account_id}")
    state = stored_state(account)
    if not isinstance(state, XAccount):
        flash(request, f"Connect @{account.handle} under Brands & channels first.", "error")
        return see_other("/admin/channels")
    target = url.strip() or str(request.base_url).rstrip("/") + "/webhooks/x"
    observer = BufferedObserver("webhook")
    try:
        registered = XChannel(ChannelDeps(observer=observer)).register_webhook(state, target)
    except ChannelError as exc:
        flash(request, f"X did not register {target}: {exc}", "error")
    else:
        account.state = {**(account.state or {}), "webhook_id": registered.webhook_id}
        flash(request, f"Webhook {registered.webhook_id} registered for @{account.handle}.")
    finally:
        observer.write(session, channel_account_id=account.id)
    return see_other("/admin/channels")


@router.post("/admin/channels/budget/{network}", dependencies=[CsrfChecked])
def set_budget(
    network: str,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    limit: Annotated[str, Form()] = "",
    slow_from: Annotated[str, Form()] = "80",
) -> RedirectResponse:
    """Set or remove a network's monthly budget."""
    chosen = _network(network)

    def save() -> str:
        budget = set_monthly_budget(session, chosen, limit, slow_from)
        return (
            f"{chosen.value}: no monthly budget"
            if budget is None
            else f"{chosen.value}: budget {budget.limit} a month; polling slows from "
            f"{budget.slow_from:.0%} of it"
        )

    return form_post(request, session, save, back="/admin/channels#spend", refused=(SettingsError,))


@router.post("/admin/channels/prices/{network}", dependencies=[CsrfChecked])
async def set_network_prices(
    network: str, request: Request, session: DbSession, viewer: AdminViewer
) -> RedirectResponse:
    """Store the unit prices entered for a network (blank: the default price)."""
    chosen = _network(network)
    form = await request.form()
    entered = {
        op: str(form.get(f"price_{op}") or "")
        for op in (o.value for o in Operation)
        if f"price_{op}" in form
    }

    def save() -> str:
        set_prices(session, chosen, entered)
        return f"{chosen.value}: prices saved; new calls are priced with them."

    return form_post(request, session, save, back="/admin/channels#spend", refused=(SettingsError,))


@router.post("/admin/channels/alert-webhook", dependencies=[CsrfChecked])
def set_alerts_webhook(
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    url: Annotated[str, Form()] = "",
    secret: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Where alert events go (signed with the secret, which is never shown again)."""

    def save() -> str:
        target = set_alert_webhook(session, url, secret)
        return f"Alert events go to {target.url}." if target else "Alert events are off."

    return form_post(
        request, session, save, back="/admin/channels#alerts", refused=(SettingsError,)
    )


@router.post("/admin/channels/alerts/{alert_id}/close", dependencies=[CsrfChecked])
def dismiss_alert(
    alert_id: RowId, request: Request, session: DbSession, viewer: AdminViewer
) -> RedirectResponse:
    """Close an alert by hand (it opens again if the problem is still there)."""
    alert = session.get(ChannelAlert, alert_id)
    if alert is None or alert.closed_at is not None:
        raise HTTPException(404, f"no open alert {alert_id}")
    who = viewer.user.display_name or viewer.user.username
    close_alerts(
        session,
        Network(alert.network),
        alert.account,
        [HealthKind(alert.kind)],
        at=utcnow(),
        reason=f"closed by {who}",
    )
    flash(request, f"Closed the {alert.kind.replace('_', ' ')} alert of {alert.account}.")
    return see_other("/admin/channels#alerts")


# --- the customer across networks, on the case page ------------------------------------------


def _customer_for(session: DbSession, case: Case, user: Any) -> Customer:
    """The case's customer record, made from the author when there is none yet."""
    customer_id = case.customer_id or case.customer_author.customer_id
    customer = session.get(Customer, customer_id) if customer_id else None
    if customer is not None:
        return customer
    author = case.customer_author
    customer = create_customer(session, name=author.name or author.handle, actor=user)
    link_handle(session, customer, Network(author.network), author.handle, actor=user)
    case.customer_id = customer.id
    return customer


@router.post("/cases/{case_id}/customer/handles", dependencies=[CsrfChecked])
def link_customer_handle(
    case_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    network: Annotated[str, Form()],
    handle: Annotated[str, Form()],
) -> RedirectResponse:
    """Link another handle (any network) to the case's customer; their cases follow.

    A handle that writes to brands outside the viewer's teams is refused (403): linking it
    would hand another brand's cases to this record; one a record out of the viewer's sight
    holds is "another customer's", unnamed (ADR 77)."""
    case = visible_case(session, viewer.user, case_id)
    key = handle_key(handle)
    if handle_outside(session, viewer.brand_ids, _network(network).value, key):
        raise HTTPException(
            403, f"{network} @{key} writes to brands outside your teams; ask an admin to link it"
        )

    def link() -> str:
        customer = _customer_for(session, case, viewer.user)
        if held_out_of_sight(session, viewer.brand_ids, _network(network).value, key, customer.id):
            raise CustomerError(f"{network} @{key} belongs to another customer; ask an admin")
        link_handle(session, customer, _network(network), handle, actor=viewer.user)
        return f"Linked {network} @{handle.strip().lstrip('@')} to {customer.name}."

    return form_post(
        request,
        session,
        link,
        back=f"/cases/{case_id}#customer-networks",
        refused=(CustomerError,),
    )


@router.post("/cases/{case_id}/customer/handles/{handle_id}/unlink", dependencies=[CsrfChecked])
def unlink_customer_handle(
    case_id: RowId, handle_id: RowId, request: Request, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Unlink a handle from the case's customer."""
    case = visible_case(session, viewer.user, case_id)
    customer_id = case.customer_id or case.customer_author.customer_id
    customer = session.get(Customer, customer_id) if customer_id else None
    if customer is None:
        raise HTTPException(404, "this case has no customer record")
    try:
        unlink_handle(session, customer, handle_id, actor=viewer.user)
    except CustomerError as exc:
        raise HTTPException(404, str(exc)) from None
    flash(request, "Handle unlinked; its cases no longer belong to this customer.")
    return see_other(f"/cases/{case_id}#customer-networks")


@router.post("/cases/{case_id}/customer/contact", dependencies=[CsrfChecked])
def set_customer_contact(
    case_id: RowId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    email: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Keep the customer's email and phone on the record (never in a public reply)."""
    case = visible_case(session, viewer.user, case_id)

    def save() -> str:
        customer = _customer_for(session, case, viewer.user)
        update_customer(
            session,
            customer,
            {"email": email.strip() or None, "phone": phone.strip() or None},
            actor=viewer.user,
        )
        return "Contact details saved on the customer record."

    return form_post(
        request,
        session,
        save,
        back=f"/cases/{case_id}#customer-networks",
        refused=(CustomerError,),
    )


# --- template globals for the shared layout ----------------------------------------------------

_banner_cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}
_banner_lock = threading.Lock()


def _all_open_alerts(database_url: str) -> list[dict[str, Any]]:
    """Open alerts with their brand, cached for a few seconds per database."""
    with _banner_lock:
        cached = _banner_cache.get(database_url)
        if cached and time.monotonic() - cached[0] < BANNER_TTL_S:
            return cached[1]
    with transaction(database_url) as session:
        brands = brand_of_accounts(session)
        found = [
            {
                "network": a.network,
                "account": a.account,
                "kind": a.kind.replace("_", " "),
                "message": a.message,
                "since": a.opened_at,
                "brand_id": brands.get(a.channel_account_id) if a.channel_account_id else None,
            }
            for a in open_alerts(session)
        ]
    with _banner_lock:
        _banner_cache[database_url] = (time.monotonic(), found)
    return found


def forget_banner_cache() -> None:
    """Drop the cached alerts (after an admin closes one, and in tests)."""
    with _banner_lock:
        _banner_cache.clear()


def channel_health(request: Request) -> list[dict[str, Any]]:
    """The open channel alerts the signed-in person may see (for the banner)."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is None:
        return []
    alerts = _all_open_alerts(request.app.state.settings.database_url)
    if viewer.brand_ids is None:
        return alerts
    return [a for a in alerts if a["brand_id"] is None or a["brand_id"] in viewer.brand_ids]


def case_connections(request: Request, case: Case) -> dict[str, Any]:
    """The case's customer across networks, their cases everywhere, and the case's API cost."""
    with transaction(request.app.state.settings.database_url) as session:
        fresh = session.get(Case, case.id)
        if fresh is None:
            return {}
        customer_id = fresh.customer_id or fresh.customer_author.customer_id
        customer = session.get(Customer, customer_id) if customer_id else None
        handles = list(customer.handles) if customer else []
        return {
            "customer": customer,
            "handles": [(h.id, h.network, h.handle) for h in handles],
            "cases": [
                (c.id, c.network, c.status, c.subject, c.opened_at)
                for c in customer_cases(session, fresh)
            ],
            "spend": case_spend(session, fresh.id),
            "networks": [n.value for n in Network],
        }


templates.env.globals["channel_health"] = channel_health
templates.env.globals["case_connections"] = case_connections


@router.post("/admin/brands/{brand_id}/accounts", dependencies=[CsrfChecked])
def brand_account(
    brand_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    network: Annotated[str, Form()],
    handle: Annotated[str, Form()],
    native_user_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Attach a network account to the brand (posts to it become the brand's cases)."""
    brand = brand_or_404(session, brand_id)

    def add() -> str:
        add_account(session, brand, parse_network(network), handle, native_user_id.strip() or None)
        adopt_brand(session, brand, actor=viewer.user)
        return f"Added {network} account @{handle.strip().lstrip('@')} to {brand.name}."

    return form_post(
        request,
        session,
        add,
        back=brand_section(brand),
        refused=(BrandError, ValueError),
        rollback=False,
    )


def _account(session: Session, account_id: int) -> ChannelAccount:
    account = session.get(ChannelAccount, account_id)
    if account is None:
        raise HTTPException(404, f"no account {account_id}")
    return account


@router.post("/admin/accounts/{account_id}/connect", dependencies=[CsrfChecked])
def connect_account(
    account_id: RowId,
    request: Request,
    session: DbSession,
    viewer: AdminViewer,
    token: Annotated[str, Form()] = "",
    base_url: Annotated[str, Form()] = "",
    native_user_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Store credentials so replies can go out through this account."""
    account = _account(session, account_id)

    def store() -> str:
        connect(
            session,
            account,
            token=token,
            base_url=base_url,
            native_user_id=native_user_id,
            actor=viewer.user,
        )
        adopt_brand(session, account.brand, actor=viewer.user)
        return f"Connected @{account.handle} on {account.network}."

    return form_post(
        request,
        session,
        store,
        back=brand_section(account.brand),
        refused=(CredentialsError,),
        rollback=False,
    )


@router.post("/admin/accounts/{account_id}/remove", dependencies=[CsrfChecked])
def remove_account(
    account_id: RowId, request: Request, session: DbSession, viewer: AdminViewer
) -> RedirectResponse:
    """Remove an account from its brand."""
    account = _account(session, account_id)
    brand = account.brand
    remove(session, account, actor=viewer.user)
    flash(request, f"Removed @{account.handle} ({account.network}).")
    return see_other(brand_section(brand))
