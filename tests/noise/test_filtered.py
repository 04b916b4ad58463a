"""The review list of filtered and abuse-flagged posts (/filtered, /api/v1/filtered) behind the
brand walls, and Restore: the post goes into its case through the normal case sync, once."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from atdesk.models import AuditEvent, Author, Brand, Case, Post
from atdesk.noise.service import add_block
from atdesk.pipeline.bus import CASE_EVENTS
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.storage.session import transaction
from tests.factories import T0, post, run
from tests.web.conftest import Workspace


def noisy(ws: Workspace) -> dict[str, int]:
    """On top of the seed: a blocked user writing to Acme, a blocked keyword at Other, a reply
    into dana's case holding Acme's blocked word, and finn's post flagged as abuse."""
    with transaction(ws.settings.database_url) as session:
        acme = session.scalars(select(Brand).where(Brand.name == "Acme")).one()
        other = session.scalars(select(Brand).where(Brand.name == "Other")).one()
        add_block(session, acme, kind="user", value="promo", actor="root", now=T0)
        add_block(session, acme, kind="keyword", value="lawyer", actor="root", now=T0)
        add_block(session, other, kind="keyword", value="cheap followers", actor="root", now=T0)
        run(
            session,
            post(
                "10",
                "@acmehelp I was charged twice for my card",
                author="50",
                handle="promo",
                minutes=40,
            ),
            post("11", "@otherhelp cheap followers here", author="51", handle="bot1", minutes=41),
            post("12", "@acmehelp my lawyer will call, where is it", minutes=42, in_reply_to="2"),
        )
        session.execute(update(Post).where(Post.native_id == "5").values(abuse=True))
        ids = dict(session.execute(select(Post.native_id, Post.id)).all())
        return {k: int(v) for k, v in ids.items()}


def listed(client: TestClient, query: str = "") -> list[tuple[str, str]]:
    response = client.get(f"/api/v1/filtered{query}")
    assert response.status_code == 200, response.text
    return [(item["native_id"], item["reason"]) for item in response.json()["items"]]


def test_each_viewer_sees_their_brands_filtered_posts_newest_first(workspace: Workspace) -> None:
    noisy(workspace)
    ana, olga, root = (workspace.login(u) for u in ("ana", "olga", "root"))
    assert listed(ana) == [
        ("12", "blocked_keyword:lawyer"),
        ("10", "blocked_user"),
        ("5", "abuse"),
    ]
    assert listed(olga) == [("11", "blocked_keyword:cheap followers")]
    assert [n for n, _ in listed(root)] == ["12", "11", "10", "5"]
    assert listed(ana, "?reason=abuse") == [("5", "abuse")]
    assert listed(root, "?reason=blocked_keyword") == [
        ("12", "blocked_keyword:lawyer"),
        ("11", "blocked_keyword:cheap followers"),
    ]
    assert listed(root, "?reason=blocked_user") == [("10", "blocked_user")]
    assert listed(root, "?reason=spam") == []
    other = root.get("/api/v1/filtered?limit=1&offset=1").json()
    assert other["total"] == 4 and [i["native_id"] for i in other["items"]] == ["11"]
    assert root.get("/api/v1/filtered?reason=bogus").status_code == 422
    page = ana.get("/filtered").text
    assert "charged twice" in page and "cheap followers" not in page
    assert "/restore" not in page, "agents see the list but do not restore"
    with transaction(workspace.settings.database_url) as session:
        acme = session.scalars(select(Brand.id).where(Brand.name == "Acme")).one()
    assert olga.get(f"/filtered?brand_id={acme}").status_code == 404
    assert olga.get(f"/api/v1/filtered?brand_id={acme}").json()["items"] == []


def test_restore_opens_the_case_once_and_is_audited(workspace: Workspace) -> None:
    ids = noisy(workspace)
    sam = workspace.login("sam")
    assert f"/filtered/{ids['10']}/restore" in sam.get("/filtered").text
    ana = workspace.login("ana")
    assert ana.post(f"/api/v1/filtered/{ids['10']}/restore").status_code == 403
    assert sam.post(f"/api/v1/filtered/{ids['11']}/restore").status_code == 404, "Other's post"
    done = sam.post(f"/api/v1/filtered/{ids['10']}/restore")
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["changed"] is True and body["event"] == "opened" and body["case_id"]
    again = sam.post(f"/api/v1/filtered/{ids['10']}/restore").json()
    assert again == {**body, "event": None, "changed": False}
    url = workspace.settings.database_url
    with transaction(url) as session:
        restored = session.get(Post, ids["10"])
        assert restored is not None and restored.filtered_reason is None
        assert restored.case_id == body["case_id"]
        assert restored.intent is not None and restored.model_version, "triaged on restore"
        promo = session.scalars(select(Author.id).where(Author.handle == "promo")).one()
        cases = session.scalars(select(Case).where(Case.customer_author_id == promo)).all()
        assert [c.id for c in cases] == [body["case_id"]] and cases[0].status == "new"
        trail = session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["case.post_restored", "post.restored"]))
        ).all()
        assert [(e.entity_type, e.entity_id, e.actor, e.before) for e in trail] == [
            (
                "case",
                body["case_id"],
                "sam",
                {"post_id": ids["10"], "filtered_reason": "blocked_user"},
            )
        ]
        opened = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "case.opened", AuditEvent.entity_id == body["case_id"])
        )
        assert opened == 1
    assert EmbeddedBus(url).pending(CASE_EVENTS) == 1, "automations see the restored post once"
    assert [n for n, _ in listed(sam)] == ["12", "5"]


def test_a_restored_reply_updates_the_case_it_belongs_to(workspace: Workspace) -> None:
    ids = noisy(workspace)
    url = workspace.settings.database_url
    with transaction(url) as session:
        dana_case = session.scalars(
            select(Case).join(Post, Post.case_id == Case.id).where(Post.native_id == "1")
        ).one()
        before = (dana_case.id, dana_case.inbound_count)
    sam = workspace.login("sam")
    sent = sam.post(
        f"/filtered/{ids['12']}/restore", data={"back": "/filtered?reason=blocked_keyword"}
    )
    assert (
        sent.status_code == 303 and sent.headers["location"] == "/filtered?reason=blocked_keyword"
    )
    assert f"restored: case #{before[0]} updated" in sam.get(sent.headers["location"]).text
    with transaction(url) as session:
        case = session.get(Case, before[0])
        assert case is not None and case.inbound_count == before[1] + 1
        assert session.scalars(select(func.count()).select_from(Case)).one() == 3
    second = sam.post(f"/filtered/{ids['12']}/restore", data={"back": "//evil.example"})
    assert second.headers["location"] == "/filtered"
    assert "already restored" in sam.get("/filtered").text
