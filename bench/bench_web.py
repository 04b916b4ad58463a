"""Server time of the agent workspace's pages with 100,000 cases in SQLite.

Run: .venv/bin/python bench/bench_web.py [--cases 100000] [--repeat 30] [--db PATH]
Builds a database of realistic shape (brands, teams, agents, ~2.6 posts per case with full-text
index, a quarter of the cases open, tags, SLA clocks, audit events), then requests each page
in-process as an agent (a quarter of the brands) and as an admin (all brands), and prints the
median and 95th percentile of the server's own time (its Server-Timing header) per page.
Copy the table into docs/benchmarks.md (## Web).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import re
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, func, insert, select, update

from atdesk.accounts.passwords import hash_password
from atdesk.config import Settings
from atdesk.domain.triage import Intent, Priority
from atdesk.models import (
    AgentProfile,
    AuditEvent,
    Author,
    Brand,
    Case,
    CaseTag,
    ChannelAccount,
    Conversation,
    Post,
    SavedView,
    Survey,
    SurveyResponse,
    Team,
    TeamBrand,
    TeamMember,
    User,
)
from atdesk.reports.cache import invalidate
from atdesk.reports.facts import rebuild, refresh
from atdesk.storage.engine import get_engine
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction
from atdesk.web.app import create_app

PASSWORD = "bench-password-1"  # noqa: S105 (a throwaway benchmark database)
BRANDS = 20
AGENTS = 60
WORDS = [
    *[
        "card",
        "refund",
        "charged",
        "twice",
        "statement",
        "app",
        "login",
        "password",
        "locked",
        "delivery",
        "parcel",
        "late",
    ],
    *[
        "router",
        "outage",
        "internet",
        "slow",
        "technician",
        "visit",
        "reschedule",
        "bill",
        "invoice",
        "fee",
    ],
    *[
        "account",
        "transfer",
        "bounced",
        "branch",
        "hold",
        "waiting",
        "manager",
        "complaint",
        "thanks",
        "help",
    ],
]
NOW = datetime.now(UTC)


def chunks(rows: list[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def real_texts() -> tuple[list[str], list[str]]:
    """Customers' and companies' texts from the twcs replay, when ../shared/data is present.

    Real wording gives full-text search a realistic spread of words; without the data set the
    benchmark falls back to a small vocabulary, which makes every search term far too common.
    """
    path = (
        Path(os.environ.get("ATDESK_DATA_DIR") or Settings().data_dir) / "twcs" / "twcs_merged.csv"
    )
    if not path.is_file():
        return [], []
    customers, companies = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            (customers if row["inbound"] == "True" else companies).append(row["text"])
    return customers, companies


CUSTOMER_TEXTS, COMPANY_TEXTS = real_texts()


def text(rng: random.Random, brand: str, *, inbound: bool = True) -> str:
    pool = CUSTOMER_TEXTS if inbound else COMPANY_TEXTS
    if pool:
        return f"@{brand} " + rng.choice(pool)
    return f"@{brand} " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18)))


def build(url: str, n_cases: int, seed: int = 7) -> None:
    """Fill the database with n_cases cases and everything around them."""
    rng = random.Random(seed)
    upgrade(url)
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(Brand),
            [{"name": f"Brand {b:02d}", "settings": {}, "created_at": NOW} for b in range(BRANDS)],
        )
        conn.execute(
            insert(ChannelAccount),
            [
                {
                    "brand_id": b + 1,
                    "network": "x",
                    "handle": f"brand{b:02d}",
                    "handle_key": f"brand{b:02d}",
                    "native_user_id": str(1_000_000 + b),
                    "state": {},
                    "created_at": NOW,
                }
                for b in range(BRANDS)
            ],
        )
        digest = hash_password(PASSWORD)
        users = [
            {
                "username": f"agent{i:02d}",
                "display_name": f"Agent {i:02d}",
                "role": "agent",
                "password_hash": digest,
                "active": True,
                "created_at": NOW,
            }
            for i in range(AGENTS)
        ]
        users.append({**users[0], "username": "admin", "display_name": "Admin", "role": "admin"})
        conn.execute(insert(User), users)
        conn.execute(
            insert(AgentProfile),
            [
                {
                    "user_id": i + 1,
                    "languages": [],
                    "intents": [],
                    "capacity": 50,
                    "presence": "online",
                    "last_seen_at": NOW,
                }
                for i in range(AGENTS)
            ],
        )
        conn.execute(
            insert(Team),
            [{"name": f"Team {t}", "auto_assign": True, "created_at": NOW} for t in range(4)],
        )
        conn.execute(
            insert(TeamBrand), [{"team_id": b % 4 + 1, "brand_id": b + 1} for b in range(BRANDS)]
        )
        conn.execute(
            insert(TeamMember),
            [{"team_id": i % 4 + 1, "user_id": i + 1} for i in range(AGENTS)]
            + [{"team_id": 2, "user_id": 1}],
        )
        authors = [
            {
                "network": "x",
                "native_id": str(10_000_000 + a),
                "handle": f"customer{a}",
                "name": f"Customer {a}",
                "followers": rng.choice([12, 80, 300, 1500, 25_000]),
                "verified": False,
                "created_at": NOW,
            }
            for a in range(n_cases * 2 // 3)
        ]
        for part in chunks(authors):
            conn.execute(insert(Author), part)
        conversations, cases, posts, tags, audits = [], [], [], [], []
        intents = [i.value for i in Intent]
        statuses = ["resolved"] * 30 + ["pending"] * 4 + ["open"] * 4 + ["new"] * 2
        post_id = 0
        for c in range(1, n_cases + 1):
            brand = rng.randrange(BRANDS) + 1
            author = rng.randrange(len(authors)) + 1
            opened = NOW - timedelta(minutes=rng.randint(5, 90 * 24 * 60))
            status = rng.choice(statuses)
            priority = rng.choices(list(Priority), weights=(2, 10, 3, 1))[0]
            subject = text(rng, f"brand{brand - 1:02d}")
            conversations.append(
                {
                    "network": "x",
                    "direct": False,
                    "brand_id": brand,
                    "started_at": opened,
                    "last_post_at": opened,
                    "created_at": opened,
                }
            )
            n_posts = rng.choice([1, 2, 2, 3, 4])
            first_reply = opened + timedelta(minutes=rng.randint(3, 600)) if n_posts > 1 else None
            resolved = status == "resolved"
            due = None if resolved else opened + timedelta(hours=rng.choice([1, 4, 24]))
            cases.append(
                {
                    "brand_id": brand,
                    "conversation_id": c,
                    "customer_author_id": author,
                    "status": status,
                    "priority": priority.value,
                    "priority_rank": priority.rank,
                    "intent": rng.choice(intents),
                    "sentiment": rng.choice(["negative", "neutral", "positive"]),
                    "language": rng.choice(["en"] * 8 + ["es", "fr"]),
                    "network": "x",
                    "subject": subject[:280],
                    "assignee_id": rng.choice([None, None, rng.randrange(AGENTS) + 1]),
                    "team_id": (brand - 1) % 4 + 1,
                    "opened_at": opened,
                    "first_response_at": first_reply,
                    "last_customer_at": opened,
                    "resolved_at": opened + timedelta(hours=5) if resolved else None,
                    "reopen_count": 0,
                    "inbound_count": (n_posts + 1) // 2,
                    "outbound_count": n_posts // 2,
                    "escalated": rng.random() < 0.01,
                    "sensitive": rng.random() < 0.02,
                    "sensitive_reasons": [],
                    "priority_manual": False,
                    "sla_due_at": due,
                    "first_response_due_at": due if first_reply is None else None,
                    "resolution_due_at": due,
                    "reply_version": 0,
                    "created_at": opened,
                    "updated_at": opened,
                }
            )
            for i in range(n_posts):
                post_id += 1
                inbound = i % 2 == 0
                posts.append(
                    {
                        "network": "x",
                        "native_id": str(1_800_000_000_000_000_000 + post_id),
                        "conversation_id": c,
                        "case_id": c,
                        "brand_id": brand,
                        "author_id": author if inbound else 1,
                        "text": subject
                        if i == 0
                        else text(rng, f"customer{author}", inbound=inbound),
                        "created_at": opened + timedelta(minutes=7 * i),
                        "received_at": opened,
                        "inbound": inbound,
                        "direct": False,
                        "media": [],
                        "source": "bench",
                        "spam": False,
                        "abuse": False,
                        "pii": False,
                        "intent": cases[-1]["intent"] if inbound else None,
                        "sentiment": cases[-1]["sentiment"] if inbound else None,
                        "priority": priority.value if inbound else None,
                        "entities": {},
                        "triage_notes": [],
                        "raw": {},
                    }
                )
            if rng.random() < 0.1:
                tags.append({"case_id": c, "name": rng.choice(["vip", "refund", "outage"])})
            audits.append(
                {
                    "at": opened,
                    "actor": "pipeline",
                    "entity_type": "case",
                    "entity_id": c,
                    "action": "case.opened",
                    "before": {},
                    "after": {"status": "new"},
                }
            )
        for table, rows in (
            (Conversation, conversations),
            (Case, cases),
            (Post, posts),
            (CaseTag, tags),
            (AuditEvent, audits),
        ):
            for part in chunks(rows):
                conn.execute(insert(table), part)


def timed(client: TestClient, path: str, repeat: int) -> tuple[float, float]:
    """Median and p95 server time in milliseconds of GET path (checked to be 200)."""
    samples = []
    for _ in range(repeat):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        match = re.search(r"app;dur=([0-9.]+)", response.headers["server-timing"])
        assert match, "the app reports its own time"
        samples.append(float(match.group(1)))
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def login(app: Any, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert response.status_code == 303, response.text
    return client


def pages(url: str) -> Sequence[tuple[str, str]]:
    with transaction(url) as session:
        open_case = session.scalar(
            select(Case.id).where(Case.status == "open", Case.brand_id == 2).limit(1)
        )
        busy = session.scalar(
            select(Case.id).where(Case.outbound_count >= 2, Case.brand_id == 2).limit(1)
        )
    return [
        ("inbox: all open", "/"),
        ("inbox: mine", "/?view=mine"),
        ("inbox: unassigned", "/?view=unassigned"),
        ("inbox: breaching SLA", "/?view=breaching"),
        ("inbox: filter intent + priority", "/?intent=billing&priority=high"),
        ("inbox: tag filter", "/?tag=vip"),
        ("inbox: search 'refund'", "/?q=refund"),
        ("inbox: search 'router outage'", "/?q=router%20outage"),
        ("inbox: page 20", "/?page=20"),
        ("inbox: live rows fragment", "/inbox/rows?view=all"),
        ("case page (open)", f"/cases/{open_case}"),
        ("case page (answered)", f"/cases/{busy}"),
        ("suggested replies (fetched after the page)", f"/cases/{open_case}/suggestions"),
    ]


# Five saved views per person (one of the admin's shared with a team): each inbox request then
# counts them in the same pass as the built-in views.
SAVED_VIEWS = {
    "Urgent unassigned": {"view": "unassigned", "priority": "urgent"},
    "Angry billing": {"intent": "billing", "sentiment": "negative"},
    "VIP": {"tag": "vip"},
    "Refunds": {"q": "refund"},
    "Spanish": {"language": "es"},
}


def add_saved_views(url: str) -> None:
    """Give agent01 and the admin the saved views above (once; kept with --db)."""
    with transaction(url) as session:
        for username in ("agent01", "admin"):
            user = session.scalars(select(User).where(User.username == username)).one()
            if session.scalar(select(SavedView.id).where(SavedView.owner_user_id == user.id)):
                continue
            for position, (name, filters) in enumerate(SAVED_VIEWS.items()):
                shared = username == "admin" and position == 0
                session.add(
                    SavedView(
                        owner_user_id=user.id,
                        name=name,
                        filters={"view": "all", **filters},
                        position=position,
                        team_id=2 if shared else None,
                    )
                )


REPLAY_BRANDS = 105  # as many as the twcs replay registers


def add_history(url: str, n: int) -> int:
    """Make n open cases history (no clocks) and add the replay's brands, as `atdesk demo` with
    the twcs replay has them (ADR 73); once per database. Returns the history cases."""
    with transaction(url) as session:
        have = session.scalar(select(func.count(Case.id)).where(Case.history.is_(True))) or 0
        if have or not n:
            return int(have)
        chosen = select(Case.id).where(Case.status != "resolved").order_by(Case.id.desc()).limit(n)
        session.execute(
            update(Case)
            .where(Case.id.in_(chosen))
            .values(
                history=True,
                sla_due_at=None,
                first_response_due_at=None,
                next_response_due_at=None,
                resolution_due_at=None,
            )
        )
        for i in range(REPLAY_BRANDS):
            brand = Brand(name=f"replay{i:03d}", settings={}, replay_only=True)
            session.add(brand)
            session.flush()
            handle = f"replay{i:03d}"
            session.add(
                ChannelAccount(
                    brand_id=brand.id, network="x", handle=handle, handle_key=handle, state={}
                )
            )
        return int(session.scalar(select(func.count(Case.id)).where(Case.history.is_(True))) or 0)


def history_pages() -> Sequence[tuple[str, str]]:
    return [
        ("inbox: all open, history in the database", "/"),
        ("inbox: History view", "/?view=history"),
        ("inbox: search 'refund' (with the History hint)", "/?q=refund"),
        ("inbox: History view, search 'refund'", "/?view=history&q=refund"),
    ]


def saved_view_pages() -> Sequence[tuple[str, str]]:
    return [
        ("inbox: all open, 5 saved views counted", "/"),
        ("inbox: a saved view opened (billing, negative)", "/?intent=billing&sentiment=negative"),
        ("inbox: live rows fragment, 5 saved views", "/inbox/rows?view=all"),
    ]


SURVEYED_SHARE = 0.2  # of resolved cases, answered (a typical 15-25 % response rate)


def add_survey_answers(url: str, seed: int = 11) -> int:
    """Answer a survey on a fifth of the resolved cases (CSAT on even brands, NPS on odd), each
    answer a private message of its own, as the survey sweep records them; once per database.
    Returns the answers in the database."""
    rng = random.Random(seed)
    engine = get_engine(url)
    with engine.begin() as conn:
        have = conn.scalar(select(func.count(SurveyResponse.id))) or 0
        if have:
            return int(have)
        resolved = conn.execute(
            select(Case.id, Case.brand_id, Case.customer_author_id, Case.resolved_at).where(
                Case.status == "resolved", Case.history.is_(False)
            )
        ).all()
        chosen = [row for row in resolved if rng.random() < SURVEYED_SHARE]
        next_post = int(conn.scalar(select(func.max(Post.id))) or 0)
        posts, surveys, answers = [], [], []
        for n, (case_id, brand_id, author_id, resolved_at) in enumerate(chosen, start=1):
            kind = "csat" if brand_id % 2 == 0 else "nps"
            score = (
                rng.choices([1, 2, 3, 4, 5], weights=(6, 5, 10, 30, 49))[0]
                if kind == "csat"
                else rng.choices(range(11), weights=(3, 2, 2, 3, 4, 6, 8, 12, 18, 20, 22))[0]
            )
            sent = resolved_at + timedelta(minutes=5)
            answered = sent + timedelta(minutes=rng.randint(2, 600))
            posts.append(
                {
                    "id": next_post + n,
                    "network": "x",
                    "native_id": f"survey-answer-{case_id}",
                    "brand_id": brand_id,
                    "author_id": author_id,
                    "text": str(score),
                    "created_at": answered,
                    "received_at": answered,
                    "inbound": True,
                    "direct": True,
                    "media": [],
                    "source": "bench",
                    "spam": False,
                    "abuse": False,
                    "pii": False,
                    "entities": {},
                    "triage_notes": [],
                    "raw": {},
                }
            )
            common = {"brand_id": brand_id, "case_id": case_id, "author_id": author_id}
            surveys.append(
                {
                    "id": n,
                    **common,
                    "network": "x",
                    "kind": kind,
                    "status": "answered",
                    "resolved_by": "agent",
                    "text": "",
                    "sent_at": sent,
                    "expires_at": sent + timedelta(days=7),
                    "answered_at": answered,
                    "created_at": sent,
                    "updated_at": answered,
                }
            )
            answers.append(
                {
                    **common,
                    "survey_id": n,
                    "post_id": next_post + n,
                    "kind": kind,
                    "score": score,
                    "comment": "",
                    "answered_at": answered,
                    "created_at": answered,
                }
            )
        for table, rows in ((Post, posts), (Survey, surveys), (SurveyResponse, answers)):
            for part in chunks(rows):
                conn.execute(insert(table), part)
        return len(answers)


def report_pages() -> Sequence[tuple[str, str]]:
    return [
        ("reports: overview, last 30 days (6 charts)", "/reports"),
        ("reports: overview, last 90 days", "/reports?period=90d"),
        ("reports: overview, one brand, 30 days", "/reports?brand_id=2"),
        ("reports: by agent, 30 days", "/reports/agents"),
        ("reports: by team, 90 days", "/reports/teams?period=90d"),
        ("reports: by intent, 30 days", "/reports/intents"),
        ("reports: by network, 30 days", "/reports/networks"),
        ("reports: by brand, 30 days", "/reports/brands"),
        ("reports: drill-down, cases answered in 30 days", "/reports/cases?metric=cases"),
        ("reports: CSV by agent, 90 days", "/reports/agents?period=90d&format=csv"),
        ("reports: API summary, 30 days", "/api/v1/reports/summary"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--db", type=Path, help="keep the database here (built if missing)")
    parser.add_argument(
        "--history",
        type=int,
        default=12_000,
        help="open cases made history, with 105 replay brands (0: none; kept with --db)",
    )
    parser.add_argument(
        "--reports",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="add survey answers and report facts, then time the reports pages (issue 14)",
    )
    parser.add_argument(
        "--only-reports", action="store_true", help="time only the reports pages (with --db)"
    )
    parser.add_argument(
        "--refresh-facts",
        action="store_true",
        help="refresh the report facts instead of rebuilding them (a kept --db run before)",
    )
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="atdesk-bench-")) / "bench.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        started = time.perf_counter()
        build(url, args.cases)
        print(f"built {args.cases:,} cases in {time.perf_counter() - started:.0f} s at {path}")
    with transaction(url) as session:
        n_cases = session.scalar(select(func.count(Case.id)))
        n_posts = session.scalar(select(func.count(Post.id)))
        n_open = session.scalar(select(func.count(Case.id)).where(Case.status != "resolved"))
    size = path.stat().st_size / 1e6
    print(f"{n_cases:,} cases ({n_open:,} open), {n_posts:,} posts; SQLite file {size:.0f} MB")
    print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    secret = "bench-secret-0123456789"  # noqa: S105 (a throwaway benchmark database)
    app = create_app(Settings(database_url=url, secret_key=secret))
    agent, admin = login(app, "agent01"), login(app, "admin")
    print(f"| page | agent ({BRANDS // 4} brands) ms | admin ({BRANDS} brands) ms |")
    print("|---|---:|---:|")
    if args.only_reports:
        measure_reports(url, agent, admin, args.repeat, refresh_only=args.refresh_facts)
        return
    with transaction(url) as session:
        session.execute(delete(SavedView))
    for name, path_ in pages(url):
        measure(agent, admin, name, path_, args.repeat)
    add_saved_views(url)
    for name, path_ in saved_view_pages():
        measure(agent, admin, name, path_, args.repeat)
    with transaction(url) as session:
        session.execute(delete(SavedView))
    if add_history(url, args.history):
        for name, path_ in history_pages():
            measure(agent, admin, name, path_, args.repeat)
    if args.reports:
        measure_reports(url, agent, admin, args.repeat)


def measure_reports(
    url: str, agent: TestClient, admin: TestClient, repeat: int, *, refresh_only: bool = False
) -> None:
    """Survey answers, the report facts of every case, then each reports page and API."""
    answers = add_survey_answers(url)
    started = time.perf_counter()
    computed = (refresh(url) if refresh_only else rebuild(url)).computed
    took = time.perf_counter() - started
    print(f"{answers:,} survey answers; report facts of {computed:,} cases in {took:.0f} s")
    print(
        "| page | agent first | agent computed | agent remembered"
        " | admin first | admin computed | admin remembered |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, path_ in report_pages():
        cells = []
        for client in (agent, admin):
            invalidate()  # the engine's minute cache: the first request computes
            first = server_ms(client, path_)  # also the first of this page in the process
            cold: list[float] = []
            for _ in range(repeat):
                invalidate()
                cold.append(server_ms(client, path_))
            remembered = [server_ms(client, path_) for _ in range(repeat)]
            cells += [
                f"{first:.0f}",
                f"{statistics.median(cold):.0f}",
                f"{statistics.median(remembered):.1f}",
            ]
        print(f"| {name} | {' | '.join(cells)} |")


def server_ms(client: TestClient, path: str) -> float:
    """The server's own time for one GET (checked to be 200)."""
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}")
    match = re.search(r"app;dur=([0-9.]+)", response.headers["server-timing"])
    assert match, "the app reports its own time"
    return float(match.group(1))


def measure(agent: TestClient, admin: TestClient, name: str, path: str, repeat: int) -> None:
    a50, a95 = timed(agent, path, repeat)
    d50, d95 = timed(admin, path, repeat)
    print(f"| {name} | {a50:.1f} (p95 {a95:.1f}) | {d50:.1f} (p95 {d95:.1f}) |")


if __name__ == "__main__":
    main()
