"""Per-case measurements on hand-made posts: first/next response, resolution, business hours
(with a DST change), and the automation and handoff flags."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from atdesk.cases.calendar import BusinessHours
from atdesk.reports.measure import CaseInput, PostPoint, is_machine_actor, measure

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
ALWAYS = BusinessHours()
WEEKDAYS_9_17 = {d: [(time(9), time(17))] for d in range(5)}


def customer(pid: int, minutes: float, *, counts: bool = True) -> PostPoint:
    return PostPoint(pid, T0 + timedelta(minutes=minutes), True, counts, False)


def brand(pid: int, minutes: float, *, bot: bool = False) -> PostPoint:
    return PostPoint(pid, T0 + timedelta(minutes=minutes), False, False, bot)


def open_case(**changes: object) -> CaseInput:
    values: dict[str, object] = {
        "opened_at": T0,
        "status": "open",
        "resolved_at": None,
        "resolved_by": None,
        "reopens": 0,
        "handed_off": False,
    }
    values.update(changes)
    return CaseInput(**values)  # type: ignore[arg-type]


def test_first_response_is_first_inbound_to_the_brands_first_reply_after_it() -> None:
    # A brand post before the customer wrote (an announcement in the thread) is no response.
    posts = [brand(1, -10), customer(2, 0), customer(3, 5), brand(4, 30), brand(5, 40)]
    m = measure(open_case(), posts, ALWAYS)
    assert m.first_response_at == T0 + timedelta(minutes=30)
    assert m.first_response_s == 1800 and m.first_response_bh_s == 1800
    assert m.inbound_posts == 2
    assert m.next_response_s is None and m.next_response_waits == 0


def test_noise_and_survey_answers_neither_open_nor_count() -> None:
    posts = [customer(1, 0, counts=False), customer(2, 10), brand(3, 25)]
    m = measure(open_case(), posts, ALWAYS)
    assert m.opened_at == T0 + timedelta(minutes=10)
    assert m.first_response_s == 15 * 60 and m.inbound_posts == 1


def test_next_response_is_the_mean_wait_after_the_customer_writes_again() -> None:
    posts = [
        customer(1, 0),
        brand(2, 10),  # first response
        customer(3, 20),  # waits from here ...
        customer(4, 25),  # ... not from here
        brand(5, 50),  # 30 minutes
        customer(6, 60),
        brand(7, 70),  # 10 minutes
        customer(8, 80),  # still waiting: not a wait yet
    ]
    m = measure(open_case(), posts, ALWAYS)
    assert m.next_response_waits == 2
    assert m.next_response_s == (30 * 60 + 10 * 60) / 2


def test_nothing_to_measure_is_none() -> None:
    m = measure(open_case(), [customer(1, 0)], ALWAYS)
    assert m.first_response_at is None and m.first_response_s is None
    assert m.first_response_bh_s is None and m.resolution_s is None and m.resolution_bh_s is None
    assert not m.human_replied and not m.automated and not m.handoff


def test_business_hours_stop_the_clock_overnight_and_on_holidays() -> None:
    hours = BusinessHours("UTC", WEEKDAYS_9_17, frozenset({date(2026, 3, 3)}))
    # Monday 16:00 -> Wednesday 10:00: one hour Monday, Tuesday is a holiday, one hour Wednesday.
    posts = [customer(1, 7 * 60), brand(2, 2 * 24 * 60 + 60)]
    m = measure(open_case(), posts, hours)
    assert m.first_response_s == (18 + 24) * 3600
    assert m.first_response_bh_s == 2 * 3600


def test_business_hours_follow_the_brands_zone_across_a_dst_change() -> None:
    madrid = BusinessHours("Europe/Madrid", WEEKDAYS_9_17)
    friday = datetime(2026, 3, 27, 15, 0, tzinfo=UTC)  # 16:00 in Madrid (CET, UTC+1)
    monday = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 in Madrid (CEST, UTC+2)
    posts = [PostPoint(1, friday, True, True, False), PostPoint(2, monday, False, False, False)]
    m = measure(open_case(opened_at=friday), posts, madrid)
    assert m.first_response_s == 65 * 3600
    # 16:00-17:00 on Friday and 09:00-10:00 on Monday; with last week's offset it would be 1 h.
    assert m.first_response_bh_s == 2 * 3600


def test_resolution_counts_only_a_resolved_case_to_its_latest_resolution() -> None:
    resolved = open_case(
        status="resolved", resolved_at=T0 + timedelta(hours=5), resolved_by="ana", reopens=1
    )
    m = measure(resolved, [customer(1, 0), brand(2, 60)], ALWAYS)
    assert m.resolution_s == 5 * 3600 and m.resolved_at == T0 + timedelta(hours=5)
    assert m.reopens == 1 and m.human_replied and not m.automated
    # Reopened (open again, resolved_at cleared by the lifecycle): no resolution time.
    reopened = open_case(status="open", resolved_at=None, reopens=1)
    assert measure(reopened, [customer(1, 0)], ALWAYS).resolution_s is None


def test_automated_means_resolved_with_no_person_replying_or_resolving() -> None:
    posts = [customer(1, 0), brand(2, 1, bot=True)]
    by_rule = open_case(
        status="resolved", resolved_at=T0 + timedelta(minutes=2), resolved_by="automation:faq"
    )
    m = measure(by_rule, posts, ALWAYS)
    assert m.automated and m.automation_replied and not m.human_replied and not m.handoff
    by_person = open_case(
        status="resolved", resolved_at=T0 + timedelta(minutes=2), resolved_by="ana"
    )
    assert not measure(by_person, posts, ALWAYS).automated
    with_person = [*posts, brand(3, 5)]
    auto_closed = open_case(
        status="resolved", resolved_at=T0 + timedelta(minutes=5), resolved_by="auto-resolve"
    )
    m = measure(auto_closed, with_person, ALWAYS)
    assert not m.automated and m.handoff, "a person answered after the bot: a handoff"


def test_a_handoff_in_the_audit_trail_counts_without_a_person_replying_yet() -> None:
    m = measure(open_case(handed_off=True), [customer(1, 0), brand(2, 1, bot=True)], ALWAYS)
    assert m.handoff and not m.human_replied


def test_machine_actors() -> None:
    assert all(
        is_machine_actor(a)
        for a in ("auto-resolve", "pipeline", "bot", "automation:faq", "atdesk-automation")
    )
    assert not is_machine_actor("ana") and not is_machine_actor(None)
