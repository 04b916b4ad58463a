"""The live part of the demo: the brief's three examples happen on an emulated X and a local
Open311 city while the demo runs, and atdesk's automations answer through the same sockets.

Started by `prepare_demo`: an X emulator holding the three demo brands' accounts (their
stored channel state points at it, so the connectors runtime in the worker reads it and the
respond stage sends to it) and the scenario customers (so private messages reach them), the
Open311 emulator (City Works files reports there), and a daemon thread playing the demo
"actors": the Cable Co customer who answers the slot offer, every customer who answers a
satisfaction survey a few seconds after it arrives, and the city crew that closes a report a
little while after it was filed.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from atdesk.channels.x.account import XAccount
from atdesk.config import Settings
from atdesk.demo.networks import DemoNetworkSet, read_past, seed_stored_posts
from atdesk.domain.networks import Network
from atdesk.emulators.open311 import Open311Emulator
from atdesk.emulators.x import XEmulator
from atdesk.models import Author, Brand, ChannelAccount, Post
from atdesk.storage.session import transaction

log = logging.getLogger(__name__)

ACT_EVERY_S = 2.0
ANSWER_AFTER_S = 8.0
OFFER_START = "Here are the times we can offer"
# Words in both default survey texts (surveys.settings); the demo's customers answer those.
SURVEY_MARK = "Reply with a number from"


@dataclass(slots=True)
class LiveDemo:
    """The running emulators and the threads that keep the demo moving."""

    x: XEmulator
    city: Open311Emulator
    accounts: dict[str, int]
    networks: DemoNetworkSet | None = None  # Mastodon and Bluesky, once wired
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def stop(self) -> None:
        """Stop the threads and every emulator."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=5)
        self.x.stop()
        self.city.stop()
        if self.networks is not None:
            self.networks.stop()


def token_of(handle: str) -> str:
    """The demo brand's (emulator-only) user token."""
    return f"demo-{handle}-user-token"


def start_emulators(settings: Settings, brands: list[dict[str, Any]]) -> LiveDemo:
    """Start X and the city; point each demo brand's X account at the X emulator, and put
    the posts stored for the brands back on it (the scenarios, earlier runs' posts)."""
    x = XEmulator(validate=False).start()
    for endpoint in ("GET /2/users/:id/mentions", "GET /2/dm_events"):
        x.set_rate_limit(endpoint, 100_000, 900.0)
    city = Open311Emulator().start()
    for spec in brands:
        handle, user_id = spec["x"]
        x.add_account(handle, user_token=token_of(handle), user_id=user_id, name=spec["name"])
    seeded = seed_stored_posts(settings, Network.X, x, [str(spec["name"]) for spec in brands])
    accounts: dict[str, int] = {}
    with transaction(settings.database_url) as session:
        for spec in brands:
            handle, user_id = spec["x"]
            row = session.scalar(
                select(ChannelAccount)
                .join(Brand, Brand.id == ChannelAccount.brand_id)
                .where(Brand.name == spec["name"], ChannelAccount.network == Network.X.value)
            )
            if row is None:
                continue
            row.state = XAccount(
                handle=handle,
                user_id=user_id,
                user_token=token_of(handle),
                base_url=x.base_url,
                mentions=read_past(seeded),
            ).to_json()
            accounts[handle] = row.id
    return LiveDemo(x=x, city=city, accounts=accounts)


def add_customers(live: LiveDemo, posts: list[dict[str, Any]]) -> None:
    """The scenario posts' X authors as users of the emulator, with their ids, so a private
    message (an agent's, a survey) reaches them as it would on X."""
    for item in posts:
        author = item["author"]
        if item.get("network") == Network.X.value and author["id"] not in live.x.users:
            live.x.add_user(
                author["handle"],
                name=author.get("name", ""),
                followers=int(author.get("followers", 0)),
                user_id=str(author["id"]),
            )


def post_live(settings: Settings, live: LiveDemo, posts: list[dict[str, Any]]) -> int:
    """The brief's posts, written on the X emulator by their customers (once per database)."""
    with transaction(settings.database_url) as session:
        rows = session.execute(
            select(Author.handle, Post.text)
            .join(Author, Author.id == Post.author_id)
            .where(Post.network == Network.X.value)
        ).all()
    seen = {(str(handle), str(text)) for handle, text in rows}
    written = 0
    for item in posts:
        if (item["handle"], item["text"]) in seen:
            continue
        live.x.add_user(item["handle"], name=item["name"], followers=int(item["followers"]))
        geo = item.get("geo")
        live.x.post(
            item["handle"],
            item["text"],
            geo=(float(geo[0]), float(geo[1])) if geo else None,
            media=item.get("media", ()),
        )
        written += 1
    return written


def start_threads(
    live: LiveDemo,
    spec: Mapping[str, Any],
    say: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
) -> None:
    """One daemon thread plays the customer who answers and the city crew; the connectors
    runtime (in the worker) reads the brands' X accounts like any others."""
    actors = threading.Thread(target=_act, args=(live, spec, say), name="demo-actors", daemon=True)
    actors.start()
    live.threads.append(actors)


def _act(live: LiveDemo, spec: Mapping[str, Any], say: Callable[[str], None]) -> None:
    answers = {p["handle"]: p["answer"] for p in spec["live"] if p.get("answer")}
    answered: dict[str, tuple[str, float]] = {}
    ratings: Mapping[str, list[str]] = spec.get("survey_answers") or {}
    rated: dict[str, _Rating] = {}
    told: set[str] = set()
    filed: dict[str, float] = {}
    while not live.stopping.wait(ACT_EVERY_S):
        _customers_answer(live, answers, answered)
        _customers_rate(live, ratings, rated, say)
        _links_shown(live, told, say)
        _crew_closes(live, spec["open311"], filed)


def _customers_answer(
    live: LiveDemo, answers: dict[str, str], answered: dict[str, tuple[str, float]]
) -> None:
    """A customer who got a slot offer by DM answers it a few seconds later, once."""
    for sent in _dms_from_brands(live):
        to = sent["to"]
        if sent["text"].startswith(OFFER_START) and to in answers and to not in answered:
            answered[to] = (sent["brand"], time.monotonic())
    for handle, (brand, since) in list(answered.items()):
        if since and time.monotonic() - since >= ANSWER_AFTER_S:
            live.x.dm(handle, brand, answers[handle])
            answered[handle] = (brand, 0.0)


@dataclass(slots=True)
class _Rating:
    """A survey a demo customer got, what they will answer, and when."""

    handle: str
    brand: str
    answer: str
    due: float
    done: bool = False


def _customers_rate(
    live: LiveDemo,
    ratings: Mapping[str, list[str]],
    rated: dict[str, _Rating],
    say: Callable[[str], None],
) -> None:
    """A customer asked how we did answers a few seconds later, once per survey; the scores
    take turns through the demo's list, so the surveys page has something to show."""
    for sent in _dms_from_brands(live):
        if SURVEY_MARK not in sent["text"] or not sent["to"] or sent["id"] in rated:
            continue
        choices = ratings.get("nps" if "recommend" in sent["text"] else "csat") or []
        if choices:
            answer = choices[len(rated) % len(choices)]
            due = time.monotonic() + ANSWER_AFTER_S
            rated[sent["id"]] = _Rating(sent["to"], sent["brand"], answer, due)
    for rating in rated.values():
        if not rating.done and time.monotonic() >= rating.due:
            live.x.dm(rating.handle, rating.brand, rating.answer)
            rating.done = True
            say(f"  demo: @{rating.handle} answered {rating.brand}'s survey: {rating.answer!r}")


def _dms_from_brands(live: LiveDemo) -> list[dict[str, str]]:
    """Every DM a demo brand sent: event id, text, recipient handle and brand handle."""
    with live.x.lock:
        events = list(live.x.dm_events)
        users = {uid: u["username"] for uid, u in live.x.users.items()}
    brands = {live.x.find_user(handle): handle for handle in live.accounts}
    out = []
    for event in events:
        brand = brands.get(event["sender_id"])
        if brand is None:
            continue
        others = [p for p in event["_participants"] if p != event["sender_id"]]
        out.append(
            {
                "id": event["id"],
                "text": event["text"],
                "to": users.get(others[0], "") if others else "",
                "brand": brand,
            }
        )
    return out


def _links_shown(live: LiveDemo, told: set[str], say: Callable[[str], None]) -> None:
    """Print verification links sent by DM, so someone at the demo can play the customer."""
    for sent in _dms_from_brands(live):
        if "/verify/" in sent["text"] and sent["text"] not in told:
            told.add(sent["text"])
            link = sent["text"].split()[-1]
            say(f"  demo: @{sent['to']} got a verification link by DM: {link}")


def _crew_closes(live: LiveDemo, city: Mapping[str, Any], filed: dict[str, float]) -> None:
    """The city crew closes each request a little while after it was filed."""
    for request in live.city.stored_requests():
        request_id = request["service_request_id"]
        if not request_id or request["status"] == "closed":
            continue
        first_seen = filed.setdefault(request_id, time.monotonic())
        if time.monotonic() - first_seen >= float(city["close_after_s"]):
            live.city.close_request(request_id, str(city["status_notes"]))
