"""Admins manage people, teams, brands, channel accounts, SLA and macros in the UI; nobody else."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.accounts.service import authenticate
from atdesk.models import AgentProfile, Brand, ChannelAccount, Macro, SlaPolicy, Team, User
from atdesk.storage.session import transaction
from tests.web.conftest import Workspace


def test_only_admins_reach_the_admin_pages(workspace: Workspace) -> None:
    ana, sam, root = workspace.login("ana"), workspace.login("sam"), workspace.login("root")
    for path in ("/admin/users", "/admin/teams", "/admin/brands", "/admin/sla"):
        assert ana.get(path).status_code == 403 and sam.get(path).status_code == 403
        assert root.get(path).status_code == 200
    assert ana.get("/admin/macros").status_code == 403
    assert sam.get("/admin/macros").status_code == 200, "supervisors keep the macros"
    assert (
        ana.post(
            "/admin/users", data={"username": "x", "password": "p" * 10, "role": "admin"}
        ).status_code
        == 403
    )


def test_an_admin_sets_up_a_person_a_team_and_a_brand(workspace: Workspace) -> None:
    root = workspace.login("root")
    root.post(
        "/admin/users",
        data={
            "username": "zoe",
            "password": "zoe-password-1",
            "role": "agent",
            "display_name": "Zoe",
        },
    )
    root.post("/admin/brands", data={"name": "Zeta"})
    root.post("/admin/teams", data={"name": "Zeta care"})
    with transaction(workspace.settings.database_url) as session:
        zoe = session.scalars(select(User).where(User.username == "zoe")).one()
        brand = session.scalars(select(Brand).where(Brand.name == "Zeta")).one()
        team = session.scalars(select(Team).where(Team.name == "Zeta care")).one()
    root.post(
        f"/admin/teams/{team.id}",
        data={"members": [str(zoe.id)], "brands": [str(brand.id)], "auto_assign": "1"},
    )
    root.post(
        f"/admin/users/{zoe.id}",
        data={
            "role": "agent",
            "display_name": "Zoe Z",
            "active": "1",
            "languages": "en es",
            "intents": ["billing"],
            "capacity": "3",
        },
    )
    root.post(
        f"/admin/brands/{brand.id}/accounts",
        data={"network": "x", "handle": "@zetahelp", "native_user_id": "1400000000"},
    )
    with transaction(workspace.settings.database_url) as session:
        account = session.scalars(
            select(ChannelAccount).where(ChannelAccount.brand_id == brand.id)
        ).one()
    root.post(
        f"/admin/accounts/{account.id}/connect",
        data={"token": "secret-token", "base_url": "http://127.0.0.1:9", "native_user_id": ""},
    )
    page = root.get("/admin/brands").text
    assert "connected" in page and "secret-token" not in page, "tokens are write-only"
    with transaction(workspace.settings.database_url) as session:
        profile = session.get(AgentProfile, zoe.id)
        assert profile is not None
        assert (profile.languages, profile.intents, profile.capacity) == (
            ["en", "es"],
            ["billing"],
            3,
        )
        account = session.get(ChannelAccount, account.id)
        assert account is not None and account.state["user_token"] == "secret-token"
        assert account.state["base_url"] == "http://127.0.0.1:9"
        assert authenticate(session, "zoe", "zoe-password-1") is not None
    zoe_client = workspace.login("zoe", "zoe-password-1")
    assert "Zeta" in zoe_client.get("/").text and "Acme" not in zoe_client.get("/").text


def test_admins_cannot_lock_themselves_out(workspace: Workspace) -> None:
    root = workspace.login("root")
    with transaction(workspace.settings.database_url) as session:
        me = session.scalars(select(User).where(User.username == "root")).one()
    root.post(f"/admin/users/{me.id}", data={"role": "agent", "active": "1"})
    with transaction(workspace.settings.database_url) as session:
        assert session.get(User, me.id).role == "admin"  # type: ignore[union-attr]


def test_sla_targets_hours_and_macros_are_saved(workspace: Workspace) -> None:
    root = workspace.login("root")
    with transaction(workspace.settings.database_url) as session:
        acme = session.scalars(select(Brand).where(Brand.name == "Acme")).one()
    targets = {}
    for p, (a, b, c) in {
        "urgent": (10, 20, 60),
        "high": (30, 60, 240),
        "normal": (60, 120, 480),
        "low": (120, 240, 960),
    }.items():
        targets |= {f"{p}_first": str(a), f"{p}_next": str(b), f"{p}_resolution": str(c)}
    root.post(f"/admin/sla/{acme.id}/targets", data=targets)
    root.post(
        f"/admin/sla/{acme.id}/hours",
        data={"timezone": "Europe/Madrid", "d0_from": "09:00", "d0_to": "17:00"},
    )
    root.post(f"/admin/sla/{acme.id}/holidays", data={"day": "2026-12-25", "name": "Christmas"})
    page = root.get(f"/admin/sla?brand_id={acme.id}").text
    assert "Europe/Madrid" in page and "2026-12-25" in page
    root.post(
        "/admin/macros",
        data={"name": "Hello", "body": "Hi {first_name}, {agent} here", "brand_id": str(acme.id)},
    )
    bad = root.post("/admin/macros", data={"name": "Bad", "body": "Hi {nickname}"})
    assert bad.status_code == 303
    with transaction(workspace.settings.database_url) as session:
        urgent = session.scalars(
            select(SlaPolicy).where(SlaPolicy.brand_id == acme.id, SlaPolicy.priority == "urgent")
        ).one()
        assert (urgent.first_response_minutes, urgent.resolution_minutes) == (10, 60)
        assert [m.name for m in session.scalars(select(Macro))] == ["Hello"]
