"""Live updates: the change feed sees every case change, and the stream tells the open pages."""

from __future__ import annotations

import json
import threading

import httpx
from sqlalchemy import select

from atdesk.cases.pages.live import ChangeFeed
from atdesk.models import Author, Case
from atdesk.storage.session import transaction
from tests.factories import post, run
from tests.web.conftest import Workspace
from tests.web.server import serving


def test_the_change_feed_names_the_cases_that_changed(workspace: Workspace) -> None:
    feed = ChangeFeed(workspace.settings.database_url, max_age_s=0)
    before = feed.latest()
    with transaction(workspace.settings.database_url) as session:
        run(session, post("77", "@acmehelp hello again", author="77", handle="hal"))
        new = session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert new is not None
    after = feed.latest()
    assert after > before and feed.changed_cases(before, after) == [new.id]


def read_events(response: httpx.Response, wanted: str, found: list[dict[str, object]]) -> None:
    name = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: ") and name == wanted:
            found.append(json.loads(line[len("data: ") :]))
            return


def test_a_new_post_reaches_an_open_inbox_and_its_case_page(workspace: Workspace) -> None:
    ana = workspace.login("ana")
    cookies = dict(ana.cookies)
    with serving(ana.app) as base:  # type: ignore[arg-type]
        with transaction(workspace.settings.database_url) as session:
            dana = session.scalars(select(Author).where(Author.handle == "dana")).one()
            case = session.scalars(select(Case).where(Case.customer_author_id == dana.id)).one()
        inbox_events: list[dict[str, object]] = []
        case_events: list[dict[str, object]] = []
        with (
            httpx.Client(base_url=base, cookies=cookies, timeout=15) as client,
            client.stream("GET", "/live", params={"scope": "inbox"}) as inbox,
            client.stream("GET", "/live", params={"scope": "case", "case_id": case.id}) as page,
        ):
            assert inbox.status_code == 200 and page.status_code == 200
            readers = [
                threading.Thread(target=read_events, args=(inbox, "inbox", inbox_events)),
                threading.Thread(target=read_events, args=(page, "case", case_events)),
            ]
            for reader in readers:
                reader.start()
            with transaction(workspace.settings.database_url) as session:
                run(session, post("31", "@acmehelp hello?", minutes=50, in_reply_to="3"))
            for reader in readers:
                reader.join(15)
        assert inbox_events and case.id in inbox_events[0]["ids"]  # type: ignore[operator]
        assert case_events == [{"id": case.id}]


def test_the_stream_needs_a_login_and_a_visible_case(workspace: Workspace) -> None:
    olga = workspace.login("olga")
    anonymous = workspace.login("ana").__class__(olga.app)
    assert anonymous.get("/live").status_code == 401
    with transaction(workspace.settings.database_url) as session:
        dana = session.scalars(select(Author).where(Author.handle == "dana")).one()
        case = session.scalars(select(Case).where(Case.customer_author_id == dana.id)).one()
    assert olga.get("/live", params={"case_id": case.id}).status_code == 404


def test_agents_on_the_same_case_see_each_other_viewing_and_typing(workspace: Workspace) -> None:
    with transaction(workspace.settings.database_url) as session:
        dana = session.scalars(select(Author).where(Author.handle == "dana")).one()
        case = session.scalars(select(Case).where(Case.customer_author_id == dana.id)).one()
    ana, sam = workspace.login("ana"), workspace.login("sam")
    assert ana.post(f"/cases/{case.id}/presence", data={"state": "viewing"}).json() == {
        "viewers": []
    }
    seen = sam.post(f"/cases/{case.id}/presence", data={"state": "typing"}).json()
    assert seen == {
        "viewers": [{"user_id": seen["viewers"][0]["user_id"], "name": "Ana", "state": "viewing"}]
    }
    assert (
        ana.post(f"/cases/{case.id}/presence", data={"state": "viewing"}).json()["viewers"][0][
            "state"
        ]
        == "typing"
    )
    sam.post(f"/cases/{case.id}/presence", data={"state": "left"})
    assert ana.post(f"/cases/{case.id}/presence", data={"state": "viewing"}).json() == {
        "viewers": []
    }
