"""Answered past cases whose replies carry another customer's data, and a few clean ones.

Every customer wrote about a late parcel, so every past case is similar to Lucia's; only the
clean replies may be suggested to her, with her own first name.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.outbound.service import queue_text
from atdesk.brands.service import add_account
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.models import Author, Brand, Case, ChannelAccount, Post
from atdesk.storage.session import transaction
from tests.automations.helpers import job_env, run_jobs
from tests.factories import T0, post, run
from tests.respond.fakes import RecordingOutbox

ACME_MASTODON = "acme@social.example"
# The clean replies, as Lucia's suggestions must read (her first name filled in).
CLEAN_FOR_LUCIA = {
    "Thanks Lucia, sorry the parcel is late! We've asked the courier to hurry it along.",
    "So sorry for the wait with your parcel, we're chasing the courier today.",
    "Sorry Lucia, a late parcel is no fun. We've flagged it to the courier team.",
}
# What must never reach another customer, whatever the reply was.
FORBIDDEN = [
    "/verify/",
    "token=",
    "415",
    "@acme.example",
    "88812345",
    "Market Street",
    "17:00",
    "Nilsen",
    "toot",
    "Maria",
    "Noor",
    "Tess",
    "@maria_l",
    "noor@",
]
AUTOMATED = "Thanks Tess, sorry your parcel is late, we're looking into it for you."


def _said(
    native_id: str,
    text: str,
    who: tuple[str, str, str],
    *,
    minutes: float,
    network: str = "x",
    in_reply_to: str | None = None,
) -> dict[str, Any]:
    """A post by (author id, handle, display name)."""
    author, handle, name = who
    payload = post(
        native_id,
        text,
        author=author,
        handle=handle,
        minutes=minutes,
        in_reply_to=in_reply_to,
        network=network,
    )
    payload["author"]["name"] = name
    if network == Network.MASTODON.value and author != "7":
        payload["to"] = ACME_MASTODON
    return payload


BRAND_X = ("1200000000", "acmehelp", "Acme Help")
BRAND_MASTODON = ("7", ACME_MASTODON, "Acme Help")
# (network, customer, what they wrote, the brand's answer)
PAST: list[tuple[str, tuple[str, str, str], str, str]] = [
    (
        "x",
        ("501", "maria_l", "Maria Lopez"),
        "@acmehelp my parcel is late, where is it?",
        "@maria_l Thanks Maria, sorry the parcel is late! "
        "We've asked the courier to hurry it along.",
    ),
    (
        "x",
        ("502", "kim_r", "Kim Ryan"),
        "@acmehelp parcel late again, still waiting",
        "@kim_r So sorry for the wait with your parcel, we're chasing the courier today.",
    ),
    (
        "mastodon",
        ("601", "noor@social.example", "Noor Haddad"),
        "@acme@social.example my parcel is late",
        "@noor@social.example Sorry Noor, a late parcel is no fun. "
        "We've flagged it to the courier team.",
    ),
    (
        "mastodon",
        ("602", "pia@social.example", "Pia Berg"),
        "@acme@social.example where is my late parcel",
        "@pia@social.example Please confirm it's you so we can trace your parcel: "
        "https://desk.example/verify/eyJuIjoibWFzdG9kb24ifQ.aGk.Zm9vYmFyYmF6cXV4",
    ),
    (
        "mastodon",
        ("603", "ivo@social.example", "Ivo Lund"),
        "@acme@social.example late parcel, where is it",
        "Sorry for the late parcel! Boost this toot so others know about the delay.",
    ),
    (
        "x",
        ("503", "omar_s", "Omar Said"),
        "@acmehelp where is my parcel, it is late",
        "@omar_s So sorry about the late parcel, call us on +1 415 555 0199 and we'll trace it.",
    ),
    (
        "x",
        ("504", "gus_p", "Gus Pine"),
        "@acmehelp my parcel is late",
        "@gus_p So sorry about the late parcel, email parcels@acme.example and we'll trace it.",
    ),
    (
        "x",
        ("505", "ali_k", "Ali Khan"),
        "@acmehelp parcel is late",
        "@ali_k So sorry, your order 88812345 is late at the depot, it will move soon.",
    ),
    (
        "x",
        ("506", "bea_t", "Bea Tran"),
        "@acmehelp my parcel is late",
        "@bea_t Sorry, the late parcel is waiting at 12 Market Street for pickup.",
    ),
    (
        "x",
        ("507", "rosa_v", "Rosa Vega"),
        "@acmehelp late parcel, can you call me",
        "@rosa_v Thanks Rosa, we'll call you Fri 4 Dec 17:00–20:00 about the late parcel.",
    ),
    (
        "x",
        ("508", "oscar_n", "Oscar Nilsen"),
        "@acmehelp my parcel is late",
        "@oscar_n Sorry Mr Nilsen, the late parcel is on us and we're chasing it.",
    ),
    (
        "x",
        ("509", "ned_w", "Ned Webb"),
        "@acmehelp my parcel is late",
        "@ned_w Track the late parcel here: https://track.example/p?token=abc123def456",
    ),
]


def seed_past_cases(session: Session) -> None:
    """The answered cases above, in brand Acme (given a Mastodon account here)."""
    brand = session.scalars(select(Brand).where(Brand.name == "Acme")).one()
    if not session.scalar(select(ChannelAccount.id).where(ChannelAccount.handle == ACME_MASTODON)):
        add_account(session, brand, Network.MASTODON, ACME_MASTODON, "7")
    payloads = []
    for n, (network, who, asked, answer) in enumerate(PAST):
        brand_account = BRAND_X if network == "x" else BRAND_MASTODON
        payloads.append(_said(f"{900 + n}", asked, who, minutes=n, network=network))
        payloads.append(
            _said(
                f"{950 + n}",
                answer,
                brand_account,
                minutes=n + 0.5,
                network=network,
                in_reply_to=f"{900 + n}",
            )
        )
    run(session, *payloads)


def send_automated_answer(settings: Settings) -> None:
    """Tess's case is answered only by an automation, through the real job and respond path."""
    with transaction(settings.database_url) as session:
        run(
            session,
            _said("980", "@acmehelp my parcel is late", ("510", "tess_h", "Tess Hale"), minutes=20),
        )
        asked = session.scalars(select(Post).where(Post.native_id == "980")).one()
        assert asked.case_id is not None and asked.brand_id is not None
        queue_text(
            session,
            post=asked,
            case_id=asked.case_id,
            brand_id=asked.brand_id,
            text=AUTOMATED,
            private=False,
            purpose="test-late-parcel",
            now=T0,
            follow_up_of=asked.id,
        )
    with httpx.Client() as http:
        run_jobs(job_env(settings, RecordingOutbox(), http))
    with transaction(settings.database_url) as session:
        sent = session.scalars(select(Post).where(Post.text == AUTOMATED)).one()
        assert sent.case_id == asked.case_id and sent.inbound is False


def lucia_case(session: Session, *, network: str = "x") -> Case:
    """Lucia Diaz writes about her late parcel: the case the suggestions are for."""
    if network == "x":
        who, to = ("701", "lucia_d", "Lucia Diaz"), "@acmehelp"
    else:
        who, to = ("702", "lucia@social.example", "Lucia Diaz"), f"@{ACME_MASTODON}"
    text = f"{to} my parcel is late, where is my parcel?"
    run(session, _said(f"990{network}", text, who, minutes=30, network=network))
    author = session.scalars(select(Author).where(Author.handle == who[1])).one()
    return session.scalars(select(Case).where(Case.customer_author_id == author.id)).one()
