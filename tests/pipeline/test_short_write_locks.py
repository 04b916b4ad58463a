"""No lock is held while a model or a network answers (issue 10.5, ADR 78): while the pipeline
triages a post, or a job waits on a channel or a city, every other writer goes on at once."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url

from atdesk.accounts.service import create_token, find_user
from atdesk.automations.bot import actions as bot
from atdesk.automations.bot import knowledge
from atdesk.automations.bot.knowledge import Article, KnowledgeIndex
from atdesk.automations.bot.service import save_article
from atdesk.automations.engine.stage import CaseEventsHandler, inbound_handler
from atdesk.channels.base import Sent
from atdesk.config import Settings
from atdesk.domain.triage import TriageInput, TriageResult
from atdesk.emulators.open311 import Open311Emulator
from atdesk.jobs.queue import run_due_jobs
from atdesk.models import (
    Author,
    BotDecision,
    Brand,
    BusMessage,
    Case,
    ChannelAccount,
    KbArticle,
    Post,
)
from atdesk.pipeline.bus import CASE_EVENTS, INBOUND, PREPARE_ATTEMPTS, Handler, Stale
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.pipeline.ingest import ingest_file
from atdesk.pipeline.prepare import PipelineHandler
from atdesk.respond.outbox import Outgoing
from atdesk.storage.engine import get_engine
from atdesk.storage.session import transaction
from atdesk.triage.tokens import MAX_TEXT_CHARS
from atdesk.web.app import create_app
from tests.automations.helpers import NOW, TRIAGER, Clock, automate, job_env, jobs_of
from tests.automations.helpers import post as recent_post
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.factories import make_brand, post
from tests.respond.fakes import RecordingOutbox
from tests.web.conftest import seed

T = TypeVar("T")
WAIT_S = 120.0  # only a safety net for a broken run; nothing here measures time
ASK = "@acmehelp please call me tomorrow morning about my bill"
TABLES = ("bus_messages", "posts", "conversations", "cases", "automation_jobs", "reply_drafts")


@dataclass
class Gate:
    """Holds the first caller until the test lets it go; later callers pass straight on."""

    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    calls: int = 0

    def pause(self) -> None:
        self.calls += 1
        if self.calls > 1:
            return
        self.entered.set()
        assert self.release.wait(WAIT_S), "the test never released the gate"

    def held(self) -> None:
        assert self.entered.wait(WAIT_S), "the slow step never started"


@dataclass
class SlowTriager:
    """The keyword triager behind a gate: a model that takes as long as the test likes."""

    gate: Gate

    def triage(self, item: TriageInput) -> TriageResult:
        return self.triage_many([item])[0]

    def triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]:
        self.gate.pause()
        return TRIAGER.triage_many(items)


@dataclass
class SlowOutbox(RecordingOutbox):
    """A channel whose first send hangs until the test lets it answer."""

    gate: Gate = field(default_factory=Gate)

    def send(self, account: ChannelAccount, message: Outgoing) -> Sent[Any]:
        self.gate.pause()
        return super().send(account, message)


class SlowTransport(httpx.BaseTransport):
    """Real HTTP to the emulator, the first request held until the test lets it through."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.gate.pause()
        return self.inner.handle_request(request)


@contextmanager
def in_background(work: Callable[[], T]) -> Iterator[Future[T]]:
    """Run `work` on another thread; leaving the block waits for it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(work)


def assert_nothing_locked(url: str) -> None:
    """Write at once or fail: SQLite's write lock with no waiting, every row with NOWAIT."""
    if make_url(url).get_backend_name() == "sqlite":
        conn = sqlite3.connect(str(make_url(url).database), timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")  # "database is locked" if anyone holds the lock
            conn.execute("UPDATE brands SET name = name")
            conn.execute("COMMIT")
        finally:
            conn.close()
        return
    with transaction(url) as session:
        for table in TABLES:
            session.execute(text(f"SELECT 1 FROM {table} FOR UPDATE NOWAIT")).all()


@dataclass(frozen=True)
class Desk:
    """Acme with Dana's case and agent ana (the web tests' seed), and a script's API client."""

    settings: Settings
    api: TestClient
    headers: dict[str, str]
    case_id: int


@pytest.fixture
def desk(settings: Settings) -> Desk:
    seed(settings)
    with transaction(settings.database_url) as session:
        token = create_token(session, find_user(session, "ana"))
        author = session.scalars(select(Author).where(Author.handle == "dana")).one()
        case_id = session.scalars(select(Case.id).where(Case.customer_author_id == author.id)).one()
    api = TestClient(create_app(settings, outbox=RecordingOutbox()))
    return Desk(settings, api, {"Authorization": f"Bearer {token}"}, case_id)


def api_save(desk: Desk) -> None:
    """An agent's script changes Dana's case through the REST API."""
    saved = desk.api.patch(
        f"/api/v1/cases/{desk.case_id}",
        json={"priority": "high", "add_tags": ["busy"]},
        headers=desk.headers,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["priority"] == "high"


def writers_go_on_while(desk: Desk, gate: Gate, work: Callable[[], T]) -> T:
    """Run `work` until it reaches the gate; meanwhile nothing is locked and an agent's API
    save goes through at once; then let it finish and return what it returned."""
    with in_background(work) as running:
        gate.held()
        try:
            assert_nothing_locked(desk.settings.database_url)
            api_save(desk)
        finally:
            gate.release.set()
        return running.result(timeout=WAIT_S)


def consume(url: str, handler: Handler, topic: str = CASE_EVENTS) -> int:
    """One batch of a topic through the embedded bus, as a worker takes it."""
    return EmbeddedBus(url).consume(topic, handler)


def publish(url: str, *payloads: dict[str, Any]) -> None:
    with transaction(url) as session:
        EmbeddedBus(url).publish(
            session, INBOUND, [{"source": "jsonl", "payload": p, "line": None} for p in payloads]
        )


def stored(url: str, native_id: str) -> Post | None:
    with transaction(url) as session:
        return session.scalars(select(Post).where(Post.native_id == native_id)).one_or_none()


def test_writers_go_on_while_the_pipeline_triages(desk: Desk) -> None:
    url = desk.settings.database_url
    word = "x" * 8000
    publish(url, post("20", f"@acmehelp {word}", author="46", handle="gus", minutes=50))
    gate = Gate()
    handler = PipelineHandler(triager=SlowTriager(gate))
    assert writers_go_on_while(desk, gate, lambda: consume(url, handler, INBOUND)) == 1
    row = stored(url, "20")
    assert row is not None and row.text.endswith(word) and row.intent is not None
    assert row.case_id is not None and EmbeddedBus(url).pending(INBOUND) == 0


def test_a_brand_changed_during_triage_is_triaged_again_and_stored_once(
    desk: Desk,
) -> None:
    url = desk.settings.database_url
    publish(url, post("21", "@acmehelp my order never came", author="47", handle="hal"))
    gate = Gate()
    handler = PipelineHandler(triager=SlowTriager(gate))
    with in_background(lambda: EmbeddedBus(url).consume(INBOUND, handler)) as running:
        gate.held()
        try:
            with transaction(url) as session:  # what triage was prepared with is now stale
                session.execute(update(Brand).where(Brand.name == "Acme").values(name="Acme Co"))
        finally:
            gate.release.set()
        assert running.result(timeout=WAIT_S) == 1
    assert gate.calls == 2, "prepared a second time with the brand's new name"
    with transaction(url) as session:
        count = session.scalar(select(func.count()).where(Post.native_id == "21"))
        assert count == 1
        message = session.scalars(select(BusMessage)).one()
        assert message.done_at is not None and message.attempts == 0


@dataclass
class RenamingTriager:
    """Renames the brand each time it triages, so what it prepared is always stale."""

    database_url: str
    calls: int = 0

    def triage(self, item: TriageInput) -> TriageResult:
        return self.triage_many([item])[0]

    def triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]:
        self.calls += 1
        with transaction(self.database_url) as session:
            acme = Brand.name.startswith("Acme")
            session.execute(update(Brand).where(acme).values(name=f"Acme {self.calls}"))
        return TRIAGER.triage_many(items)


class BrokenTriager:
    """A model that fails: the batch must back off like any other failure."""

    def triage(self, item: TriageInput) -> TriageResult:
        raise RuntimeError("model file is corrupt")

    def triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]:
        raise RuntimeError("model file is corrupt")


def test_a_batch_stale_every_time_backs_off_with_nothing_stored(desk: Desk) -> None:
    url = desk.settings.database_url
    publish(url, post("22", "@acmehelp where is my refund", author="53", handle="ida"))
    triager = RenamingTriager(url)
    with pytest.raises(Stale):
        EmbeddedBus(url).consume(INBOUND, PipelineHandler(triager=triager))
    assert triager.calls == PREPARE_ATTEMPTS
    assert stored(url, "22") is None
    with transaction(url) as session:
        message = session.scalars(select(BusMessage)).one()
        assert message.done_at is None and message.attempts == 1
        assert "Stale" in (message.error or "") and message.available_at > message.created_at


def test_a_triager_failing_before_the_write_backs_off_like_any_failure(desk: Desk) -> None:
    url = desk.settings.database_url
    publish(url, post("23", "@acmehelp hello?", author="54", handle="jo"))
    with pytest.raises(RuntimeError, match="corrupt"):
        EmbeddedBus(url).consume(INBOUND, PipelineHandler(triager=BrokenTriager()))
    with transaction(url) as session:
        message = session.scalars(select(BusMessage)).one()
        assert message.done_at is None and message.attempts == 1
        assert "corrupt" in (message.error or "")
    assert EmbeddedBus(url).consume(INBOUND, PipelineHandler(triager=TRIAGER)) == 0, "backing off"


def test_writers_go_on_while_a_channel_send_hangs(desk: Desk) -> None:
    settings = desk.settings
    with transaction(settings.database_url) as session:
        automate(
            session,
            settings,
            recent_post("30", ASK, author="48", handle="ivy"),
        )
    assert jobs_of(settings.database_url, "message.send"), "the rule queued a message"
    outbox = SlowOutbox()
    with httpx.Client() as http:
        env = job_env(settings, outbox, http, Clock())
        assert writers_go_on_while(desk, outbox.gate, lambda: run_due_jobs(env)) >= 1
    assert outbox.sent, "the message went out once the channel answered"


@pytest.fixture
def city() -> Iterator[Open311Emulator]:
    with Open311Emulator() as emulator:
        yield emulator


def test_writers_go_on_while_the_city_answers_slowly(desk: Desk, city: Open311Emulator) -> None:
    settings: Settings = replace(
        desk.settings, open311_endpoint=city.endpoint, open311_api_key=city.api_key
    )
    tree = "@acmehelp downed tree blocking Main Street, cars can't get through"
    with transaction(settings.database_url) as session:
        runs = automate(
            session,
            settings,
            recent_post("40", tree, author="49", handle="sam", coordinates=[37.77, -122.42]),
        )
        assert [o.action for o in runs[0].outcomes] == ["tag", "file_open311"]
    gate = Gate()
    with httpx.Client(transport=SlowTransport(gate)) as http:
        env = job_env(settings, RecordingOutbox(), http, Clock())
        assert writers_go_on_while(desk, gate, lambda: run_due_jobs(env)) >= 1
    assert len(city.stored_requests()) == 1, "filed once the city answered"


def test_a_jsonl_line_with_a_megabyte_of_text_is_stored_with_its_neighbours(
    database_url: str, tmp_path: Path
) -> None:
    with transaction(database_url) as session:
        make_brand(session)
    huge = "@acmehelp " + "my router keeps dropping the connection " * 26_000
    assert len(huge) > 1_000_000
    lines = [
        post("1", "@acmehelp my bill is wrong", author="50", handle="ann", minutes=0),
        post("2", huge, author="51", handle="bob", minutes=1),
        post("3", "@acmehelp the app will not open", author="52", handle="cyd", minutes=2),
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    report = ingest_file(path, database_url, warn=lambda _: None)
    assert report.rows == 3 and report.pipeline.stored == 3 and not report.bad_rows
    with transaction(database_url) as session:
        posts = {p.native_id: p for p in session.scalars(select(Post))}
        assert sorted(posts) == ["1", "2", "3"]
        assert posts["2"].text == huge and posts["2"].intent is not None, "triaged"
        assert posts["1"].case_id is not None and posts["3"].case_id is not None


def test_sensitivity_reads_what_triage_reads_so_the_write_stays_short(database_url: str) -> None:
    # It runs in the storing transaction: its words are searched in the first 10,000 characters.
    filler = "the router drops the connection every evening " * 300
    assert len(filler) > MAX_TEXT_CHARS
    with transaction(database_url) as session:
        make_brand(session)
    publish(
        database_url,
        post("60", f"@acmehelp my lawyer says {filler}", author="60", handle="kim"),
        post("61", f"@acmehelp {filler} my lawyer says", author="61", handle="lou"),
    )
    assert EmbeddedBus(database_url).consume(INBOUND, PipelineHandler(triager=TRIAGER)) == 2
    with transaction(database_url) as session:
        rows = session.execute(
            select(Author.handle, Case).join(Case, Case.customer_author_id == Author.id)
        )
        cases = dict(list(rows.tuples()))
        assert cases["kim"].sensitive and "lawyer" in " ".join(cases["kim"].sensitive_reasons)
        assert not cases["lou"].sensitive


def test_sqlite_waits_for_a_short_lock_instead_of_failing(sqlite_url: str) -> None:
    with get_engine(sqlite_url).connect() as conn:
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


STUDENTS = (
    "Student discount",
    "Students get 20% off any plan; add your student email at acme.example/students.",
    "do you offer a discount for students?\nis there a student plan",
)


class SlowIndex(KnowledgeIndex):
    """A knowledge index whose building (word vectors for every phrasing) waits on a gate."""

    gate = Gate()

    def __init__(self, articles: Sequence[Article]) -> None:
        SlowIndex.gate.pause()
        super().__init__(articles)


@pytest.fixture
def slow_index(monkeypatch: pytest.MonkeyPatch) -> Gate:
    """Every index built from here on waits for the test; no index built before is reused."""
    monkeypatch.setattr(knowledge, "KnowledgeIndex", SlowIndex)
    fresh = knowledge._IndexCache()
    monkeypatch.setattr(knowledge, "INDEXES", fresh)
    monkeypatch.setattr(bot, "INDEXES", fresh)
    SlowIndex.gate = Gate()
    return SlowIndex.gate


def question_for_the_bot(desk: Desk) -> None:
    """Acme's knowledge base, and a customer's question stored with its case event waiting."""
    url = desk.settings.database_url
    with transaction(url) as session:
        acme = session.scalars(select(Brand).where(Brand.name == "Acme")).one()
        save_article(
            session, acme, title=STUDENTS[0], body=STUDENTS[1], questions=STUDENTS[2], actor="t"
        )
    bus = EmbeddedBus(url)
    publish(url, recent_post("30", "@acmehelp do you offer a discount for students?"))
    assert bus.consume(INBOUND, inbound_handler(bus, TRIAGER)) == 1
    assert bus.pending(CASE_EVENTS) == 1


def bot_decisions(url: str) -> list[BotDecision]:
    with transaction(url) as session:
        return list(session.scalars(select(BotDecision)))


def test_writers_go_on_while_the_bot_indexes_its_knowledge(desk: Desk, slow_index: Gate) -> None:
    url = desk.settings.database_url
    question_for_the_bot(desk)
    handler = CaseEventsHandler(desk.settings, clock=lambda: NOW)
    assert writers_go_on_while(desk, slow_index, lambda: consume(url, handler)) == 1
    (decision,) = bot_decisions(url)
    assert decision.outcome == bot.ANSWERED and decision.article_id is not None
    assert len(jobs_of(url, "message.send")) == 1, "the answer is queued"


def test_articles_edited_while_indexing_are_indexed_again(desk: Desk, slow_index: Gate) -> None:
    url = desk.settings.database_url
    question_for_the_bot(desk)
    handler = CaseEventsHandler(desk.settings, clock=lambda: NOW)
    with in_background(lambda: EmbeddedBus(url).consume(CASE_EVENTS, handler)) as running:
        slow_index.held()
        try:
            with transaction(url) as session:  # the index being built is now out of date
                article = session.scalars(select(KbArticle)).one()
                save_article(
                    session,
                    session.get_one(Brand, article.brand_id),
                    title=STUDENTS[0],
                    body="Students save 25% on every plan.",
                    questions=STUDENTS[2],
                    actor="t",
                    article=article,
                )
        finally:
            slow_index.release.set()
        assert running.result(timeout=WAIT_S) == 1
    assert slow_index.calls == 2, "indexed a second time with the edited article"
    (decision,) = bot_decisions(url)
    assert decision.outcome == bot.ANSWERED
    (job,) = jobs_of(url, "message.send")
    assert "25%" in str(job.payload["text"]), "the answer is the edited article"
