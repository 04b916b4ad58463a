"""Emerging issues over a real database: the rebuild over history (idempotent, per brand), the
live path's assignment on process_events, the discovery pass, snapshots, the foreign key."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from atdesk.brands.service import create_brand
from atdesk.domain.networks import Network
from atdesk.insights.issues.queries import IssueSnapshot, issue_snapshot
from atdesk.insights.issues.rebuild import rebuild_issues
from atdesk.insights.issues.tasks import Discovery
from atdesk.models import Issue, Post
from atdesk.storage.session import transaction
from tests.factories import make_brand
from tests.insights.helpers import at, issue_of, issues, mention, run
from tests.insights.posts import CRASHES, DELIVERY, UNRELATED

NOW = at(120)


def planted(url: str) -> tuple[int, int]:
    """Acme gets the crash and delivery posts and the unrelated ones; Globex gets the same
    crash posts. Returns the brand ids."""
    with transaction(url) as session:
        acme = make_brand(session).id
        globex = create_brand(session, "Globex", [(Network.X, "globexcare", "1300000000")]).id
        texts = [*CRASHES, *DELIVERY, *UNRELATED]
        run(session, *(mention(f"a{i}", t, i) for i, t in enumerate(texts)))
        run(session, *(mention(f"g{i}", t, i, to="globexcare") for i, t in enumerate(CRASHES)))
    return acme, globex


def test_rebuild_groups_each_brands_posts_and_labels_them(database_url: str) -> None:
    acme, globex = planted(database_url)
    results = rebuild_issues(database_url, now=NOW)
    assert {(r.brand_id, r.issues, r.grouped) for r in results} == {(acme, 2, 9), (globex, 1, 5)}
    with transaction(database_url) as session:
        crash, delivery = issues(session, acme)
        assert "5.2" in crash.label and "5.2" in crash.terms
        assert "delivered" in delivery.terms
        assert (crash.post_count, delivery.post_count) == (5, 4)
        assert crash.status == delivery.status == "open"
        assert crash.first_seen == at(0) and crash.last_seen == at(4)
        assert {issue_of(session, f"a{i}") for i in range(5)} == {crash.id}
        assert {issue_of(session, f"a{i}") for i in range(5, 9)} == {delivery.id}
        assert {issue_of(session, f"a{i}") for i in range(9, 12)} == {None}
        # The same words to another brand are another brand's issue.
        (theirs,) = issues(session, globex)
        assert theirs.id not in {crash.id, delivery.id}
        assert {issue_of(session, f"g{i}") for i in range(5)} == {theirs.id}


def test_rebuild_again_changes_nothing(database_url: str) -> None:
    planted(database_url)
    rebuild_issues(database_url, now=NOW)
    with transaction(database_url) as session:
        before = [(i.id, i.label, i.post_count, list(i.terms)) for i in issues(session)]
        links = {r.id: r.issue_id for r in session.execute(select(Post.id, Post.issue_id))}
    again = rebuild_issues(database_url, now=NOW)
    assert sum(r.created for r in again) == 0 and sum(r.removed for r in again) == 0
    with transaction(database_url) as session:
        assert [(i.id, i.label, i.post_count, list(i.terms)) for i in issues(session)] == before
        assert {r.id: r.issue_id for r in session.execute(select(Post.id, Post.issue_id))} == links


def test_rebuild_of_one_brand_and_window(database_url: str) -> None:
    acme, globex = planted(database_url)
    results = rebuild_issues(database_url, now=NOW, brand="globex")
    assert [r.brand_id for r in results] == [globex]
    # A window holding only the first three crash posts still makes the issue (min 3 posts)...
    rebuild_issues(database_url, now=NOW, brand="Acme", until=at(3))
    with transaction(database_url) as session:
        (crash,) = issues(session, acme)
        assert crash.post_count == 3 and crash.last_seen == at(2)
    # ...and a window with nothing alike in it leaves the issues outside it alone.
    rebuild_issues(database_url, now=NOW, brand="Acme", since=at(9))
    with transaction(database_url) as session:
        assert [i.id for i in issues(session, acme)] == [crash.id]


def test_an_issue_closes_when_its_posts_stopped_long_ago(database_url: str) -> None:
    acme, _ = planted(database_url)
    rebuild_issues(database_url, now=NOW + timedelta(days=4), brand="Acme")
    with transaction(database_url) as session:
        assert {i.status for i in issues(session, acme)} == {"closed"}


def test_new_posts_join_the_open_issue_on_process_events(database_url: str) -> None:
    acme, globex = planted(database_url)
    rebuild_issues(database_url, now=NOW)
    with transaction(database_url) as session:
        crash = issues(session, acme)[0]
        crash_id, count, centroid = crash.id, crash.post_count, crash.centroid
        run(
            session,
            mention("n1", "the app crashes again after update 5.2", 60),
            mention("n2", "what are your opening hours on sunday", 61),
            mention("n3", "app crashes after update 5.2, unusable", 62, to="globexcare"),
        )
    with transaction(database_url) as session:
        assert issue_of(session, "n1") == crash_id
        assert issue_of(session, "n2") is None
        assert issue_of(session, "n3") == issues(session, globex)[0].id
        grown = session.get(Issue, crash_id)
        assert grown is not None
        assert grown.post_count == count + 1 and grown.last_seen == at(60)
        assert grown.centroid != centroid


def test_closed_issues_take_no_new_posts(database_url: str) -> None:
    planted(database_url)
    rebuild_issues(database_url, now=NOW + timedelta(days=4), brand="Acme")
    with transaction(database_url) as session:
        run(session, mention("n1", "the app crashes again after update 5.2", 60))
    with transaction(database_url) as session:
        assert issue_of(session, "n1") is None


def test_candidates_become_an_issue_in_the_discovery_pass(database_url: str) -> None:
    with transaction(database_url) as session:
        acme = make_brand(session).id
        run(session, *(mention(f"d{i}", t, i) for i, t in enumerate(DELIVERY[:2] + UNRELATED)))
    discovery = Discovery(database_url)
    # Two alike posts are still candidates.
    assert discovery.run(now=NOW).created == []
    with transaction(database_url) as session:
        run(session, mention("d9", DELIVERY[2], 30))
    report = discovery.run(now=NOW)
    assert len(report.created) == 1
    with transaction(database_url) as session:
        (issue,) = issues(session, acme)
        assert issue.id == report.created[0] and issue.origin == "live"
        assert issue.status == "open" and issue.post_count == 3 and "delivered" in issue.terms
        assert {issue_of(session, n) for n in ("d0", "d1", "d9")} == {issue.id}
        assert {issue_of(session, f"d{i}") for i in range(2, 5)} == {None}
        # The next post joins it on the live path, and a pass with nothing new makes nothing.
        run(session, mention("d10", DELIVERY[3], 31))
    with transaction(database_url) as session:
        assert issue_of(session, "d10") == report.created[0]
    assert discovery.run(now=NOW).created == []


def test_issue_snapshot_names_cases_and_keeps_brand_walls(database_url: str) -> None:
    acme, globex = planted(database_url)
    rebuild_issues(database_url, now=NOW)
    with transaction(database_url) as session:
        crash = issues(session, acme)[0]
        cases = sorted(
            session.scalars(
                select(Post.case_id).where(Post.issue_id == crash.id, Post.case_id.is_not(None))
            )
        )
        snapshot = issue_snapshot(session, crash.id, frozenset({acme}))
        assert snapshot == IssueSnapshot(
            id=crash.id, brand_id=acme, label=crash.label, terms=list(crash.terms), case_ids=cases
        )
        assert len(cases) == 5
        assert issue_snapshot(session, crash.id, None) == snapshot
        assert issue_snapshot(session, crash.id, frozenset({globex})) is None
        assert issue_snapshot(session, crash.id + 1000, None) is None


def test_a_deleted_issue_leaves_its_posts_unassigned(database_url: str) -> None:
    acme, _ = planted(database_url)
    rebuild_issues(database_url, now=NOW)
    with transaction(database_url) as session:
        crash_id = issues(session, acme)[0].id
        session.execute(delete(Issue).where(Issue.id == crash_id))
    with transaction(database_url) as session:
        assert {issue_of(session, f"a{i}") for i in range(5)} == {None}
