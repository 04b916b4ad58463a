"""Peer-to-peer help: other customers' answers are recognised, shown, counted and pointed to."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from atdesk.cases.community import ThreadPost, find_answers, judge_reply
from atdesk.config import Settings
from atdesk.models import Case, CommunityAnswer
from atdesk.storage.session import transaction
from tests.factories import brand_reply, make_brand, post, run
from tests.web.conftest import Workspace, workspace  # noqa: F401 (fixture)

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CUSTOMER, HELPER, BRAND = 1, 2, 3


def tp(
    i: int,
    text: str,
    *,
    author: int,
    reply_to: int | None = None,
    inbound: bool = True,
    **kw: object,
) -> ThreadPost:
    values: dict[str, object] = {"intent": None, "sentiment": None, "filtered": False}
    values.update(kw)
    return ThreadPost(
        id=i,
        native_id=str(i),
        author_id=author,
        handle={CUSTOMER: "dana", HELPER: "helpful_hal", BRAND: "acmehelp"}.get(
            author, f"u{author}"
        ),
        text=text,
        in_reply_to=str(reply_to) if reply_to else None,
        inbound=inbound,
        created_at=T + timedelta(minutes=i),
        **values,  # type: ignore[arg-type]
    )


def test_instructions_count_and_each_point_has_a_reason() -> None:
    verdict = judge_reply(
        "You can turn it off: 1. open Settings 2. Playback https://help.example/autoplay",
        intent="question",
        sentiment="neutral",
        thanked=False,
    )
    assert verdict.recognised and verdict.score == 4
    assert verdict.reasons == ("instructions ('you can')", "a link", "steps ('1.')")


def test_a_question_a_complaint_or_nothing_useful_is_no_answer() -> None:
    question = judge_reply("did you try calling them?", intent=None, sentiment=None, thanked=False)
    assert question.recognised is False
    # "try" makes it read like advice, but a bare question back is still a question.
    asking = judge_reply(
        "anyone from Acme reading this?", intent=None, sentiment=None, thanked=True
    )
    assert not asking.recognised and asking.reasons == ("asks a question itself",)
    moan = judge_reply(
        "same here, tried restarting, still broken", intent=None, sentiment=None, thanked=False
    )
    assert not moan.recognised and moan.reasons == ("a complaint of their own ('same here')",)
    chatter = judge_reply("lol good luck", intent="other", sentiment="neutral", thanked=True)
    assert not chatter.recognised
    assert chatter.reasons[-1] == "nothing in it reads like an answer"


def test_look_alikes_of_advice_are_not_answers() -> None:
    """Invented look-alikes of what the twcs replay first recognised by mistake."""
    for text in (
        "but when will you try the new pies? 🤔 https://example.com/pies",
        "If you could please contact me about this, thank you.",
        "Trying to work out how to pay for mine before I switch",
        "really?! @acmehelp",
        "@bo @acmehelp But when are you going to try the winners, Mark 🤔 https://example.com/w",
        "have you tried turning it off and on again",
    ):
        verdict = judge_reply(text, intent=None, sentiment=None, thanked=False)
        assert not verdict.recognised, (text, verdict)
    steps = "first unplug it, then hold the button? that's what I do"
    assert judge_reply(steps, intent=None, sentiment=None, thanked=False).recognised


def test_thanks_from_the_customer_lifts_a_bare_link_over_the_line() -> None:
    link = "this page has it https://help.example/refunds"
    assert not judge_reply(link, intent=None, sentiment=None, thanked=False).recognised
    thanked = judge_reply(link, intent=None, sentiment=None, thanked=True)
    assert thanked.recognised and thanked.reasons == ("a link", "the customer thanked them")


def test_only_other_customers_answering_a_question_count() -> None:
    thread = [
        tp(1, "@acmehelp how do I turn off autoplay?", author=CUSTOMER),
        tp(2, "Go to Settings > Playback and turn it off", author=HELPER, reply_to=1),
        tp(3, "Go to Settings > Playback", author=BRAND, reply_to=1, inbound=False),
        tp(4, "you can also try the web app", author=CUSTOMER, reply_to=1),
        tp(5, "@helpful_hal thanks, that worked!", author=CUSTOMER, reply_to=2),
        tp(6, "restart it, that fixes everything", author=7, reply_to=5),
        tp(7, "try restarting", author=8, reply_to=1, filtered=True),
    ]
    (answer,) = find_answers(thread, CUSTOMER)
    assert (answer.post_id, answer.question_post_id, answer.author_id) == (2, 1, HELPER)
    assert answer.thanked and "the customer thanked them" in answer.reasons
    statement = [tp(1, "@acmehelp autoplay is on", author=CUSTOMER, intent="complaint")]
    assert (
        find_answers([*statement, tp(2, "go to settings", author=HELPER, reply_to=1)], CUSTOMER)
        == []
    )


def test_the_pipeline_recognises_answers_and_follows_the_conversation(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        run(
            session,
            post("1", "@acmehelp how do I turn off autoplay on the TV app?"),
            post(
                "2",
                "Go to Settings > Playback and switch it off",
                author="77",
                handle="hal",
                minutes=3,
                in_reply_to="1",
            ),
            post(
                "3",
                "same here, it's so annoying",
                author="78",
                handle="moe",
                minutes=4,
                in_reply_to="1",
            ),
            brand_reply("4", "@dana Settings > Playback > Autoplay", minutes=5, in_reply_to="1"),
        )
        case = session.scalars(select(Case)).one()
        (answer,) = session.scalars(select(CommunityAnswer)).all()
        assert answer.case_id == case.id and answer.brand_id == case.brand_id
        assert answer.author.handle == "hal" and not answer.thanked
        assert answer.recognised_at == T + timedelta(minutes=3)
        run(session, post("5", "@hal thank you, that worked!", minutes=9, in_reply_to="2"))
        session.expire_all()
        (answer,) = session.scalars(select(CommunityAnswer)).all()
        assert answer.thanked and answer.score == 4


def test_the_case_shows_the_answer_and_an_agent_points_to_it(workspace: Workspace) -> None:  # noqa: F811
    with transaction(workspace.settings.database_url) as session:
        run(
            session,
            post("20", "@acmehelp how can I export my invoices?", author="60", handle="ivy"),
            post(
                "21",
                "You can export them under Billing > History > Export",
                author="61",
                handle="hal",
                minutes=2,
                in_reply_to="20",
            ),
        )
        case_id = session.scalars(select(Case.id).order_by(Case.id.desc())).first()
    ana = workspace.login("ana")
    page = ana.get(f"/cases/{case_id}").text
    assert 'data-testid="community-answers"' in page and "Billing &gt; History &gt; Export" in page
    answer_id = re.search(r'data-answer-id="(\d+)"', page).group(1)  # type: ignore[union-attr]
    filled = ana.get(f"/cases/{case_id}/community-answers/{answer_id}/reply").text
    text = re.search(r'data-testid="reply-text">([^<]*)<', filled).group(1)  # type: ignore[union-attr]
    assert text.startswith("@ivy @hal answered this well: https://x.com/hal/status/21 ")
    version = re.search(r'name="version" value="(\d+)"', filled).group(1)  # type: ignore[union-attr]
    # The reply goes to the customer's question (preselected), not to the helper's post.
    target = re.search(
        r'<option value="(\d+)" selected>how can I', filled.replace("@acmehelp ", "")
    )
    assert target is not None
    sent = ana.post(
        f"/cases/{case_id}/reply",
        data={
            "text": text.replace("&#39;", "'"),
            "mode": "public",
            "version": version,
            "reply_to_post_id": target.group(1),
        },
    )
    assert sent.status_code == 303
    (message,) = workspace.outbox.sent
    assert "https://x.com/hal/status/21" in message.text
    assert message.target is not None and message.target.native_id == "20"
    # Another case's answer, or a case outside the agent's brands, is not there to point to.
    assert ana.get(f"/cases/{case_id}/community-answers/999/reply").status_code == 404
    olga = workspace.login("olga")
    assert olga.get(f"/cases/{case_id}/community-answers/{answer_id}/reply").status_code == 404
    api = ana.get(f"/api/v1/cases/{case_id}/community-answers").json()
    assert [(a["author_handle"], a["url"]) for a in api] == [("hal", "https://x.com/hal/status/21")]
    assert olga.get(f"/api/v1/cases/{case_id}/community-answers").status_code == 404


def test_advocates_are_counted_per_brand_behind_brand_walls(workspace: Workspace) -> None:  # noqa: F811
    helper = {"author": "61", "handle": "hal"}
    with transaction(workspace.settings.database_url) as session:
        run(
            session,
            post("30", "@acmehelp how do I reset my router?", author="62", handle="kim"),
            post(
                "31", "hold the reset button for 10 seconds", minutes=1, in_reply_to="30", **helper
            ),
            post("32", "@acmehelp where can I find my PUK code?", author="63", handle="lee"),
            post(
                "33",
                "it's on the SIM card holder, try there",
                minutes=2,
                in_reply_to="32",
                **helper,
            ),
            post("34", "@otherhelp how do I change my plan?", author="64", handle="max"),
            post("35", "go to My Account > Plan", minutes=3, in_reply_to="34", **helper),
        )
    root = workspace.login("root").get("/api/v1/advocates").json()
    assert [(a["brand"], a["handle"], a["answers"]) for a in root["items"]] == [
        ("Acme", "hal", 2),
        ("Other", "hal", 1),
    ]
    sam = workspace.login("sam")
    mine = sam.get("/api/v1/advocates").json()
    assert [(a["brand"], a["answers"]) for a in mine["items"]] == [("Acme", 2)]
    assert mine["total"] == 1
    page = sam.get("/advocates").text
    assert 'data-testid="advocates"' in page and "@hal" in page and "Other" not in page
    other_id = root["items"][1]["brand_id"]
    assert sam.get(f"/advocates?brand_id={other_id}").status_code == 404
    assert sam.get(f"/api/v1/advocates?brand_id={other_id}").json()["items"] == []
