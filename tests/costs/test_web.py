"""What people meet: the case page's activity heartbeat (only on cases of their brands), the
costs page and API (only their brands), and the cost settings (supervisors and admins)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from atdesk.costs.settings import cost_settings
from atdesk.models import AgentActivity, AuditEvent, Author, Brand, Case, User
from atdesk.storage.session import transaction
from tests.factories import T0
from tests.web.conftest import Workspace


def case_of(url: str, handle: str) -> int:
    """The case of the customer with this handle."""
    with transaction(url) as session:
        author = session.scalars(select(Author).where(Author.handle == handle)).one()
        return session.scalars(select(Case.id).where(Case.customer_author_id == author.id)).one()


def brand_id(url: str, name: str) -> int:
    with transaction(url) as session:
        return session.scalars(select(Brand.id).where(Brand.name == name)).one()


def activity(url: str) -> list[tuple[int, int, str]]:
    with transaction(url) as session:
        return [
            (a.user_id, a.case_id, a.kind)
            for a in session.scalars(select(AgentActivity).order_by(AgentActivity.id))
        ]


def test_a_heartbeat_opens_and_extends_the_agents_interval(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    dana = case_of(url, "dana")
    ana = workspace.login("ana")
    first = ana.post(f"/cases/{dana}/activity", data={"kind": "viewing"})
    assert first.status_code == 200, first.text
    assert first.json() == {
        "credited_s": 0.0,
        "kind": "viewing",
        "beat_s": 15,
        "idle_after_s": 60,
    }
    second = ana.post(f"/cases/{dana}/activity", data={"kind": "viewing"})
    assert second.status_code == 200 and second.json()["credited_s"] >= 0
    composing = ana.post(f"/cases/{dana}/activity", data={"kind": "composing"})
    assert composing.json()["kind"] == "composing"
    back = ana.post(f"/cases/{dana}/activity", data={"kind": "viewing", "fresh": "1"})
    assert back.json()["credited_s"] == 0.0  # back from a hidden tab: a new interval
    with transaction(url) as session:
        ana_id = session.scalars(select(User.id).where(User.username == "ana")).one()
    assert activity(url) == [
        (ana_id, dana, "viewing"),
        (ana_id, dana, "composing"),
        (ana_id, dana, "viewing"),
    ]


def test_nobody_credits_time_on_another_brands_case(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    eve = case_of(url, "eve")  # Other's case; ana and sam work on Acme
    for username in ("ana", "sam"):
        client = workspace.login(username)
        refused = client.post(f"/cases/{eve}/activity", data={"kind": "composing"})
        assert refused.status_code == 404, refused.text
        assert "invoice" not in refused.text
    missing = workspace.login("ana").post("/cases/999999/activity", data={"kind": "viewing"})
    assert missing.status_code == 404
    assert activity(url) == []


def test_a_heartbeat_needs_a_known_kind_and_the_csrf_token(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    dana = case_of(url, "dana")
    ana = workspace.login("ana")
    wrong = ana.post(f"/cases/{dana}/activity", data={"kind": "napping"})
    assert wrong.status_code == 422
    assert "kind must be one of viewing, composing" in wrong.text
    del ana.headers["X-CSRF-Token"]
    assert ana.post(f"/cases/{dana}/activity", data={"kind": "viewing"}).status_code == 403
    assert activity(url) == []


def _worked_and_resolved(url: str) -> None:
    """Ana spent 15 minutes on dana's case, then it was resolved an hour after it opened;
    Other's case of eve is resolved too, with 10 minutes of olga's time."""
    with transaction(url) as session:
        users = {u.username: u for u in session.scalars(select(User))}
        for handle, who, minutes in (("dana", "ana", 15), ("eve", "olga", 10)):
            case = session.get(Case, case_of(url, handle))
            assert case is not None
            case.status, case.resolved_at = "resolved", T0 + timedelta(hours=1)
            session.add(
                AgentActivity(
                    user_id=users[who].id,
                    case_id=case.id,
                    brand_id=case.brand_id,
                    kind="composing",
                    started_at=T0 + timedelta(minutes=10),
                    ended_at=T0 + timedelta(minutes=10 + minutes),
                    seconds=minutes * 60.0,
                )
            )


def test_the_costs_page_compares_each_brand_with_a_phone_contact(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    _worked_and_resolved(url)
    page = workspace.login("sam").get("/costs", params={"since": "2026-03", "until": "2026-03"})
    assert page.status_code == 200, page.text
    html = page.text
    # 15 minutes at the default 30.00/h = 7.50 for Acme's one resolution; Other is not shown.
    assert "Social care costs" in html and "less than a call" not in html
    assert "7.50 USD</strong> per resolution against 6.00 USD per phone contact" in html
    assert "more than a call" in html and "1.2×" in html  # 7.50 / 6.00 = 1.25
    assert 'data-month="2026-03"' in html
    assert "Other" not in html.split("<main", 1)[1] and "Olga" not in html
    assert 'data-testid="cost-settings"' in html  # sam, a supervisor of Acme, may change them
    root = workspace.login("root")
    acme = brand_id(url, "Acme")
    one = root.get("/costs", params={"brand_id": acme, "since": "2026-03", "until": "2026-03"})
    assert one.text.count('data-testid="cost-brand"') == 1
    assert ">Other</option>" in one.text  # the other brands stay in the picker
    agent_view = workspace.login("ana").get("/costs?since=2026-03&until=2026-03").text
    assert "7.50 USD" in agent_view and 'data-testid="cost-settings"' not in agent_view


def test_the_page_says_when_the_period_cannot_be_read(workspace: Workspace) -> None:
    page = workspace.login("ana").get("/costs", params={"since": "March"})
    assert page.status_code == 200
    assert "since &#39;March&#39; is not a date" in page.text
    other = brand_id(workspace.settings.database_url, "Other")
    assert workspace.login("ana").get(f"/costs?brand_id={other}").status_code == 404


def test_the_costs_api_answers_per_brand_and_month(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    _worked_and_resolved(url)
    acme, other = brand_id(url, "Acme"), brand_id(url, "Other")
    sam = workspace.login("sam")
    got = sam.get("/api/v1/costs", params={"since": "2026-03-01", "until": "2026-03-31"})
    assert got.status_code == 200, got.text
    data = got.json()
    assert [b["brand_id"] for b in data["brands"]] == [acme]
    (brand,) = data["brands"]
    assert brand["resolved_cases"] == 1 and brand["handling_seconds"] == 900.0
    assert brand["agent_cost"] == "7.500000" and brand["per_resolution"] == "7.500000"
    assert brand["phone_contact_cost"] == "6.00" and brand["times_cheaper"] == 0.8
    assert [(m["brand_id"], m["month"]) for m in data["months"]] == [(acme, "2026-03")]
    assert data["since"].startswith("2026-03-01T00:00:00") and data["until"].startswith(
        "2026-04-01T00:00:00"
    )
    assert sam.get(f"/api/v1/costs?brand_id={other}").status_code == 404
    root = workspace.login("root").get("/api/v1/costs?since=2026-03&until=2026-03").json()
    assert {b["brand_id"] for b in root["brands"]} == {acme, other}
    empty = sam.get("/api/v1/costs?since=2026-04").json()
    assert empty["brands"][0]["resolved_cases"] == 0
    assert empty["brands"][0]["per_resolution"] is None and empty["months"] == []
    bad = sam.get("/api/v1/costs?since=2026-05&until=2026-04")
    assert bad.status_code == 422 and "until must be after since" in bad.text


def test_supervisors_and_admins_change_the_settings_audited(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    acme, other = brand_id(url, "Acme"), brand_id(url, "Other")
    ana, sam = workspace.login("ana"), workspace.login("sam")
    assert ana.get(f"/api/v1/costs/settings/{acme}").json()["phone_contact_cost"] == "6.00"
    refused = ana.put(f"/api/v1/costs/settings/{acme}", json={"hourly_cost": "1"})
    assert refused.status_code == 403
    assert sam.put(f"/api/v1/costs/settings/{other}", json={"hourly_cost": "1"}).status_code == 404
    bad = sam.put(f"/api/v1/costs/settings/{acme}", json={"currency": "dollars"})
    assert bad.status_code == 422 and "three-letter code" in bad.text
    unknown = sam.put(f"/api/v1/costs/settings/{acme}", json={"hourly": "1"})
    assert unknown.status_code == 422
    saved = sam.put(
        f"/api/v1/costs/settings/{acme}",
        json={"hourly_cost": 45, "phone_contact_cost": "5.40", "currency": "eur"},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json() == {
        "brand_id": acme,
        "hourly_cost": "45.00",
        "bot_run_cost": "0.02",
        "phone_contact_cost": "5.40",
        "currency": "EUR",
        "idle_after_s": 60,
    }
    with transaction(url) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "brand.costs")).all()
        assert [(e.entity_id, e.actor) for e in events] == [(acme, "sam")]
        assert events[0].before["hourly_cost"] == "30.00"
        assert events[0].after["hourly_cost"] == "45.00"


def test_the_settings_form_saves_or_says_what_to_fix(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    acme = brand_id(url, "Acme")
    sam = workspace.login("sam")
    bad = sam.post("/costs/settings", data={"brand_id": acme, "idle_after_s": "2"})
    assert bad.status_code == 303
    assert "idle_after_s must be between 10 and 1800" in sam.get(bad.headers["location"]).text
    ok = sam.post(
        "/costs/settings", data={"brand_id": acme, "hourly_cost": "33.3", "idle_after_s": "120"}
    )
    assert ok.status_code == 303
    assert "Cost settings saved for Acme." in sam.get(ok.headers["location"]).text
    with transaction(url) as session:
        brand = session.get(Brand, acme)
        assert brand is not None
        settings = cost_settings(brand)
    assert str(settings.hourly_cost) == "33.30" and settings.idle_after_s == 120
    dana = case_of(url, "dana")
    beat = workspace.login("ana").post(f"/cases/{dana}/activity", data={"kind": "viewing"})
    assert beat.json()["idle_after_s"] == 120  # the page learns the brand's cut-off
    agent = workspace.login("ana").post("/costs/settings", data={"brand_id": acme})
    assert agent.status_code == 403
