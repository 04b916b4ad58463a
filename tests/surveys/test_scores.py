"""Reading scores from replies, and the CSAT and NPS arithmetic."""

from __future__ import annotations

import pytest

from atdesk.surveys.scores import Answer, SurveyKind, csat, nps, read_answer, response_rate

CSAT, NPS = SurveyKind.CSAT, SurveyKind.NPS


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("5", CSAT, Answer(5, "")),
        ("5 thanks!", CSAT, Answer(5, "thanks!")),
        ("4/5", CSAT, Answer(4, "")),
        ("4 / 5 - slow at first, then great", CSAT, Answer(4, "slow at first, then great")),
        ("3 out of 5", CSAT, Answer(3, "")),
        ("5 stars", CSAT, Answer(5, "")),
        ("5️⃣", CSAT, Answer(5, "")),
        ("  2. took too long", CSAT, Answer(2, "took too long")),
        ("@acmehelp@social.example 1 never again", CSAT, Answer(1, "never again")),
        ("10", NPS, Answer(10, "")),
        ("0", NPS, Answer(0, "")),
        ("9/10 quick and friendly", NPS, Answer(9, "quick and friendly")),
        ("7, fine", NPS, Answer(7, "fine")),
    ],
)
def test_scores_are_read(text: str, kind: SurveyKind, expected: Answer) -> None:
    assert read_answer(text, kind) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("10", CSAT),  # out of range
        ("0", CSAT),
        ("11", NPS),
        ("4/5", NPS),  # another question's scale
        ("9/10", CSAT),
        ("5 stars", NPS),
        ("4.5", CSAT),  # decimals, times, prices, percentages, ordinals
        ("5:30 works for me", CSAT),
        ("$5", CSAT),
        ("5%", CSAT),
        ("5th time I ask", CSAT),
        ("1,000 thanks", CSAT),
        ("2 days and still no refund", CSAT),  # quantities
        ("3 more questions about my bill", CSAT),
        ("thanks, 5", CSAT),  # the score must come first
        ("my order 12345 is late", NPS),
        ("", CSAT),
    ],
)
def test_anything_else_is_not_an_answer(text: str, kind: SurveyKind) -> None:
    assert read_answer(text, kind) is None


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
