"""History in the workspace (ADR 73): the inbox shows the working cases, a History view the
archive; replay brands are folded in the sidebar; admin lists are paged and searchable."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from atdesk.brands.service import ensure_brand_accounts
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.models import Brand, Case, User
from atdesk.pipeline.runner import process_events
from atdesk.storage.session import transaction
from tests.cases.factories import staff
from tests.factories import post
from tests.web.conftest import Workspace

ARCHIVE = datetime(2017, 10, 31, 21, 49, tzinfo=UTC)
REPLAY_BRANDS = 60  # with sprintcare and the two working brands: 63 brands, two admin pages


def archived(native_id: str, text: str, to: str, *, author: str, handle: str) -> dict[str, Any]:
    """A 2017 post addressed to a brand account, as a history file holds it."""
    return {**post(native_id, text, author=author, handle=handle, to=to), "created_at": ARCHIVE}


def add_history(url: str) -> dict[str, int]:
    """A replay's brands (sprintcare and many more) and history cases for sprintcare and Acme."""
    handles = ["sprintcare", *(f"replay{i:02d}" for i in range(REPLAY_BRANDS))]
    payloads = [
        archived(
            "h1", "@sprintcare my router keeps dropping", "sprintcare", author="61", handle="rita"
        ),
        archived(
            "h2", "@acmehelp my 2017 voucher never came", "acmehelp", author="62", handle="ivan"
        ),
    ]
    for p in payloads:
        p["created_at"] = p["created_at"].isoformat()
    with transaction(url) as session:
        ensure_brand_accounts(session, Network.X, handles, replay_only=True)
        process_events(session, [RawEvent("jsonl", p) for p in payloads], history=True)
        return {
            c.subject.split()[0]: c.id for c in session.scalars(select(Case).where(Case.history))
        }


def row_of(html: str, case_id: int) -> str:
    """The inbox row of one case."""
    match = re.search(rf'<tr data-case-id="{case_id}".*?</tr>', html, re.S)
    assert match, f"case {case_id} is listed"
    return match.group(0)


def count_of(html: str, key: str) -> int:
    """A view's count in the sidebar."""
    match = re.search(rf'data-count="{key}">(\d+)<', html)
    assert match, f"the {key} view is listed with its count"
    return int(match.group(1))


def test_the_inbox_keeps_history_out_of_working_views_and_shows_it_in_history(
    workspace: Workspace,
) -> None:
    history = add_history(workspace.settings.database_url)
    root = workspace.login("root")
    inbox = root.get("/").text
    assert count_of(inbox, "all") == 3 and count_of(inbox, "unassigned") == 3
    assert count_of(inbox, "history") == 2
    assert 'data-view="history"' in inbox
    for case_id in history.values():
        assert f'data-case-id="{case_id}"' not in inbox
    shown = root.get("/?view=history").text
    for case_id in history.values():
        row = row_of(shown, case_id)
        assert "history" in row and 'class="sla sla-' not in row and " late" not in row
    assert 'data-testid="history-note"' in shown

    ana = workspace.login("ana")
    theirs = ana.get("/?view=history").text
    assert count_of(theirs, "history") == 1, "Ana sees Acme's history only"
    assert f'data-case-id="{history["@acmehelp"]}"' in theirs
    assert f'data-case-id="{history["@sprintcare"]}"' not in theirs


def test_search_points_to_history_and_finds_it_there(workspace: Workspace) -> None:
    history = add_history(workspace.settings.database_url)
    root = workspace.login("root")
    working = root.get("/?q=router").text
    assert 'data-testid="history-matches"' in working and "1 history case also matches" in working
    assert f'data-case-id="{history["@sprintcare"]}"' not in working
    found = root.get("/?view=history&q=router").text
    assert f'data-case-id="{history["@sprintcare"]}"' in found
    assert 'data-testid="history-matches"' not in found


def test_a_history_case_page_has_no_sla_clock(workspace: Workspace) -> None:
    history = add_history(workspace.settings.database_url)
    page = workspace.login("root").get(f"/cases/{history['@acmehelp']}").text
    assert 'data-testid="history-pill"' in page and 'data-testid="no-sla-history"' in page
    assert 'class="sla sla-' not in page and " late<" not in page


def test_the_sidebar_folds_replay_brands_under_one_group(workspace: Workspace) -> None:
    add_history(workspace.settings.database_url)
    root = workspace.login("root")
    inbox = root.get("/").text
    working = re.search(r'<ul data-testid="brands">(.*?)</ul>', inbox, re.S)
    assert working and "Acme" in working.group(1) and "Other" in working.group(1)
    assert "sprintcare" not in working.group(1) and "replay00" not in working.group(1)
    group = re.search(r'<details class="replay-brands"[^>]*>(.*?)</details>', inbox, re.S)
    assert group, "replay brands are in their own group"
    assert " open" not in re.search(r"<details[^>]*>", group.group(0)).group(0), "collapsed"
    assert f"Replay ({REPLAY_BRANDS + 1})" in group.group(1)
    with transaction(workspace.settings.database_url) as session:
        sprint = session.scalars(select(Brand).where(Brand.name == "sprintcare")).one().id
    assert f'data-replay-count="{sprint}">1<' in group.group(1), "its history count"
    assert f"view=history&amp;brand_id={sprint}" in group.group(1)
    chosen = root.get(f"/?view=history&brand_id={sprint}").text
    assert re.search(r'<details class="replay-brands"[^>]*\bopen\b', chosen), "opened on its brand"
    assert count_of(chosen, "history") == 2


def test_the_api_leaves_history_out_unless_asked(workspace: Workspace) -> None:
    history = add_history(workspace.settings.database_url)
    root = workspace.login("root")
    default = root.get("/api/v1/cases").json()
    assert default["total"] == 3 and not any(c["history"] for c in default["items"])
    only = root.get("/api/v1/cases", params={"history": "only"}).json()
    assert {c["id"] for c in only["items"]} == set(history.values())
    assert all(c["history"] and c["sla_due_at"] is None for c in only["items"])
    assert root.get("/api/v1/cases", params={"history": "include"}).json()["total"] == 5
    assert root.get("/api/v1/cases", params={"history": "yes"}).status_code == 422
    saved = root.post(
        "/api/v1/saved-views", json={"name": "Archive", "filters": {"view": "history"}}
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["count"] == 2


def test_admin_brands_are_paged_searchable_and_replay_brands_come_last(
    workspace: Workspace,
) -> None:
    add_history(workspace.settings.database_url)
    root = workspace.login("root")
    first = root.get("/admin/brands").text
    assert 'data-testid="list-total">63<' in first and "Page 1 of 2" in first
    assert first.index('id="brand-') < first.index("replay00")
    assert first.count('class="card brand"') == 2, "Acme and Other, unfolded"
    assert first.count('class="card brand replay"') == 48
    assert 'data-kind="replay"' in first and "Replay (61)" in first and "Working (2)" in first
    second = root.get("/admin/brands?page=2").text
    assert second.count('class="card brand replay"') == 13 and "Page 2 of 2" in second
    found = root.get("/admin/brands", params={"q": "REPLAY0"}).text
    assert 'data-testid="list-total">10<' in found
    working = root.get("/admin/brands", params={"kind": "working"}).text
    assert 'data-testid="list-total">2<' in working and "replay00" not in working
    assert root.get("/admin/brands", params={"q": "no such"}).text.count("No brand matches") == 1


def test_giving_a_replay_brand_an_account_makes_it_a_working_brand(workspace: Workspace) -> None:
    add_history(workspace.settings.database_url)
    root = workspace.login("root")
    with transaction(workspace.settings.database_url) as session:
        brand = session.scalars(select(Brand).where(Brand.name == "replay07")).one()
    answer = root.post(
        f"/admin/brands/{brand.id}/accounts",
        data={"network": "mastodon", "handle": "replay7@social.example"},
    )
    assert answer.status_code == 303 and "q=replay07" in answer.headers["location"]
    with transaction(workspace.settings.database_url) as session:
        assert not session.get(Brand, brand.id).replay_only  # type: ignore[union-attr]


def test_admin_people_are_paged_and_searchable(workspace: Workspace) -> None:
    with transaction(workspace.settings.database_url) as session:
        for i in range(50):
            staff(session, f"temp{i:02d}", display_name=f"Temp {i}")
    root = workspace.login("root")
    first = root.get("/admin/users").text
    assert 'data-testid="list-total">54<' in first and "Page 1 of 2" in first
    assert first.count("<tr data-user=") == 50
    assert root.get("/admin/users?page=2").text.count("<tr data-user=") == 4
    found = root.get("/admin/users", params={"q": "ana"}).text
    assert re.findall(r'<tr data-user="([^"]+)"', found) == ["ana"]
    by_name = root.get("/admin/users", params={"q": "temp 4"}).text
    assert len(re.findall(r"<tr data-user=", by_name)) == 11, "Temp 4 and Temp 40 to 49"
    with transaction(workspace.settings.database_url) as session:
        assert session.scalar(select(User).where(User.username == "temp00")) is not None


def test_channel_health_lists_replay_accounts_apart(workspace: Workspace) -> None:
    add_history(workspace.settings.database_url)
    root = workspace.login("root")
    page = root.get("/admin/channels").text
    assert 'data-testid="list-total">2<' in page, "Acme's and Other's accounts"
    assert "replay00" not in page and "@sprintcare" not in page
    assert "61 accounts of replay brands" in page
    replay = root.get("/admin/channels", params={"replay": "1"}).text
    assert 'data-testid="list-total">61<' in replay and "Page 1 of 2" in replay
    assert replay.count('<span class="pill">not connected</span>') == 50
    found = root.get("/admin/channels", params={"replay": "1", "q": "sprint"}).text
    assert 'data-testid="list-total">1<' in found and "@sprintcare" in found
    acme = root.get("/admin/channels", params={"q": "acme"}).text
    assert 'data-testid="list-total">1<' in acme and "@acmehelp" in acme


def test_teams_and_sla_pages_fold_replay_brands(workspace: Workspace) -> None:
    add_history(workspace.settings.database_url)
    root = workspace.login("root")
    root.post("/admin/teams", data={"name": "Archive"})
    teams = root.get("/admin/teams").text
    assert teams.count(f"Replay brands ({REPLAY_BRANDS + 1})") == 3, "one fold per team"
    sla = root.get("/admin/sla").text
    tabs = re.search(r'<nav class="subtabs">(.*?)</nav>', sla, re.S)
    assert tabs and "Acme" in tabs.group(1) and "replay00" not in tabs.group(1)
    assert 'class="active">Acme<' in tabs.group(1), "a working brand opens first"
    assert f"Replay brands ({REPLAY_BRANDS + 1}; history has no SLA clock)" in sla
