"""Issue 15 point 1: a post pushed live — `atdesk ingest --live` or `POST /api/v1/events` — gets
the same automations as the same post read from X (the emulator, real sockets): the callback
rule acts on each and each customer gets one acknowledgement on X; a plain (history) ingest of
the same file runs none and sends nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from atdesk.accounts.service import create_token
from atdesk.brands.service import create_brand
from atdesk.channels.base import ChannelDeps
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.provider import XChannel
from atdesk.cli import EmbeddedDrain, main
from atdesk.config import Settings
from atdesk.customers.service import create_customer, link_handle
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.emulators.x import XEmulator
from atdesk.models import AutomatedPost, Callback, Case, ChannelAccount, RuleRun
from atdesk.models import Post as PostRow
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.respond.outbox import ChannelOutbox
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from atdesk.worker import Worker
from tests.cases.factories import staff
from tests.web.server import serving

BRAND = "acmehelp"
TOKEN = "acme-user-token"
ASK = f"@{BRAND} please call me about my statement"
CUSTOMERS = {"dana": "4400000001", "lee": "4400000002", "kim": "4400000003"}


@dataclass
class World:
    settings: Settings
    x: XEmulator
    account: XAccount
    token: str

    def drain(self) -> None:
        """The embedded worker's stages, the real outbox to the emulator, until nothing is left."""
        drain = EmbeddedDrain(self.settings, EmbeddedBus(self.settings.database_url))
        drain.automations.env.outbox = ChannelOutbox(ChannelDeps(timeout=3.0))
        try:
            for _ in range(50):
                if not drain():
                    break
        finally:
            drain.close()


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    """Acme on the X emulator, connected; three customers on record with phones; admin root."""
    with XEmulator() as x:
        brand_user = x.add_account(BRAND, user_token=TOKEN, name="Acme")
        account = XAccount(handle=BRAND, user_id=brand_user, user_token=TOKEN, base_url=x.base_url)
        with transaction(settings.database_url) as session:
            create_brand(session, "Acme", [(Network.X, BRAND, brand_user)])
            session.scalars(select(ChannelAccount)).one().state = account.to_json()
            for n, handle in enumerate(CUSTOMERS):
                customer = create_customer(
                    session, name=handle.title(), phone=f"+1 415 555 014{n}", actor="test"
                )
                link_handle(session, customer, Network.X, handle, actor="test")
            token = create_token(session, staff(session, "root", Role.ADMIN), name="push")
        yield World(settings, x, account, token)
        assert x.validation_errors == []


def line(x: XEmulator, native_id: str, handle: str) -> dict[str, Any]:
    """A post on X in the ingest format, as a system relaying it would push it; dated long ago,
    which a push replaces by its arrival."""
    return {
        "network": "x",
        "id": native_id,
        "text": ASK,
        "created_at": "2017-10-31T22:10:47Z",
        "author": {"id": x.find_user(handle), "handle": handle, "name": handle.title()},
    }


def sent_by_brand(x: XEmulator) -> list[dict[str, Any]]:
    """Everything the brand posted or sent privately on X."""
    return x.posts_by(BRAND) + x.dms_by(BRAND)


def automations(settings: Settings, native_id: str) -> tuple[list[str], int, str | None]:
    """The rules that acted on a post, callbacks on its case, and how the stage handled it."""
    with transaction(settings.database_url) as session:
        post = session.scalars(select(PostRow).where(PostRow.native_id == native_id)).one()
        rules = sorted(
            session.scalars(select(RuleRun.rule_id).where(RuleRun.post_id == post.id)).all()
        )
        names = [str(r) for r in rules]
        callbacks = len(
            session.scalars(select(Callback).where(Callback.case_id == post.case_id)).all()
        )
        mark = session.get(AutomatedPost, post.id)
        return names, callbacks, mark.handled_by if mark else None


def test_a_pushed_post_gets_the_automations_of_the_same_post_read_from_x(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, x = world.settings, world.x
    # 1. The network: dana writes on X; the connector reads it onto the bus; a worker drains.
    from_x = x.post("dana", ASK)
    events = [
        e for batch in XChannel(ChannelDeps(timeout=3.0)).poll(world.account) for e in batch.events
    ]
    with transaction(settings.database_url) as session:
        EmbeddedBus(settings.database_url).publish(session, INBOUND, [e.to_json() for e in events])
    world.drain()

    # 2. A file: `atdesk ingest --live` drains the bus itself, through the same stages.
    from_file, from_api = x.post("lee", ASK), x.post("kim", ASK)  # on X, never read from it
    path = tmp_path / "live.jsonl"
    path.write_text(json.dumps(line(x, from_file, "lee")) + "\n", encoding="utf-8")
    monkeypatch.setenv("ATDESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ATDESK_X_API_BASE", x.base_url)
    result = CliRunner().invoke(main, ["ingest", "--live", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 posts published live" in result.output
    assert "handled: 1 posts stored, 1 on cases" in result.output

    # 3. The events API on a real socket; the embedded worker drains.
    with serving(create_app(settings)) as base_url:
        answer = httpx.post(
            f"{base_url}/api/v1/events",
            headers={"Authorization": f"Bearer {world.token}"},
            json=[line(x, from_api, "kim")],
        )
    assert answer.status_code == 202, answer.text
    assert answer.json()["results"] == [
        {"index": 0, "network": "x", "id": from_api, "status": "accepted", "error": None}
    ]
    world.drain()

    seen = {
        native_id: automations(settings, native_id) for native_id in (from_x, from_file, from_api)
    }
    rules, callbacks, handled_by = seen[from_x]
    assert rules and callbacks == 1 and handled_by == "rules"
    assert seen[from_file] == seen[from_api] == seen[from_x]
    acknowledgements = sent_by_brand(x)
    assert len(acknowledgements) == 3, acknowledgements
    with transaction(settings.database_url) as session:
        pushed = session.scalars(
            select(PostRow).where(PostRow.native_id.in_([from_file, from_api]))
        ).all()
        cases = session.scalars(select(Case).where(Case.id.in_([p.case_id for p in pushed]))).all()
    # Arriving now (ADR 96): not the 2017 of the file, so the SLA clock runs from now.
    assert all(timedelta(0) <= p.received_at - p.created_at < timedelta(minutes=5) for p in pushed)
    # Working cases with the clock a connector's post starts (answered already: resolution left).
    assert len(cases) == 2
    assert all(not c.history and c.resolution_due_at is not None for c in cases)
    assert all(
        c.resolution_due_at > c.opened_at >= min(p.created_at for p in pushed) for c in cases
    )

    # Pushed again: nothing new is stored, automated or sent.
    again = CliRunner().invoke(main, ["ingest", "--live", str(path)])
    assert again.exit_code == 0, again.output
    assert "(1 already stored)" in again.output
    world.drain()
    assert len(sent_by_brand(x)) == 3


def test_a_plain_ingest_of_the_same_file_runs_no_automation(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.jsonl"
    asked = world.x.post("lee", ASK)
    path.write_text(json.dumps(line(world.x, asked, "lee")) + "\n", encoding="utf-8")
    monkeypatch.setenv("ATDESK_DATABASE_URL", world.settings.database_url)
    result = CliRunner().invoke(main, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    world.drain()
    rules, callbacks, handled_by = automations(world.settings, asked)
    assert (rules, callbacks, handled_by) == ([], 0, None)
    assert sent_by_brand(world.x) == []


def test_a_running_worker_taking_the_same_messages_changes_nothing(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`atdesk serve`'s embedded worker drains the same bus while `ingest --live` does (and its
    connector may read the same posts from X meanwhile): each post is stored, automated and
    acknowledged on X once, whoever took its messages."""
    settings, x = world.settings, world.x
    asked = {handle: x.post(handle, ASK) for handle in CUSTOMERS}
    path = tmp_path / "live.jsonl"
    path.write_text(
        "".join(
            json.dumps(line(x, native_id, handle)) + "\n" for handle, native_id in asked.items()
        ),
        encoding="utf-8",
    )
    worker = Worker(settings, bus=EmbeddedBus(settings.database_url), idle_sleep_s=0.01)
    worker.automations.env.outbox = ChannelOutbox(ChannelDeps(timeout=3.0))
    thread = threading.Thread(target=worker.run, daemon=True)
    monkeypatch.setenv("ATDESK_DATABASE_URL", settings.database_url)
    thread.start()
    try:
        result = CliRunner().invoke(main, ["ingest", "--live", str(path)])
    finally:
        worker.stop()
        thread.join(10)
        worker.automations.close()
    assert result.exit_code == 0, result.output
    assert f"handled: {len(CUSTOMERS)} posts stored, {len(CUSTOMERS)} on cases" in result.output
    world.drain()  # whatever acknowledgement the stopped worker left due
    for native_id in asked.values():
        rules, callbacks, handled_by = automations(settings, native_id)
        assert rules and callbacks == 1 and handled_by == "rules"
    acknowledged = sorted(str(p.get("text", "")).split()[0] for p in sent_by_brand(x))
    assert acknowledged == sorted(f"@{handle}" for handle in CUSTOMERS)
