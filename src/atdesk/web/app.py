"""The FastAPI application: pages, API and webhooks behind one login."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from atdesk import __version__
from atdesk.accounts.deps import api_user
from atdesk.accounts.lockout import LoginLimits
from atdesk.accounts.pages import admin as account_admin
from atdesk.accounts.pages import login, me
from atdesk.accounts.sessions import ABSOLUTE_LIFETIME
from atdesk.automations.appointments import endpoints as appointment_endpoints
from atdesk.automations.appointments import pages as appointment_pages
from atdesk.automations.bot import endpoints as bot_endpoints
from atdesk.automations.bot import pages as bot_pages
from atdesk.automations.callbacks import endpoints as callback_endpoints
from atdesk.automations.callbacks import pages as callback_pages
from atdesk.automations.cityreports import endpoints as cityreport_endpoints
from atdesk.automations.cityreports import pages as cityreport_pages
from atdesk.automations.engine import endpoints as rule_endpoints
from atdesk.automations.engine import pages as rule_pages
from atdesk.automations.outbound import endpoints as outbound_endpoints
from atdesk.automations.outbound import pages as outbound_pages
from atdesk.brands import pages as brand_pages
from atdesk.cases import endpoints as case_endpoints
from atdesk.cases import listening_endpoints
from atdesk.cases.pages import actions as case_actions
from atdesk.cases.pages import admin as case_admin
from atdesk.cases.pages import advocates as advocate_pages
from atdesk.cases.pages import case as case_page
from atdesk.cases.pages import escalations as escalation_pages
from atdesk.cases.pages import inbox, live, presence, saved_views
from atdesk.config import Settings, load_settings
from atdesk.connectors import endpoints as connector_endpoints
from atdesk.costs import endpoints as cost_endpoints
from atdesk.costs import pages as cost_pages
from atdesk.customers import endpoints as customer_endpoints
from atdesk.customers import pages as customer_pages
from atdesk.insights import endpoints as insight_endpoints
from atdesk.insights import pages as insight_pages
from atdesk.insights.incidents import endpoints as incident_endpoints
from atdesk.insights.incidents import pages as incident_pages
from atdesk.insights.spikes import endpoints as spike_endpoints
from atdesk.insights.spikes import pages as spike_pages
from atdesk.lifecycle import endpoints as lifecycle_endpoints
from atdesk.lifecycle import pages as lifecycle_pages
from atdesk.models.base import utcnow
from atdesk.noise import endpoints as noise_endpoints
from atdesk.noise import pages as noise_pages
from atdesk.reports import endpoints as report_endpoints
from atdesk.reports import pages as report_pages
from atdesk.respond import endpoints as reply_endpoints
from atdesk.respond.outbox import ChannelOutbox, Outbox
from atdesk.respond.pages import approvals, composer, macros
from atdesk.surveys import endpoints as survey_endpoints
from atdesk.surveys import pages as survey_pages
from atdesk.ui.templating import add_chrome
from atdesk.web import health, metrics
from atdesk.web.bodylimits import BodyLimits
from atdesk.web.collector import tune_collector
from atdesk.web.errors import install_error_handlers, unknown_feeds
from atdesk.web.proxies import ForwardedHeaders, TrustedProxies
from atdesk.web.request_ids import RequestIds, bind_case
from atdesk.web.security import SecurityHeaders, SessionCookies, docs_page_policy
from atdesk.web.storable_text import storable_text
from atdesk.web.timing import ServerTiming
from atdesk.worker import wire

# The cookie only names a server-side session, whose own expiry decides (accounts.sessions).
SESSION_COOKIE_MAX_AGE_S = int(ABSOLUTE_LIFETIME.total_seconds())


def create_app(settings: Settings | None = None, *, outbox: Outbox | None = None) -> FastAPI:
    """Build the app for these settings; tests make one per database (and may swap the outbox)."""
    settings = settings or load_settings()
    tune_collector()
    app = FastAPI(
        title="atdesk",
        version=__version__,
        description="Social customer care: @ is the new 1-800.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(storable_text), Depends(bind_case)],
    )
    app.state.settings = settings
    app.state.outbox = outbox or ChannelOutbox()
    app.state.login_limits = LoginLimits.default()
    app.state.clock = utcnow
    # Outermost last: headers on every answer, then who is asking, then the body cap.
    app.add_middleware(
        SessionCookies,
        secret_key=settings.signing_key,
        max_age=SESSION_COOKIE_MAX_AGE_S,
        always_secure=settings.public_url.lower().startswith("https://"),
    )
    app.add_middleware(ServerTiming)
    app.add_middleware(BodyLimits)
    app.add_middleware(ForwardedHeaders, trusted=TrustedProxies.parse(settings.trusted_proxies))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestIds)
    app.mount(
        "/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"
    )
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(login.router)
    for module in (
        inbox,
        saved_views,
        case_page,
        composer,
        case_actions,
        presence,
        live,
        approvals,
        account_admin,
        brand_pages,
        case_admin,
        macros,
        me,
        escalation_pages,
        advocate_pages,
    ):
        app.include_router(module.router)
    app.include_router(case_endpoints.router)
    app.include_router(case_endpoints.saved_views_router)
    app.include_router(listening_endpoints.router)
    app.include_router(reply_endpoints.router)
    app.include_router(customer_endpoints.router)
    app.include_router(connector_endpoints.router)
    for automation_router in (
        rule_pages.router,
        callback_pages.router,
        appointment_pages.router,
        bot_pages.router,
        cityreport_pages.router,
        outbound_pages.router,
        rule_endpoints.router,
        callback_endpoints.router,
        appointment_endpoints.router,
        bot_endpoints.router,
        cityreport_endpoints.router,
        outbound_endpoints.router,
        customer_pages.router,
        callback_pages.feeds,
        appointment_pages.feeds,
        unknown_feeds,
    ):
        app.include_router(automation_router)
    app.include_router(survey_pages.router)
    app.include_router(survey_endpoints.router)
    app.include_router(cost_pages.router)
    app.include_router(cost_endpoints.router)
    app.include_router(noise_pages.router)
    app.include_router(noise_endpoints.router)
    app.include_router(incident_pages.router)
    app.include_router(incident_endpoints.router)
    app.include_router(insight_pages.router)
    app.include_router(insight_endpoints.router)
    app.include_router(spike_pages.router)
    app.include_router(spike_endpoints.router)
    app.include_router(report_pages.router)
    app.include_router(report_endpoints.router)
    app.include_router(lifecycle_pages.router)
    app.include_router(lifecycle_endpoints.router)

    wire()
    add_chrome(approvals.approvals_badge)
    add_chrome(spike_pages.spike_banner)
    add_chrome(incident_pages.incidents_waiting)
    add_chrome(escalation_pages.escalations_badge)
    install_error_handlers(app)

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(api_user)])
    def _openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(api_user)])
    def _docs() -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url="/openapi.json", title="atdesk API")
        page.headers["Content-Security-Policy"] = docs_page_policy(bytes(page.body).decode())
        return page

    return app
