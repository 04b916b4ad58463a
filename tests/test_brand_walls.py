"""Issue 10, point 2: brand walls. Every route, as an agent and a supervisor of another brand.

The workspace has brands Acme (team Acme: ana, sam) and Zzother (team Other: olga), and one of
everything for Zzother: a case, a customer and their handle, a macro, saved views, a callback,
an appointment, a survey, a rule, an article, a job, a draft waiting for approval, a note, a
channel alert, a city report, a correction, a token, a history case (ADR 73) and a community
answer in a high-risk case (ADR 89). The walk visits
every route of the app (UI and API) as ana (an agent) and as sam (a supervisor) with Zzother's
ids in the path, the query and the body:

- a read with Zzother's id in its path answers 403/404; any other read answers 403/404 or shows
  nothing of Zzother (its marker word, its customer's words, and in JSON no `brand_id`,
  `case_id` or `customer_id` of Zzother), also with Acme's own ids in the path, with searches,
  Zzother's brand as a filter and the History view;
- a write answers 403/404 and leaves every row that belongs to Zzother as it was;
- the live stream of Zzother's case answers 404 (the inbox stream: its own test below).

Writes that are about the signed-in person only (log in and out, their own tokens, password,
presence, new views of their own) are listed apart; for them too Zzother's rows stay as they
were. A route the walk does not know fails the test, so a new route has to be placed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Table, and_, or_, select
from sqlalchemy.orm import Session

from atdesk.accounts.service import create_token, find_user
from atdesk.automations.engine.service import install_defaults
from atdesk.cases.pages import live
from atdesk.cases.pages.live import ChangeFeed
from atdesk.config import Settings
from atdesk.customers import endpoints as customer_endpoints
from atdesk.customers.service import create_customer, link_handle
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.models import (
    AgentActivity,
    ApiToken,
    Appointment,
    AppointmentResource,
    Author,
    AutomationJob,
    AutomationRule,
    BlockEntry,
    Brand,
    Callback,
    Case,
    CaseNote,
    ChannelAccount,
    ChannelAlert,
    CommunityAnswer,
    Customer,
    CustomerHandle,
    Incident,
    IncidentCase,
    IncidentUpdate,
    Issue,
    KbArticle,
    Macro,
    Open311Report,
    Post,
    ReplyDraft,
    SavedView,
    SpikeAlert,
    Survey,
    Team,
    TriageCorrection,
)
from atdesk.models.base import Base
from atdesk.pipeline.runner import process_events
from atdesk.reports.facts import refresh as refresh_report_facts
from atdesk.respond.pages import macros
from atdesk.storage.session import transaction
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.factories import T0, post, run
from tests.routewalk import Route, routes
from tests.web.conftest import Workspace, workspace  # noqa: F401 (fixture)
from tests.web.server import serving
from tests.web.test_live import read_events

MARKERS = ("zzother", "my invoice is wrong", "otherhelp")
REFUSED = (403, 404)
STREAMS = frozenset({"/live"})


@dataclass
class Ids:
    """Zzother's rows the walk aims at, and a few of Acme's to aim from."""

    brand: int = 0
    case: int = 0
    history_case: int = 0
    post: int = 0
    conversation: int = 0
    author: int = 0
    customer: int = 0
    handle: int = 0
    macro: int = 0
    view: int = 0
    shared_view: int = 0
    callback: int = 0
    resource: int = 0
    appointment: int = 0
    survey: int = 0
    rule: int = 0
    article: int = 0
    job: int = 0
    draft: int = 0
    alert: int = 0
    spike_alert: int = 0
    report: int = 0
    incident: int = 0
    incident_update: int = 0
    issue: int = 0
    answer: int = 0
    token: int = 0
    olga: int = 0
    team: int = 0
    account: int = 0
    acme: int = 0
    acme_case: int = 0
    acme_customer: int = 0
    acme_resource: int = 0
    block: int = 0
    own: dict[str, int] = field(default_factory=dict)


def _one(session: Session, query: Any) -> Any:
    return session.scalars(query).one()


def seed_zzother(settings: Settings) -> Ids:
    """One of everything for Zzother (the seeded Other brand, renamed to a word no page has)."""
    ids = Ids()
    with transaction(settings.database_url) as s:
        brand = _one(s, select(Brand).where(Brand.name == "Other"))
        brand.name = "Zzother"
        acme = _one(s, select(Brand).where(Brand.name == "Acme"))
        eve = _one(s, select(Author).where(Author.handle == "eve"))
        case = _one(s, select(Case).where(Case.customer_author_id == eve.id))
        olga = find_user(s, "olga")
        first = _one(s, select(Post).where(Post.native_id == "4"))
        customer = create_customer(s, name="Eve Zzother", email="eve@zzother.example", actor="t")
        handle = link_handle(s, customer, Network.X, "eve", actor="test")
        dana = _one(s, select(Author).where(Author.handle == "dana"))
        acme_case = _one(s, select(Case).where(Case.customer_author_id == dana.id))
        acme_customer = create_customer(s, name="Dana Acme", actor="test")
        link_handle(s, acme_customer, Network.X, "dana", actor="test")
        window = (T0 + timedelta(days=1), T0 + timedelta(days=1, hours=1))
        resource = AppointmentResource(brand_id=brand.id, name="Zzother van", kinds=["visit"])
        acme_resource = AppointmentResource(brand_id=acme.id, name="Acme van", kinds=["visit"])
        s.add_all([resource, acme_resource])
        s.flush()
        install_defaults(s, brand)
        rule = s.scalars(select(AutomationRule).where(AutomationRule.brand_id == brand.id)).first()
        assert rule is not None
        rule.name = "Zzother rule"
        rows: dict[str, Any] = {
            "macro": Macro(brand_id=brand.id, name="Zzother macro", body="Zzother text"),
            "view": SavedView(owner_user_id=olga.id, name="Zzother view", filters={}),
            "shared_view": SavedView(
                owner_user_id=olga.id, name="Zzother shared", filters={}, position=1
            ),
            "callback": Callback(
                brand_id=brand.id,
                case_id=case.id,
                customer_id=customer.id,
                author_id=eve.id,
                post_id=first.id,
                reason="Zzother callback",
                window_start=window[0],
                window_end=window[1],
                status="queued",
            ),
            "appointment": Appointment(
                brand_id=brand.id,
                customer_id=customer.id,
                resource_id=resource.id,
                case_id=case.id,
                kind="visit",
                start_at=window[0],
                end_at=window[1],
                notes="Zzother visit",
            ),
            "survey": Survey(
                brand_id=brand.id,
                case_id=case.id,
                author_id=eve.id,
                customer_id=customer.id,
                network="x",
                kind="csat",
                status="sent",
                sent_at=T0,
                expires_at=T0 + timedelta(days=7),
                text="Zzother survey",
            ),
            "article": KbArticle(brand_id=brand.id, title="Zzother article", body="Zzother"),
            "block": BlockEntry(
                brand_id=brand.id, kind="keyword", value="zzother words", created_by="t"
            ),
            "job": AutomationJob(
                kind="zzother.kind",
                key="zzother-job",
                brand_id=brand.id,
                case_id=case.id,
                status="needs_human",
                last_error="Zzother failure",
            ),
            "draft": ReplyDraft(
                case_id=case.id,
                author_user_id=olga.id,
                mode="public",
                text="Zzother draft",
                status="pending",
                hold_reason="Zzother hold",
            ),
            "alert": ChannelAlert(
                channel_account_id=_one(
                    s, select(ChannelAccount.id).where(ChannelAccount.brand_id == brand.id)
                ),
                network="x",
                account="otherhelp",
                kind="auth",
                message="Zzother alert",
            ),
            "spike_alert": SpikeAlert(
                brand_id=brand.id,
                series_key="brand",
                kind="volume",
                label="Zzother spike",
                terms=["zzother"],
                started_at=T0,
                ended_at=T0 + timedelta(hours=1),
                detected_at=T0 + timedelta(minutes=10),
                posts=120,
                baseline_per_hour=2.0,
                peak_per_hour=60.0,
                p_value=1e-30,
                severity="critical",
                status="open",
            ),
            "incident": Incident(
                brand_id=brand.id,
                title="Zzother incident",
                status="open",
                match_terms=["zzother"],
                created_by_user_id=olga.id,
            ),
            "report": Open311Report(
                brand_id=brand.id,
                case_id=case.id,
                post_id=first.id,
                status="needs_human",
                description="Zzother pothole",
            ),
            "issue": Issue(
                brand_id=brand.id,
                label="Zzother issue",
                terms=["zzother", "invoice"],
                status="open",
                first_seen=T0,
                last_seen=T0,
                post_count=1,
                centroid=b"",
            ),
        }
        s.add_all(rows.values())
        s.add(CaseNote(case_id=case.id, author_user_id=olga.id, body="Zzother note"))
        s.add(  # olga's handling time on Zzother's case: no beat of another brand extends it
            AgentActivity(
                user_id=olga.id,
                case_id=case.id,
                brand_id=brand.id,
                kind="composing",
                started_at=T0,
                ended_at=T0 + timedelta(seconds=40),
                seconds=40.0,
            )
        )
        s.add(
            TriageCorrection(
                post_id=first.id,
                case_id=case.id,
                field="intent",
                before="billing",
                after="complaint",
                text="Zzother correction",
                user_id=olga.id,
            )
        )
        create_token(s, olga, "Zzother token")
        archived = post("h1", "@otherhelp zzother archive: old invoice", author="46", handle="hal")
        archived["created_at"] = (T0 - timedelta(days=400)).isoformat()
        process_events(s, [RawEvent(source="jsonl", payload=archived)], history=True)
        # A community answer in Zzother's case, which is high risk for Zzother (ADR 89).
        brand.settings = {**(brand.settings or {}), "risk_threshold": 1}
        run(
            s,
            post(
                "z1",
                "@otherhelp zzother: how do I fix it?",
                author="44",
                handle="eve",
                minutes=6,
                in_reply_to="4",
            ),
            post(
                "z2",
                "zzother tip: go to Settings > Billing",
                author="47",
                handle="zed",
                minutes=7,
                in_reply_to="z1",
            ),
        )
        s.flush()
        incident_id = rows["incident"].id
        # Eve's live "zzother" question above has already joined the open incident by its term.
        linked = select(IncidentCase.how).where(
            IncidentCase.incident_id == incident_id, IncidentCase.case_id == case.id
        )
        assert s.scalar(linked) == "matched"
        held = IncidentUpdate(
            incident_id=incident_id,
            text="Zzother update",
            visibility="public",
            status="pending",
            created_by_user_id=olga.id,
            review_note="",
        )
        s.add(held)
        s.flush()
        ids.incident_update = held.id
        assert s.get(Case, case.id).risk_high  # type: ignore[union-attr]
        ids.answer = _one(s, select(CommunityAnswer.id).where(CommunityAnswer.case_id == case.id))
        rows["shared_view"].team_id = _one(s, select(Team.id).where(Team.name == "Other"))
        for name, row in rows.items():
            setattr(ids, name, row.id)
        first.issue_id = rows["issue"].id
        ids.brand, ids.case, ids.post = brand.id, case.id, first.id
        first.abuse = True  # in Zzother's review list (/filtered), which no one else may see
        ids.conversation, ids.author = case.conversation_id, eve.id
        ids.customer, ids.handle, ids.rule = customer.id, handle.id, rule.id
        ids.resource, ids.olga = resource.id, olga.id
        ids.token = _one(s, select(ApiToken.id).where(ApiToken.user_id == olga.id))
        ids.team = _one(s, select(Team.id).where(Team.name == "Other"))
        ids.account = _one(s, select(ChannelAccount.id).where(ChannelAccount.brand_id == brand.id))
        ids.acme, ids.acme_case, ids.acme_customer = acme.id, acme_case.id, acme_customer.id
        ids.acme_resource = acme_resource.id
        ids.history_case = _one(s, select(Case.id).where(Case.history, Case.brand_id == brand.id))
    return ids


@pytest.fixture
def zzother(workspace: Workspace) -> Ids:  # noqa: F811 (fixture)
    """Zzother's objects in the seeded workspace (and the report facts computed from them)."""
    ids = seed_zzother(workspace.settings)
    refresh_report_facts(workspace.settings.database_url)
    return ids


# --- what belongs to Zzother, row by row --------------------------------------------------------


def _owned(table: Table, ids: Ids) -> Any:
    """The condition for this table's rows that belong to Zzother (None: none can)."""
    by_column = {
        "brand_id": ids.brand,
        "case_id": ids.case,
        "customer_id": ids.customer,
        "author_id": ids.author,
        "owner_user_id": ids.olga,
        "user_id": ids.olga,
        "author_user_id": ids.olga,
        "team_id": ids.team,
        "channel_account_id": ids.account,
        "conversation_id": ids.conversation,
    }
    by_id = {
        "brands": ids.brand,
        "cases": ids.case,
        "customers": ids.customer,
        "users": ids.olga,
        "teams": ids.team,
        "channel_accounts": ids.account,
        "authors": ids.author,
        "conversations": ids.conversation,
    }
    conditions = [table.c[name] == value for name, value in by_column.items() if name in table.c]
    if table.name in by_id:
        conditions.append(table.c.id == by_id[table.name])
    if table.name == "audit_events":
        entities = {
            "case": ids.case,
            "customer": ids.customer,
            "brand": ids.brand,
            "team": ids.team,
            "macro": ids.macro,
            "rule": ids.rule,
            "saved_view": ids.view,
        }
        conditions += [
            and_(table.c.entity_type == kind, table.c.entity_id == value)
            for kind, value in entities.items()
        ]
    return or_(*conditions) if conditions else None


# Rows that change on any request of the person asking (who they are, when they were seen).
NOISE = frozenset({"login_sessions", "agent_profiles", "case_viewers"})


def zzother_rows(database_url: str, ids: Ids) -> dict[str, list[str]]:
    """Every row that belongs to Zzother, as text, table by table."""
    found: dict[str, list[str]] = {}
    with transaction(database_url) as session:
        for table in Base.metadata.sorted_tables:
            condition = _owned(table, ids)
            if condition is None or table.name in NOISE:
                continue
            rows = session.execute(select(table).where(condition)).all()
            found[table.name] = sorted(json.dumps(list(r), default=str) for r in rows)
    return found


# --- what each write sends ---------------------------------------------------------------------

RULE: dict[str, Any] = {
    "name": "Zzother probe",
    "when": {"intent": ["billing"]},
    "then": [{"type": "tag", "tags": ["x"]}],
}
WHEN: dict[str, Any] = {
    "start_at": "2026-03-04T10:00:00+00:00",
    "end_at": "2026-03-04T11:00:00+00:00",
}

# Writes about the signed-in person only; nothing of another brand can be named in them (a
# new saved view stores filters, not access: ADR 72).
OWN = frozenset(
    {
        "POST /login",
        "POST /logout",
        "POST /views",
        "POST /api/v1/saved-views",
        "POST /me/presence",
        "POST /me/tokens",
        "POST /me/password",
        "POST /me/sessions/end",
        "POST /webhooks/x",
        "POST /verify/{token}",
    }
)


def writes(ids: Ids) -> dict[str, list[dict[str, Any]]]:
    """For each write route, the requests that aim at Zzother (path values, form or JSON)."""
    z = ids
    case, cust, brand = {"case_id": z.case}, {"customer_id": z.customer}, {"brand_id": z.brand}
    acme_case = {"case_id": z.acme_case}

    def form(path: Mapping[str, object] | None = None, **data: Any) -> dict[str, Any]:
        return {"path": path or {}, "data": data}

    def body(
        path: Mapping[str, object] | None = None, query: Any = None, **data: Any
    ) -> dict[str, Any]:
        return {"path": path or {}, "json": data, "params": query or {}}

    return {
        "POST /inbox/bulk": [form(action="resolve", case_ids=[z.case])],
        "POST /views/{view_id}": [
            form({"view_id": z.view}, action="rename", name="mine now"),
            form({"view_id": z.shared_view}, action="delete"),
        ],
        "POST /cases/{case_id}/reply": [form(case, text="hello", mode="public", version="0")],
        "POST /cases/{case_id}/move-to-dm": [form(case, version="0")],
        "POST /compose/measure": [form(case_id=z.case, text="hello")],
        "POST /cases/{case_id}/assign": [form(case, assignee_id="me")],
        "POST /cases/{case_id}/priority": [form(case, value="urgent")],
        "POST /cases/{case_id}/tags": [form(case, tags="probe")],
        "POST /cases/{case_id}/tags/remove": [form(case, tag="probe")],
        "POST /cases/{case_id}/escalate": [form(case, on="1")],
        "POST /cases/{case_id}/sensitive": [form(case, on="1")],
        "POST /cases/{case_id}/resolve": [form(case)],
        "POST /cases/{case_id}/reopen": [form(case)],
        "POST /cases/{case_id}/notes": [form(case, body="probe")],
        "POST /posts/{post_id}/triage": [form({"post_id": z.post}, choice="intent:complaint")],
        "POST /cases/{case_id}/presence": [form(case, state="viewing")],
        "POST /approvals/{draft_id}/approve": [form({"draft_id": z.draft}, text="ok")],
        "POST /approvals/{draft_id}/reject": [form({"draft_id": z.draft}, note="no")],
        "POST /admin/users": [form(username="zed", password="long enough pw", role="admin")],
        "POST /admin/users/{user_id}": [form({"user_id": z.olga}, role="agent", active="")],
        "POST /admin/teams": [form(name="Probe")],
        "POST /admin/teams/{team_id}": [form({"team_id": z.team}, members=[1], brands=[z.brand])],
        "POST /admin/brands": [form(name="Probe")],
        "POST /admin/brands/{brand_id}/rules": [form(brand, sensitive_keywords="x")],
        "POST /admin/brands/{brand_id}/listening": [form(brand, terms="probe")],
        "POST /admin/brands/{brand_id}/accounts": [form(brand, network="x", handle="probe")],
        "POST /admin/accounts/{account_id}/connect": [form({"account_id": z.account}, token="t")],
        "POST /admin/accounts/{account_id}/remove": [form({"account_id": z.account})],
        "POST /admin/sla/{brand_id}/targets": [form(brand, urgent_first="5")],
        "POST /admin/sla/{brand_id}/hours": [form(brand)],
        "POST /admin/sla/{brand_id}/holidays": [form(brand, day="2026-12-25", name="x")],
        "POST /admin/macros": [
            form(name="Probe", body="Probe text", brand_id=str(z.brand)),
            form(name="Probe", body="Probe text", brand_id=str(z.acme), macro_id=str(z.macro)),
            form(name="Probe", body="Probe text", macro_id=str(z.macro), delete="1"),
        ],
        "POST /me/tokens/{token_id}/revoke": [form({"token_id": z.token})],
        "PATCH /api/v1/cases/{case_id}": [body(case, priority="urgent")],
        "POST /api/v1/cases/{case_id}/notes": [body(case, body="probe")],
        "POST /api/v1/cases/{case_id}/replies": [body(case, text="hello", version=0)],
        "PATCH /api/v1/saved-views/{view_id}": [
            body({"view_id": z.view}, name="mine now"),
            body({"view_id": z.shared_view}, name="mine now"),
        ],
        "DELETE /api/v1/saved-views/{view_id}": [
            body({"view_id": z.view}),
            body({"view_id": z.shared_view}),
        ],
        "POST /api/v1/customers": [body(name="Probe", handles=[{"network": "x", "handle": "eve"}])],
        "PATCH /api/v1/customers/{customer_id}": [body(cust, email="probe@example.com")],
        "POST /api/v1/customers/{customer_id}/handles": [
            body(cust, network="x", handle="probe"),
            body({"customer_id": z.acme_customer}, network="x", handle="eve"),
        ],
        "DELETE /api/v1/customers/{customer_id}/handles/{handle_id}": [
            body({**cust, "handle_id": z.handle}),
            body({"customer_id": z.acme_customer, "handle_id": z.handle}),
        ],
        "POST /admin/channels/{account_id}/reader": [form({"account_id": z.account}, stream="")],
        "POST /admin/channels/{account_id}/x-webhook": [
            form({"account_id": z.account}, url="https://probe.example/x")
        ],
        "POST /admin/channels/budget/{network}": [form({"network": "x"}, limit="1")],
        "POST /admin/channels/prices/{network}": [form({"network": "x"})],
        "POST /admin/channels/alert-webhook": [form(url="https://probe.example/a")],
        "POST /admin/channels/alerts/{alert_id}/close": [form({"alert_id": z.alert})],
        "POST /cases/{case_id}/customer/handles": [
            form(case, network="x", handle="probe"),
            form(acme_case, network="x", handle="eve"),
        ],
        "POST /cases/{case_id}/customer/handles/{handle_id}/unlink": [
            form({**case, "handle_id": z.handle}),
            form({**acme_case, "handle_id": z.handle}),
        ],
        "POST /cases/{case_id}/customer/contact": [form(case, email="probe@example.com")],
        "POST /automations/rules/edit": [
            form(
                brand_id=str(z.brand),
                text="name: Probe\nthen: [{type: tag, tags: [x]}]\n",
                do="save",
            ),
            form(
                brand_id=str(z.brand), rule_id=str(z.rule), text="name: Probe\nthen: []\n", do="dry"
            ),
        ],
        "POST /automations/rules/form": [
            form(brand_id=str(z.brand), do="dry", name="Probe"),
            form(rule_id=str(z.rule), do="dry", name="Probe"),
        ],
        "POST /automations/rules/{rule_id}/move": [form({"rule_id": z.rule}, offset="-1")],
        "POST /automations/rules/{rule_id}/toggle": [form({"rule_id": z.rule})],
        "POST /automations/rules/{rule_id}/delete": [form({"rule_id": z.rule})],
        "POST /automations/rules/import": [form(brand_id=str(z.brand), text="rules: []\n")],
        "POST /automations/callbacks/{callback_id}/claim": [form({"callback_id": z.callback})],
        "POST /automations/callbacks/{callback_id}/outcome": [
            form({"callback_id": z.callback}, outcome="reached")
        ],
        "POST /automations/callbacks/{callback_id}/reschedule": [
            form({"callback_id": z.callback}, day="2026-03-05", start="10:00", end="11:00")
        ],
        "POST /automations/appointments/{appointment_id}/cancel": [
            form({"appointment_id": z.appointment})
        ],
        "POST /automations/kb": [
            form(brand_id=str(z.brand), title="Probe", body="Probe"),
            form(brand_id=str(z.acme), title="Probe", body="Probe", article_id=str(z.article)),
            form(brand_id=str(z.brand), article_id=str(z.article), delete="1", title="x", body="x"),
        ],
        "POST /automations/jobs/{job_id}/retry": [form({"job_id": z.job})],
        "POST /automations/settings": [form(brand_id=str(z.brand), timezone="UTC")],
        "POST /api/v1/rules": [body(query=brand, **RULE)],
        "PUT /api/v1/rules/{rule_id}": [body({"rule_id": z.rule}, **RULE)],
        "DELETE /api/v1/rules/{rule_id}": [body({"rule_id": z.rule})],
        "POST /api/v1/rules/dry-run": [
            body(query=brand, **RULE),
            body(query={"brand_id": z.acme, "rule_id": z.rule}, **RULE),
        ],
        "POST /api/v1/rules/import": [body(query=brand, yaml="rules: []\n")],
        "POST /api/v1/callbacks/{callback_id}/claim": [body({"callback_id": z.callback})],
        "POST /api/v1/callbacks/{callback_id}/outcome": [
            body({"callback_id": z.callback}, outcome="reached")
        ],
        "POST /api/v1/callbacks/{callback_id}/reschedule": [
            body({"callback_id": z.callback}, start=WHEN["start_at"], end=WHEN["end_at"])
        ],
        "POST /api/v1/appointments": [
            body(brand_id=z.brand, customer_id=z.customer, resource_id=z.resource, **WHEN),
            body(brand_id=z.acme, customer_id=z.customer, resource_id=z.acme_resource, **WHEN),
            body(brand_id=z.acme, customer_id=z.acme_customer, resource_id=z.resource, **WHEN),
        ],
        "POST /api/v1/appointments/{appointment_id}/move": [
            body({"appointment_id": z.appointment}, **WHEN)
        ],
        "POST /api/v1/appointments/{appointment_id}/cancel": [
            body({"appointment_id": z.appointment})
        ],
        "POST /api/v1/resources": [body(brand_id=z.brand, name="Probe", hours={})],
        "POST /api/v1/kb": [body(brand_id=z.brand, title="Probe", body="Probe")],
        "DELETE /api/v1/kb/{article_id}": [body({"article_id": z.article})],
        "POST /api/v1/automation-jobs/{job_id}/retry": [body({"job_id": z.job})],
        "POST /surveys/settings": [form(brand_id=str(z.brand), kind="csat", enabled="1")],
        "PUT /api/v1/surveys/settings/{brand_id}": [body(brand, enabled=False)],
        "POST /costs/settings": [form(brand_id=str(z.brand), hourly_cost="1")],
        "PUT /api/v1/costs/settings/{brand_id}": [body(brand, hourly_cost="1")],
        "POST /privacy/retention": [form(brand_id=str(z.brand), days="30", mode="purge")],
        "POST /privacy/erase": [form(customer_id=str(z.customer), confirm=str(z.customer))],
        "PUT /api/v1/retention/{brand_id}": [body(brand, days=30, mode="purge")],
        "DELETE /api/v1/customers/{customer_id}": [body(cust)],
        "POST /cases/{case_id}/activity": [
            form(case, kind="viewing"),
            form(case, kind="composing"),
        ],
        "PUT /api/v1/brands/{brand_id}/listening": [body(brand, terms=["probe"])],
        "POST /admin/blocklist/{brand_id}": [form(brand, kind="user", value="probe")],
        "POST /admin/blocklist/{brand_id}/{entry_id}/remove": [
            form({**brand, "entry_id": z.block})
        ],
        "POST /filtered/{post_id}/restore": [form({"post_id": z.post})],
        "POST /api/v1/brands/{brand_id}/blocks": [body(brand, kind="user", value="probe")],
        "DELETE /api/v1/brands/{brand_id}/blocks/{entry_id}": [
            body({**brand, "entry_id": z.block})
        ],
        "POST /api/v1/filtered/{post_id}/restore": [body({"post_id": z.post})],
        "POST /insights/alerts/{spike_alert_id}/acknowledge": [
            form({"spike_alert_id": z.spike_alert})
        ],
        "POST /insights/alerts/settings": [form(brand_id=str(z.brand), min_posts="5")],
        "POST /api/v1/alerts/{spike_alert_id}/acknowledge": [
            body({"spike_alert_id": z.spike_alert})
        ],
        "PUT /api/v1/alerts/settings/{brand_id}": [body(brand, min_posts=5)],
        "POST /incidents/settings": [form(brand_id=str(z.brand), approval="on")],
        "POST /incidents/new": [form(case_ids=[z.case])],
        "POST /incidents": [form(case_ids=[z.case], title="Probe")],
        "POST /incidents/{incident_id}/updates": [form(text="Probe", visibility="public")],
        "POST /incidents/{incident_id}/close": [form()],
        "POST /incidents/updates/{update_id}/approve": [form()],
        "POST /incidents/updates/{update_id}/reject": [form(note="Probe")],
        "POST /api/v1/incidents": [
            body(case_ids=[z.case], title="Probe"),
            body(case_ids=[z.acme_case, z.case], title="Probe"),
        ],
        "POST /api/v1/incidents/{incident_id}/updates": [body(text="Probe")],
        "POST /api/v1/incidents/{incident_id}/close": [body()],
        "POST /api/v1/incidents/updates/{update_id}/approve": [body()],
        "POST /api/v1/incidents/updates/{update_id}/reject": [body(note="Probe")],
        "POST /api/v1/events": [
            {"path": {}, "params": {}, "json": [event("probe1", "@otherhelp zzother probe")]},
            {
                "path": {},
                "params": {},
                "json": [event("z1", "@otherhelp zzother: how do I fix it?")],
            },
            {"path": {}, "params": {}, "json": [event("probe2", "zzother probe", in_reply_to="4")]},
        ],
    }


def event(native_id: str, text: str, **extra: Any) -> dict[str, Any]:
    """A post pushed to the events API (SPEC §5 ingest format)."""
    return {
        "network": "x",
        "id": native_id,
        "text": text,
        "created_at": "2026-03-04T10:00:00+00:00",
        "author": {"id": "48", "handle": "probe"},
        **extra,
    }


# --- what each read sends -----------------------------------------------------------------------


def path_values(ids: Ids) -> dict[str, object]:
    """Zzother's id for each path parameter name."""
    return {
        "case_id": ids.case,
        "customer_id": ids.customer,
        "handle_id": ids.handle,
        "view_id": ids.view,
        "callback_id": ids.callback,
        "appointment_id": ids.appointment,
        "rule_id": ids.rule,
        "article_id": ids.article,
        "job_id": ids.job,
        "draft_id": ids.draft,
        "answer_id": ids.answer,
        "brand_id": ids.brand,
        "account_id": ids.account,
        "alert_id": ids.alert,
        "spike_alert_id": ids.spike_alert,
        "token_id": ids.token,
        "entry_id": ids.block,
        "user_id": ids.olga,
        "team_id": ids.team,
        "post_id": ids.post,
        "incident_id": ids.incident,
        "update_id": ids.incident_update,
        "issue_id": ids.issue,
        "network": "x",
        "kind": "callbacks",
        "token": "not-a-token",
    }


def query_values(ids: Ids) -> dict[str, object]:
    """Zzother's id for each query parameter that names a row."""
    return {
        "brand_id": ids.brand,
        "case_id": ids.case,
        "customer_id": ids.customer,
        "author_id": ids.author,
        "conversation_id": ids.conversation,
        "rule_id": ids.rule,
        "article_id": ids.article,
        "key": "not-the-key",
    }


# Path parameters that name a row of Zzother: a read naming one is refused outright.
NAMED = frozenset(path_values(Ids())) - {"network", "kind", "token"}


def acme_path_values(ids: Ids) -> dict[str, object]:
    """Acme's own ids, for reading the viewer's own pages (they must not show Zzother either)."""
    return {"case_id": ids.acme_case, "customer_id": ids.acme_customer, "brand_id": ids.acme}


def searches(ids: Ids) -> list[tuple[str, dict[str, object]]]:
    """Reads with a search or a filter that would find Zzother if the wall let it."""
    brand = {"brand_id": ids.brand}
    return [
        ("/", {"q": "invoice"}),
        ("/", {"view": "all", **brand}),
        ("/", {"view": "history"}),
        ("/", {"view": "history", "q": "archive"}),
        ("/inbox/rows", {"q": "invoice"}),
        ("/inbox/rows", {"view": "history", **brand}),
        ("/inbox/ids", {"q": "invoice"}),
        ("/inbox/ids", {"view": "history"}),
        ("/api/v1/cases", {"q": "invoice"}),
        ("/api/v1/cases", {"history": "include"}),
        ("/api/v1/cases", {"history": "only", **brand}),
        ("/api/v1/customers", {"q": "eve"}),
        ("/api/v1/customers", {"q": "zzother"}),
        ("/api/v1/saved-views", {}),
        ("/views", {}),
        ("/automations/callbacks", {"view": "all"}),
        ("/automations/jobs", {"view": "all"}),
        ("/insights", {"status": "all"}),
        ("/api/v1/issues", {"status": "all"}),
        ("/", {"view": "high_risk"}),
        ("/escalations", {}),
        ("/advocates", {}),
        ("/api/v1/escalations", {}),
        ("/api/v1/advocates", {}),
        ("/api/v1/cases", {"view": "high_risk"}),
        ("/costs", {}),
        ("/costs", {"since": "2000-01", "until": "2199-12"}),
        ("/api/v1/costs", {}),
        ("/privacy", {}),
        ("/api/v1/reports/summary", {}),
        ("/api/v1/reports/summary", {"team_id": ids.team}),
        ("/api/v1/reports/summary", {"agent_id": ids.olga}),
        ("/api/v1/reports/summary", {"issue_id": ids.issue}),
        ("/api/v1/reports/breakdown", {"by": "brand"}),
        ("/api/v1/reports/breakdown", {"by": "issue"}),
        ("/api/v1/reports/brands", {}),
        ("/api/v1/reports/drill", {"metric": "cases"}),
        ("/api/v1/reports/drill", {"metric": "cases", "key": f"brand:{ids.brand}"}),
        ("/api/v1/reports/drill", {"metric": "cases", "team_id": ids.team}),
        *report_searches(ids),
    ]


def report_searches(ids: Ids) -> list[tuple[str, dict[str, object]]]:
    """The reports pages, their CSV files and drill-downs aimed at Zzother's rows (issue 14),
    over a period around the seed's posts (T0) whatever the clock says."""
    period = {
        "period": "custom",
        "since": (T0 - timedelta(days=30)).date().isoformat(),
        "until": (T0 + timedelta(days=300)).date().isoformat(),
    }
    csv = {**period, "format": "csv"}
    tabs = ("agents", "teams", "brands", "networks", "intents", "issues")
    return [
        ("/reports", period),
        ("/reports", csv),
        *((f"/reports/{tab}", period) for tab in tabs),
        *((f"/reports/{tab}", csv) for tab in tabs),
        ("/reports/cases", {"metric": "cases", **period}),
        ("/reports/cases", {"metric": "cases", **csv}),
        ("/reports/cases", {"metric": "cases", "key": f"brand:{ids.brand}", **period}),
        ("/reports/cases", {"metric": "backlog", "key": f"team:{ids.team}", **period}),
    ]


def leaks(text: str, ids: Ids) -> list[str]:
    """What of Zzother a response shows: its words, and in JSON its brand, case or customer."""
    found = [m for m in MARKERS if m in text.lower()]
    try:
        data = json.loads(text)
    except ValueError:
        return found
    return found + sorted(set(_json_leaks(data, ids)))


def _json_leaks(data: Any, ids: Ids) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "brand_id" and value == ids.brand:
                yield "brand_id"
            if key == "case_id" and value in (ids.case, ids.history_case):
                yield "case_id"
            if key == "customer_id" and value == ids.customer:
                yield "customer_id"
            if (
                key == "case_ids"
                and isinstance(value, list)
                and {ids.case, ids.history_case} & {*value}
            ):
                yield "case_ids"
            yield from _json_leaks(value, ids)
    elif isinstance(data, list):
        for item in data:
            yield from _json_leaks(item, ids)


# --- the walk ------------------------------------------------------------------------------------


class Walker:
    """A signed-in client that logs in again when a route ends its session."""

    def __init__(self, seeded: Workspace, username: str) -> None:
        self.seeded, self.username = seeded, username
        self.client = self._login()

    def _login(self) -> TestClient:
        logged_in = self.seeded.login(self.username)
        client = TestClient(logged_in.app, follow_redirects=False, raise_server_exceptions=False)
        client.cookies = logged_in.cookies
        client.headers["X-CSRF-Token"] = logged_in.headers["X-CSRF-Token"]
        return client

    def send(self, method: str, url: str, **kwargs: Any) -> tuple[int, str]:
        """One request; its status and body (after logging in again if it was logged out)."""
        response = self.client.request(method, url, **kwargs)
        if response.status_code == 401 or "/login" in response.headers.get("location", ""):
            self.client = self._login()
            response = self.client.request(method, url, **kwargs)
        return response.status_code, response.text


def _app(walker: Walker) -> FastAPI:
    app = walker.client.app
    assert isinstance(app, FastAPI)
    return app


def _read(walker: Walker, route: Route, ids: Ids, problems: list[str]) -> None:
    """A read with Zzother's ids in the path and the query: refused, or nothing of Zzother;
    one naming a Zzother row in its path is refused outright."""
    url = route.url(path_values(ids))
    wanted = query_values(ids)
    params = {k: wanted[k] for k in route.query_params if k in wanted}
    status, text = walker.send("GET", url, params=params)
    if status >= 500:
        problems.append(f"{status} GET {url} {params}")
    elif status not in REFUSED and NAMED & set(route.path_params):
        problems.append(f"GET {url} {params} ({status}) names a row of Zzother and is not refused")
    elif status not in REFUSED and (found := leaks(text, ids)):
        problems.append(f"GET {url} {params} ({status}) shows {found}")
    own = acme_path_values(ids)
    if route.path_params and set(route.path_params) <= set(own):
        url = route.url(own)
        status, text = walker.send("GET", url)
        if status >= 500 or leaks(text, ids):
            problems.append(f"GET {url} (Acme's own, {status}) shows {leaks(text, ids)}")


def _write(
    walker: Walker, route: Route, ids: Ids, request: dict[str, Any], problems: list[str]
) -> None:
    """A write aimed at Zzother: refused (403/404) and every Zzother row as it was."""
    url = route.url({**path_values(ids), **request["path"]})
    before = zzother_rows(walker.seeded.settings.database_url, ids)
    kwargs = {k: request[k] for k in ("data", "json", "params") if k in request}
    status, text = walker.send(route.method, url, **kwargs)
    if str(route) not in OWN and status not in REFUSED:
        problems.append(f"{status} {route.method} {url} {kwargs}: {text[:160]!r}")
    after = zzother_rows(walker.seeded.settings.database_url, ids)
    changed = [t for t in before if before[t] != after[t]]
    if changed:
        problems.append(f"{route.method} {url} {kwargs} changed Zzother's {changed}")


def walk_as(seeded: Workspace, ids: Ids, username: str) -> list[str]:
    """Every route as this user; what went through the wall."""
    walker = Walker(seeded, username)
    planned = writes(ids)
    problems: list[str] = []
    walked = list(routes(_app(walker)))
    assert len(walked) > 100, "the walk finds the app's routes"
    for route in walked:
        if route.path in STREAMS:
            continue
        if not route.writes:
            _read(walker, route, ids, problems)
        elif str(route) in OWN:
            _write(walker, route, ids, {"path": {}, "data": {}}, problems)
        elif str(route) not in planned:
            problems.append(f"{route}: the walk does not know this write; add it to writes()")
        else:
            for request in planned[str(route)]:
                _write(walker, route, ids, request, problems)
    for path, params in searches(ids):
        status, text = walker.send("GET", path, params=params)
        if status >= 500 or leaks(text, ids):
            problems.append(f"GET {path} {params} ({status}) shows {leaks(text, ids)}")
    for case_id in (ids.case, ids.history_case):
        params = {"scope": "case", "case_id": case_id}
        status, _text = walker.send("GET", "/live", params=params)
        if status not in REFUSED:
            problems.append(f"GET /live {params} ({status}): the stream of Zzother's case opens")
    return problems


@pytest.fixture
def short_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    """A /live stream that opens ends at once, so a walk that wrongly opens one is not held."""
    monkeypatch.setattr(live, "STREAM_MAX_S", 0.0)


@pytest.mark.parametrize("username", ["ana", "sam"])
@pytest.mark.usefixtures("short_streams")
def test_no_route_lets_another_brand_through(
    workspace: Workspace,  # noqa: F811 (fixture)
    zzother: Ids,
    username: str,
) -> None:
    problems = walk_as(workspace, zzother, username)
    assert not problems, "\n".join(problems)


@pytest.mark.usefixtures("short_streams")
def test_the_walk_would_see_a_leak(
    workspace: Workspace,  # noqa: F811 (fixture)
    zzother: Ids,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Control: the issue's three holes planted back (customers by id, macros of any brand, the
    live stream of any case) and the walk names each of them."""
    monkeypatch.setattr(
        customer_endpoints, "_get", lambda session, _viewer, cid: session.get(Customer, cid)
    )
    monkeypatch.setattr(macros, "may_see_brand", lambda _brand_ids, _brand_id: True)
    monkeypatch.setattr(live, "visible_case", lambda session, _user, cid: session.get(Case, cid))
    found = walk_as(workspace, zzother, "sam")

    def named(start: str, then: str) -> bool:
        return any(line.startswith(start) and then in line for line in found)

    customer = f"/api/v1/customers/{zzother.customer}"
    assert named(f"GET {customer} ", "names a row of Zzother"), found
    assert named(f"PATCH {customer} ", "changed Zzother's ['customers'"), found
    assert named(f"DELETE {customer}/handles/", "'customer_handles'"), found
    assert named("POST /admin/macros ", "changed Zzother's ['macros']"), found
    assert named("GET /live ", f"'case_id': {zzother.case}}} (200)"), found


def test_the_markers_show_to_the_brands_own_agent(
    workspace: Workspace,  # noqa: F811 (fixture)
    zzother: Ids,
) -> None:
    """Control: the markers are there for someone who may see Zzother."""
    olga = Walker(workspace, "olga")
    shown = [
        path
        for path in (
            "/",
            f"/cases/{zzother.case}",
            f"/api/v1/customers/{zzother.customer}",
            "/api/v1/callbacks",
            "/api/v1/appointments",
            f"/api/v1/kb?brand_id={zzother.brand}",
            "/?view=history",
            "/api/v1/cases?history=only",
        )
        if leaks(olga.send("GET", path)[1], zzother)
    ]
    assert len(shown) == 8, shown


def test_a_customer_only_another_brand_met_is_not_found(
    workspace: Workspace,  # noqa: F811 (fixture)
    zzother: Ids,
) -> None:
    ana = workspace.login("ana")
    listed = ana.get("/api/v1/customers").json()
    assert [c["name"] for c in listed["items"]] == ["Dana Acme"], listed
    mine = ana.get(f"/api/v1/customers/{zzother.acme_customer}").json()
    assert mine["case_ids"] == [zzother.acme_case]
    assert ana.get(f"/api/v1/customers/{zzother.customer}").status_code == 404
    edited = ana.patch(f"/api/v1/customers/{zzother.customer}", json={"email": "a@b.example"})
    assert edited.status_code == 404
    olga = workspace.login("olga")
    assert olga.get(f"/api/v1/customers/{zzother.customer}").json()["email"] == (
        "eve@zzother.example"
    )
    made = ana.post("/api/v1/customers", json={"name": "Walk-in"})
    assert made.status_code == 201, "a record that met no brand yet is everyone's"
    assert ana.get(f"/api/v1/customers/{made.json()['id']}").status_code == 200
    root = workspace.login("root")
    assert root.get("/api/v1/customers").json()["total"] == 3, "admins see every customer"


def test_a_handle_a_hidden_record_holds_is_refused_without_naming_it(
    workspace: Workspace,  # noqa: F811 (fixture)
    zzother: Ids,
) -> None:
    with transaction(workspace.settings.database_url) as session:
        hidden = session.get(Customer, zzother.customer)
        assert hidden is not None
        link_handle(session, hidden, Network.X, "quietzed", actor="test")
    ana = workspace.login("ana")
    api = ana.post(
        f"/api/v1/customers/{zzother.acme_customer}/handles",
        json={"network": "x", "handle": "quietzed"},
    )
    assert api.status_code == 422, api.text
    assert "another customer" in api.text and f"customer {zzother.customer}" not in api.text
    page = ana.post(
        f"/cases/{zzother.acme_case}/customer/handles", data={"network": "x", "handle": "quietzed"}
    )
    assert page.status_code == 303
    shown = ana.get(f"/cases/{zzother.acme_case}").text
    assert "belongs to another customer" in shown
    assert f"customer {zzother.customer}" not in shown
    with transaction(workspace.settings.database_url) as session:
        holders = session.scalars(
            select(CustomerHandle.customer_id).where(CustomerHandle.handle_key == "quietzed")
        ).all()
    assert holders == [zzother.customer], "the handle stays where it was"


def test_a_supervisor_keeps_to_their_brands_macros(
    workspace: Workspace,  # noqa: F811 (fixture)
    zzother: Ids,
) -> None:
    sam = workspace.login("sam")
    page = sam.get("/admin/macros")
    assert page.status_code == 200 and "Zzother" not in page.text
    made = sam.post(
        "/admin/macros", data={"name": "Late parcel", "body": "Sorry!", "brand_id": zzother.acme}
    )
    assert made.status_code == 303
    assert "Late parcel" in sam.get("/admin/macros").text
    shared = sam.post("/admin/macros", data={"name": "All", "body": "x", "brand_id": ""})
    assert shared.status_code == 403, "only admins write macros for every brand"
    with transaction(workspace.settings.database_url) as session:
        assert session.scalar(select(Macro).where(Macro.name == "All")) is None


def test_the_live_stream_names_only_the_viewers_brands_cases(
    workspace: Workspace,  # noqa: F811 (fixture)
    zzother: Ids,
) -> None:
    feed = ChangeFeed(workspace.settings.database_url, max_age_s=0)
    before = feed.latest()
    with transaction(workspace.settings.database_url) as session:
        run(
            session,
            post(
                "41",
                "@otherhelp still wrong",
                author="44",
                handle="eve",
                minutes=60,
                in_reply_to="4",
            ),
            post(
                "42",
                "@acmehelp and the app too",
                author="45",
                handle="finn",
                minutes=61,
                in_reply_to="5",
            ),
        )
    after = feed.latest()
    assert zzother.case in feed.changed_cases(before, after)
    assert zzother.case not in feed.changed_cases(before, after, frozenset({zzother.acme}))
    ana = workspace.login("ana")
    events: list[dict[str, Any]] = []
    with (
        serving(ana.app) as base,  # type: ignore[arg-type]
        httpx.Client(base_url=base, cookies=dict(ana.cookies), timeout=15) as client,
        client.stream("GET", "/live", params={"scope": "inbox"}) as inbox,
    ):
        assert inbox.status_code == 200
        reader = threading.Thread(target=read_events, args=(inbox, "inbox", events))
        reader.start()
        with transaction(workspace.settings.database_url) as session:
            run(
                session,
                post(
                    "43",
                    "@otherhelp hello?",
                    author="44",
                    handle="eve",
                    minutes=70,
                    in_reply_to="41",
                ),
                post(
                    "44",
                    "@acmehelp hello?",
                    author="45",
                    handle="finn",
                    minutes=71,
                    in_reply_to="42",
                ),
            )
        reader.join(15)
    with transaction(workspace.settings.database_url) as session:
        finn = _one(session, select(Author.id).where(Author.handle == "finn"))
        finns = _one(session, select(Case.id).where(Case.customer_author_id == finn))
    assert events and finns in events[0]["ids"], "ana hears of her brand's case"
    assert zzother.case not in events[0]["ids"], "and never of another brand's"
