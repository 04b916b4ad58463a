"""A filtered private message that answers a survey is, once restored, recorded as the answer
(as the pipeline would have) and does not reopen the resolved case."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from atdesk.config import Settings
from atdesk.models import Post
from atdesk.noise.service import add_block, restore_post
from atdesk.storage.session import transaction
from tests.automations.helpers import TRIAGER
from tests.surveys.helpers import World, dm


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """The job runner's connection pool (nothing here calls out)."""
    with httpx.Client(timeout=5.0) as client:
        yield client


def test_a_restored_survey_answer_is_recorded_and_the_case_stays_resolved(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup()
    case_id = world.answered_case("1")
    world.resolve(case_id)
    world.sweep()
    world.send(minutes=1)
    with transaction(world.url) as session:
        add_block(
            session,
            world.brand(session),
            kind="keyword",
            value="thanks",
            actor="root",
            now=world.at(2),
        )
    world.post(dm("50", "5 thanks!", world.at(3)))
    assert world.responses() == [], "filtered: not an answer yet"
    with transaction(world.url) as session:
        answer = session.scalars(select(Post).where(Post.native_id == "50")).one()
        assert answer.filtered_reason == "blocked_keyword:thanks"
        done = restore_post(session, answer, actor="sam", triager=TRIAGER)
        assert done.changed and done.case_id == case_id
    (response,) = world.responses()
    assert (response.score, response.case_id) == (5, case_id)
    case = world.case(case_id)
    assert (case.status, case.reopen_count) == ("resolved", 0)
