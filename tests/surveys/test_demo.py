"""`atdesk demo` has surveys on: resolve a live customer's case, the survey goes out on the
emulated X, the demo customer answers, and the answer lands on the case, which stays resolved."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from atdesk.cases.actions import resolve_case
from atdesk.config import Settings
from atdesk.demo import live as demo_live
from atdesk.demo.setup import prepare_demo
from atdesk.keyfile import with_secret_key
from atdesk.models import Author, Brand, Case, SurveyResponse
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction
from atdesk.surveys.settings import survey_settings
from atdesk.worker import Worker

GIVE_UP_AFTER_S = 90.0  # only so a broken demo fails instead of hanging; no timing is asserted


def _answer(url: str, case_id: int) -> SurveyResponse | None:
    """The answer to the case's survey (the demo's planted loops have answers of their own)."""
    with transaction(url) as session:
        return session.scalars(
            select(SurveyResponse).where(SurveyResponse.case_id == case_id)
        ).first()


def test_the_demo_asks_and_a_customer_answers(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo_live, "ANSWER_AFTER_S", 0.0)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    settings = with_secret_key(replace(Settings(), database_url=url, data_dir=str(data_dir)))
    summary = prepare_demo(settings, replay=False, echo=lambda _: None)
    assert summary.live is not None
    with transaction(url) as session:
        kinds = {b.name: survey_settings(b) for b in session.scalars(select(Brand))}
        assert all(s.enabled for s in kinds.values())
        assert kinds["City Works"].kind == "nps" and kinds["Cable Co"].kind == "csat"
        loops = session.scalars(select(SurveyResponse.loop_action)).all()
        assert sorted(loops) == ["follow_up", "reopened"], "the demo's planted closed loops"
        # Priya was charged twice (a scenario case Harbor Bank has answered); it is resolved.
        case = session.scalars(
            select(Case)
            .join(Author, Author.id == Case.customer_author_id)
            .where(Author.handle == "priya_k")
        ).one()
        assert case.outbound_count
        assert resolve_case(session, case, actor="admin")
        case_id = case.id
    worker = Worker(settings, idle_sleep_s=0.1)
    worker.start_thread()
    deadline = time.monotonic() + GIVE_UP_AFTER_S
    try:
        while _answer(url, case_id) is None and time.monotonic() < deadline:
            time.sleep(0.5)
        answer = _answer(url, case_id)
        assert answer is not None and answer.case_id == case_id
        assert (answer.kind, answer.score) == ("csat", 5)
        (survey_dm,) = [d for d in summary.live.x.dms_by("bank") if "How did we do" in d["text"]]
        assert survey_dm["text"].startswith("Thanks for getting in touch with Harbor Bank, Priya.")
        with transaction(url) as session:
            resolved = session.get(Case, case_id)
            assert resolved is not None and resolved.status == "resolved"
    finally:
        worker.stop()
        summary.live.stop()
