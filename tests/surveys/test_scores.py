"""The CSAT and NPS arithmetic, and which scores are low."""

from __future__ import annotations

import pytest

from atdesk.surveys.scores import SurveyKind, csat, is_low, nps, response_rate

CSAT, NPS = SurveyKind.CSAT, SurveyKind.NPS


@pytest.mark.parametrize(
    ("kind", "score", "low"),
    [(CSAT, 1, True), (CSAT, 2, True), (CSAT, 3, False), (NPS, 6, True), (NPS, 7, False)],
)
def test_low_scores_are_csat_two_or_less_and_nps_detractors(
    kind: SurveyKind, score: int, low: bool
) -> None:
    assert is_low(kind, score) is low


def test_nps_is_percent_promoters_minus_percent_detractors() -> None:
    result = nps([10, 9, 9, 8, 7, 6, 3, 0, 10, 10])
    assert (result.promoters, result.passives, result.detractors) == (5, 2, 3)
    assert result.score == 20.0
    assert nps([6, 6]).score == -100.0
    assert nps([9]).score == 100.0
    assert nps([7, 8]).score == 0.0
    assert nps([]).score is None
    assert nps([10, 9, 0]).score == 33.3


def test_csat_average_and_share_satisfied() -> None:
    result = csat([5, 4, 3, 1])
    assert (result.answers, result.average, result.satisfied, result.satisfied_pct) == (
        4,
        3.25,
        2,
        50.0,
    )
    assert csat([]).average is None


def test_response_rate() -> None:
    assert response_rate(8, 2) == 25.0
    assert response_rate(0, 0) is None
