"""The report formulas on hand-made numbers: percentiles, CSAT, NPS, SLA outcomes, shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from atdesk.reports.formulas import (
    CaseCounts,
    Durations,
    PostTally,
    SurveyTally,
    csat,
    empty_metrics,
    median,
    metric_set,
    nps,
    percentile,
    sla_outcomes,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_median_and_nearest_rank_p90() -> None:
    assert median([]) is None and percentile([], 0.9) is None
    assert median([5.0]) == 5.0 and median([1.0, 3.0, 2.0]) == 2.0
    assert median([1.0, 2.0, 3.0, 10.0]) == 2.5
    values = [float(v) for v in range(1, 11)]  # 1..10
    assert percentile(values, 0.9) == 9.0  # the 9th of 10
    assert percentile([*values, 11.0], 0.9) == 10.0  # ceil(9.9) = 10th of 11
    assert percentile([7.0], 0.9) == 7.0


def test_csat_is_the_share_of_4_and_5() -> None:
    assert csat([]) is None
    assert csat([5, 4, 3, 1]) == 0.5
    assert csat([5, 5]) == 1.0


def test_nps_is_promoters_minus_detractors() -> None:
    assert nps([]) is None
    # 2 promoters (9, 10), 2 passives (7, 8), 1 detractor (6): (2 - 1) / 5 = +20
    assert nps([9, 10, 7, 8, 6]) == 20.0
    assert nps([0, 3, 6]) == -100.0


def test_sla_outcomes_count_reached_targets_and_missed_ones_past_due() -> None:
    due_fr, due_res = T0 + timedelta(hours=1), T0 + timedelta(hours=8)
    now = T0 + timedelta(hours=2)
    # answered in time, resolution still running: 1 of 1 settled
    assert sla_outcomes(T0 + timedelta(minutes=30), due_fr, None, due_res, now) == (1, 1)
    # answered late: 0 of 1
    assert sla_outcomes(T0 + timedelta(minutes=90), due_fr, None, due_res, now) == (0, 1)
    # unanswered and past due: missed
    assert sla_outcomes(None, due_fr, None, due_res, now) == (0, 1)
    # unanswered, not due yet: nothing settled
    assert sla_outcomes(None, due_fr, None, due_res, T0) == (0, 0)
    # both reached in time
    reached = sla_outcomes(T0, due_fr, T0 + timedelta(hours=3), due_res, now)
    assert reached == (2, 2)


def test_a_cell_with_nothing_is_counts_zero_and_the_rest_none() -> None:
    m = empty_metrics()
    assert m.inbound == 0 and m.cases == 0 and m.backlog == 0
    assert m.csat_responses == 0 and m.nps_responses == 0
    assert m.answered_share is None and m.first_response_median_s is None
    assert m.sla_compliance is None and m.reopen_rate is None and m.automation_rate is None
    assert m.handoff_rate is None and m.csat is None and m.nps is None
    assert m.sentiment is None and m.filtered_share is None and m.backlog_age_median_s is None


def test_shares_and_sentiment() -> None:
    counts = CaseCounts(
        cases=4,
        answered=3,
        resolved=2,
        ever_resolved=3,
        reopened=1,
        automated=1,
        touched=2,
        handed_off=1,
        sla_met=3,
        sla_settled=4,
        backlog=2,
    )
    times = Durations(first_response=[60.0, 120.0, 600.0], backlog_age=[10.0, 30.0])
    posts = PostTally(inbound=10, filtered=1, positive=2, neutral=3, negative=5)
    m = metric_set(counts, times.spreads(), posts, SurveyTally(csat=[5, 2], nps=[10]))
    assert m.answered_share == 0.75 and m.first_response_median_s == 120.0
    assert m.first_response_p90_s == 600.0
    assert m.reopen_rate == 1 / 3 and m.automation_rate == 0.5 and m.handoff_rate == 0.5
    assert m.sla_compliance == 0.75 and m.backlog == 2 and m.backlog_age_median_s == 20.0
    assert m.csat == 0.5 and m.csat_responses == 2 and m.nps == 100.0 and m.nps_responses == 1
    assert m.sentiment == (2 - 5) / 10 and m.negative_share == 0.5 and m.filtered_share == 0.1
