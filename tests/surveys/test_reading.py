"""Reading a score out of a free-text reply: the labelling guide's rules, and the accuracy on
the team's labelled development set (tests/surveys/data/answers_dev.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atdesk.surveys.reading import read_answer
from atdesk.surveys.scores import Answer, SurveyKind

CSAT, NPS = SurveyKind.CSAT, SurveyKind.NPS
DEV_SET = Path(__file__).parent / "data" / "answers_dev.jsonl"
# The sealed set the lead keeps must reach 0.95; the dev set is what the rules were written on.
DEV_ACCURACY = 0.95


@pytest.mark.parametrize(
    ("text", "kind", "score"),
    [
        # 1. A number in range, alone, leading, or after a few words; number words; keycaps.
        ("5", CSAT, 5),
        ("5!", CSAT, 5),
        ("Five.", CSAT, 5),
        ("five", CSAT, 5),
        ("a solid 4", CSAT, 4),
        ("I'd say 8", NPS, 8),
        ("I'd give you a 9", NPS, 9),
        ("zero", NPS, 0),
        ("nine out of ten", NPS, 9),
        ("9/10 thanks!", NPS, 9),
        ("10 out of 10", NPS, 10),
        ("4 stars", CSAT, 4),
        ("four stars", CSAT, 4),
        ("5-star service", CSAT, 5),
        ("4️⃣", CSAT, 4),
        ("🔟", NPS, 10),
        ("1️⃣0️⃣", NPS, 10),
        ("@brand 5", CSAT, 5),
        ("@brand@mastodon.social 4", CSAT, 4),
        # 2. Another stated scale, converted and rounded half up.
        ("10/10", CSAT, 5),
        ("9/10", CSAT, 5),
        ("8/10", CSAT, 4),
        ("5/10", CSAT, 3),
        ("3/10", CSAT, 2),
        ("0/10", CSAT, 1),
        ("4/5", NPS, 8),
        ("5/5", NPS, 10),
        ("1/5", NPS, 2),
        ("4 out of 5 stars", NPS, 8),
        ("100/100", CSAT, 5),
        # 3. Stars drawn.
        ("⭐⭐⭐⭐", CSAT, 4),
        ("⭐⭐⭐⭐", NPS, 8),
        ("★★★★☆", CSAT, 4),
        ("★★☆☆☆", NPS, 4),
        ("4*", NPS, 8),
        # 4. Words and emoji alone, negation, spelling slips.
        ("terrible", CSAT, 1),
        ("terrible", NPS, 0),
        ("bad", NPS, 3),
        ("not good", CSAT, 2),
        ("wasn't great", CSAT, 2),
        ("ok", NPS, 5),
        ("not bad", CSAT, 3),
        ("so-so", CSAT, 3),
        ("pretty good", NPS, 8),
        ("very good", CSAT, 4),
        ("very bad", NPS, 0),
        ("excellent service, thank you", CSAT, 5),
        ("loved it", NPS, 10),
        ("definitely would recommend", NPS, 10),
        ("would recommend", NPS, 8),
        ("would not recommend", NPS, 0),
        ("never", NPS, 0),
        ("👍", CSAT, 4),
        ("👍🏽", NPS, 8),
        ("👎", NPS, 0),
        ("❤️", CSAT, 5),
        ("😡", NPS, 0),
        ("terible", CSAT, 1),
        ("amaaazing", NPS, 10),
        ("fiv", CSAT, 5),
        ("gooood", CSAT, 4),
        ("not great, not terrible", CSAT, 3),  # neighbouring steps meet halfway
        ("not great, not terrible", NPS, 5),
        ("very satisfied", CSAT, 4),  # like "very good": the word's own step
        ("good but slow", CSAT, 4),  # rating words outweigh describing ones
        ("quick and friendly", CSAT, 4),
        ("two thumbs up", CSAT, 4),
        ("unlikely", NPS, 3),
        ("one of the best", CSAT, 5),
        ("terrible, 2 hours on hold", CSAT, 1),
        ("7ish", NPS, 7),
        ("8+", NPS, 8),
        ("5stars", NPS, 10),
        ("0 stars", CSAT, 1),
        ("⭐⭐ waited 45 mins", CSAT, 2),
        ("⭐⭐⭐⭐ (would be 5 but the wait)", CSAT, 4),
        # 5. Quantities beside a score do not hide it.
        ("5 - and it came 2 days early", CSAT, 5),
        ("4 - would've been 5 if I didn't wait 40 mins", CSAT, 4),
        ("2 - 3 weeks for a replacement card", CSAT, 2),
        ("5, but when is my refund due?", CSAT, 5),
        # 7. A correction stands.
        ("3... no 2", CSAT, 2),
        ("7, actually make that 6", NPS, 6),
        ("4, no wait, 3", CSAT, 3),
        ("3 (was going to say 2)", CSAT, 3),
    ],
)
def test_scores_are_read(text: str, kind: SurveyKind, score: int) -> None:
    answer = read_answer(text, kind)
    assert answer is not None, text
    assert answer.score == score


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # 5. Quantities, times, prices, decimals, ordinals.
        ("2 days late", CSAT),
        ("3 more questions", CSAT),
        ("3 more questions if that's ok", NPS),
        ("$5", CSAT),
        ("£20", NPS),
        ("5:30", CSAT),
        ("at 5pm", CSAT),
        ("at 5", CSAT),
        ("order 12345", NPS),
        ("4.5", CSAT),
        ("4 and a half", CSAT),
        ("1st", CSAT),
        ("24/7", CSAT),
        ("50%", NPS),
        ("called 3 times", CSAT),
        ("0800 number doesn't work", CSAT),
        ("2-3 days", CSAT),
        ("5+ days", CSAT),
        ("two days late", NPS),
        ("2 of my orders", CSAT),
        ("the no. 3 bus was late", CSAT),
        ("waited 2 hours, terrible", CSAT),
        # 6. Out of range with no stated scale.
        ("6", CSAT),
        ("10", CSAT),
        ("0", CSAT),
        ("11", NPS),
        ("-1", NPS),
        ("11/10", NPS),
        ("10 stars", CSAT),
        # 7. Two scores with no clear winner.
        ("4 or 5", CSAT),
        ("7-8", NPS),
        ("between 7 and 8", NPS),
        ("5 for the agent, 2 for the wait", CSAT),
        ("4, maybe 5", CSAT),
        ("4 or maybe 5", CSAT),
        ("great agent, terrible app", CSAT),
        # 9. Not an answer.
        ("how do I reset my password?", CSAT),
        ("is 5 the best?", CSAT),
        ("stop", CSAT),
        ("unsubscribe", NPS),
        ("who is this?", CSAT),
        ("Thanks", CSAT),
        ("no one helped", CSAT),
        ("the app keeps crashing", CSAT),
        ("good morning, I have a question about my bill", CSAT),
        ("maybe", NPS),
        ("🤷", NPS),
        ("", CSAT),
        ("   ", NPS),
    ],
)
def test_anything_else_is_not_an_answer(text: str, kind: SurveyKind) -> None:
    assert read_answer(text, kind) is None


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("5 thanks!", CSAT, Answer(5, "thanks!")),
        ("4 / 5 - slow at first, then great", CSAT, Answer(4, "slow at first, then great")),
        ("  2. took too long", CSAT, Answer(2, "took too long")),
        ("@acmehelp@social.example 1 never again", CSAT, Answer(1, "never again")),
        ("9/10 quick and friendly", NPS, Answer(9, "quick and friendly")),
        ("10", NPS, Answer(10, "")),
        ("⭐⭐⭐⭐⭐ love the new app", NPS, Answer(10, "love the new app")),
    ],
)
def test_the_rest_of_the_message_is_the_comment(
    text: str, kind: SurveyKind, expected: Answer
) -> None:
    assert read_answer(text, kind) == expected


def test_a_long_comment_is_cut() -> None:
    answer = read_answer("5 " + "very good " * 200, CSAT)
    assert answer is not None and answer.score == 5 and len(answer.comment) == 1000


def test_accuracy_on_the_labelled_dev_set() -> None:
    """Reports the accuracy (pytest -s prints it) and the misses; the bar is the sealed set's."""
    rows = [json.loads(line) for line in DEV_SET.read_text("utf-8").splitlines() if line.strip()]
    assert len(rows) >= 300
    misses = []
    for row in rows:
        answer = read_answer(row["text"], SurveyKind(row["kind"]))
        got = answer.score if answer else None
        if got != row["score"]:
            misses.append((row["kind"], row["text"], row["score"], got))
    accuracy = 1 - len(misses) / len(rows)
    print(f"\nsurvey answers dev set: {len(rows)} answers, accuracy {accuracy:.3f}")
    for miss in misses:
        print("  miss:", miss)
    assert accuracy >= DEV_ACCURACY, misses


TEST_SET = Path(__file__).parent / "data" / "answers_test.jsonl"
# Sealed while the reader was written; looked at once (2026-12-07): 352 of 360 right, 0.978.
TEST_ACCURACY = 0.95


def test_the_sealed_test_set_is_read_at_the_issue_target() -> None:
    """The issue's bar: at least 0.95 on at least 300 team-written answers the reader never saw."""
    rows = [json.loads(line) for line in TEST_SET.read_text("utf-8").splitlines() if line.strip()]
    assert len(rows) >= 300
    right = 0
    for row in rows:
        answer = read_answer(row["text"], SurveyKind(row["kind"]))
        right += (answer.score if answer else None) == row["score"]
    assert right / len(rows) >= TEST_ACCURACY
