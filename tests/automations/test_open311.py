"""The brief's third example: "downed tree blocking Main Street" with the post's coordinates is
filed with a (local, real-socket) Open311 city, retried while the city is down, never lost,
followed until the city closes it, and the reporter is told each step."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qsl

import httpx
import pytest
from sqlalchemy import select

from atdesk.config import Settings
from atdesk.emulators.open311 import Open311Emulator
from atdesk.models import CaseTag, Open311Report
from atdesk.storage.session import transaction
from tests.automations.helpers import Clock, automate, job_env, jobs_of, post, run_jobs, texts
from tests.factories import make_brand
from tests.respond.fakes import RecordingOutbox

TREE = "@acmehelp downed tree blocking Main Street, cars can't get through"
COORDS = [37.7652, -122.4212]
PHOTO = "https://example.org/photos/tree.jpg"


@pytest.fixture
def city() -> Iterator[Open311Emulator]:
    with Open311Emulator() as emulator:
        yield emulator


def _settings(settings: Settings, city: Open311Emulator, api_key: str | None = None) -> Settings:
    return replace(
        settings, open311_endpoint=city.endpoint, open311_api_key=api_key or city.api_key
    )


def _report(settings: Settings, text: str = TREE, **extra: object) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        runs = automate(
            session,
            settings,
            post("20", text, handle="oak_street_sam", author="4400000103", name="Sam", **extra),
        )
        assert [o.action for o in runs[0].outcomes] == ["tag", "file_open311"]


def _report_row(url: str) -> Open311Report:
    with transaction(url) as session:
        return session.scalars(select(Open311Report)).one()


def test_filed_with_lat_long_photo_and_key_then_closed_and_the_reporter_told(
    settings: Settings, city: Open311Emulator, http: httpx.Client
) -> None:
    settings = _settings(settings, city)
    _report(settings, coordinates=COORDS, media=[PHOTO])
    clock = Clock()
    outbox = RecordingOutbox()
    env = job_env(settings, outbox, http, clock)
    run_jobs(env)
    (stored,) = city.stored_requests()
    form = dict(parse_qsl("&".join(f"{k}={v}" for k, v in stored["form"])))
    assert stored["service_code"] == "TREE"
    assert (form["lat"], form["long"]) == ("37.7652", "-122.4212")
    assert form["api_key"] == city.api_key
    assert form["media_url"] == PHOTO
    assert "downed tree blocking Main Street" in form["description"]
    report = _report_row(settings.database_url)
    assert report.status == "submitted"
    assert report.service_request_id == stored["service_request_id"]
    receipt = outbox.sent[-1].text
    assert f"Its reference is {report.service_request_id}" in receipt

    clock.advance(900)
    run_jobs(env)
    assert _report_row(settings.database_url).status == "submitted"
    city.close_request(str(report.service_request_id), "Crew removed the tree.")
    clock.advance(900)
    run_jobs(env)
    closed = _report_row(settings.database_url)
    assert (closed.status, closed.city_status) == ("closed", "closed")
    assert closed.reporter_told_at is not None
    assert "the city has closed it. The city says: Crew removed the tree." in outbox.sent[-1].text
    clock.advance(900)
    assert run_jobs(env) == 0  # closed: polling stopped
    assert [j.status for j in jobs_of(settings.database_url, "open311.poll")] == ["done"]


def test_a_city_that_is_down_is_retried_with_backoff_and_the_report_is_never_lost(
    settings: Settings, city: Open311Emulator, http: httpx.Client
) -> None:
    settings = _settings(settings, city)
    _report(settings, coordinates=COORDS)
    city.set_fault("down", count=2)
    clock = Clock()
    env = job_env(settings, RecordingOutbox(), http, clock)
    assert run_jobs(env) == 1
    (job,) = jobs_of(settings.database_url, "open311.submit")
    assert job.status == "queued" and job.attempts == 1
    assert "503" in (job.last_error or "")
    first_wait = (job.due_at - clock.now).total_seconds()
    assert 15 <= first_wait <= 30  # the first step of the one backoff schedule
    assert _report_row(settings.database_url).status == "retrying"
    assert run_jobs(env) == 0  # not due yet
    clock.advance(first_wait)
    run_jobs(env)
    (job,) = jobs_of(settings.database_url, "open311.submit")
    assert job.status == "queued" and job.attempts == 2
    second_wait = (job.due_at - clock.now).total_seconds()
    assert 30 <= second_wait <= 60
    clock.advance(second_wait)
    run_jobs(env)
    assert jobs_of(settings.database_url, "open311.submit")[0].status == "done"
    assert _report_row(settings.database_url).status == "submitted"
    assert len(city.stored_requests()) == 1


def test_the_citys_refusal_goes_to_a_person_with_the_citys_words(
    settings: Settings, city: Open311Emulator, http: httpx.Client
) -> None:
    settings = _settings(settings, city, api_key="wrong-key")
    _report(settings, coordinates=COORDS)
    run_jobs(job_env(settings, RecordingOutbox(), http))
    report = _report_row(settings.database_url)
    assert report.status == "needs_human"
    assert "api_key" in (report.reason or "")
    (job,) = jobs_of(settings.database_url, "open311.submit")
    assert job.status == "needs_human"
    with transaction(settings.database_url) as session:
        assert "needs-human" in session.scalars(select(CaseTag.name)).all()
    assert city.stored_requests() == []


def test_a_required_attribute_is_caught_before_the_city_would_refuse_it(
    settings: Settings, city: Open311Emulator, http: httpx.Client
) -> None:
    settings = _settings(settings, city)
    _report(settings, "@acmehelp the streetlight on Elm St is out", coordinates=COORDS)
    run_jobs(job_env(settings, RecordingOutbox(), http))
    report = _report_row(settings.database_url)
    assert report.status == "needs_human" and "POLE_ID" in (report.reason or "")
    assert city.stored_requests() == []


def test_a_batch_service_token_is_followed_until_the_city_assigns_an_id(
    settings: Settings, city: Open311Emulator, http: httpx.Client
) -> None:
    settings = _settings(settings, city)
    _report(
        settings, "@acmehelp graffiti blocking the sign at the Main St crossing", coordinates=COORDS
    )
    clock = Clock()
    outbox = RecordingOutbox()
    env = job_env(settings, outbox, http, clock)
    run_jobs(env)
    report = _report_row(settings.database_url)
    assert (report.status, report.service_request_id) == ("pending_token", None)
    assert report.token
    assert "The city will give it a reference shortly." in outbox.sent[-1].text
    for _ in range(3):
        clock.advance(900)
        run_jobs(env)
    report = _report_row(settings.database_url)
    assert report.status == "submitted" and report.service_request_id


def test_without_an_endpoint_the_report_stays_with_people(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        runs = automate(
            session, settings, post("20", TREE, handle="sam", author="9", coordinates=COORDS)
        )
    outcome = runs[0].outcomes[-1]
    assert (outcome.action, outcome.status) == ("file_open311", "skipped")
    assert "no Open311 endpoint configured" in outcome.detail
    assert jobs_of(settings.database_url) == []
    assert texts(jobs_of(settings.database_url)) == []
