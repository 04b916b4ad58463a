"""API tokens for scripts, made and revoked in the UI; presence for routing."""

from __future__ import annotations

import re

from sqlalchemy import select

from atdesk.models import AgentProfile, User
from atdesk.storage.session import transaction
from tests.web.conftest import Workspace


def test_a_token_made_in_the_ui_reads_the_api_until_revoked(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    ana.post("/me/tokens", data={"name": "reporting script"})
    page = ana.get("/me").text
    token = re.search(r'data-testid="new-token">[^<]*<code>([^<]+)</code>', page).group(1)  # type: ignore[union-attr]
    assert token not in ana.get("/me").text, "shown once"
    from fastapi.testclient import TestClient

    script = TestClient(ana.app)
    headers = {"Authorization": f"Bearer {token}"}
    assert script.get("/api/v1/cases", headers=headers).json()["total"] == 2
    token_id = re.search(r"/me/tokens/(\d+)/revoke", ana.get("/me").text).group(1)  # type: ignore[union-attr]
    ana.post(f"/me/tokens/{token_id}/revoke")
    assert script.get("/api/v1/cases", headers=headers).status_code == 401


def test_presence_switches_between_online_and_away(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    assert ana.post("/me/presence", data={"state": "online"}).status_code == 303
    with transaction(workspace.settings.database_url) as session:
        user = session.scalars(select(User).where(User.username == "ana")).one()
        profile = session.get(AgentProfile, user.id)
        assert profile is not None and profile.presence == "online"
    assert "Online" in ana.get("/").text
