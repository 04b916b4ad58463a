"""The reputation risk score: each signal's reasons and points, heaviest first, velocity at `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from atdesk.cases.risk import (
    DEFAULT_RISK_THRESHOLD,
    WEIGHTS,
    RiskPost,
    risk_threshold,
    score_risk,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def calm(text: str, **kw: object) -> RiskPost:
    values: dict[str, object] = {"sentiment": "neutral", "followers": 120, "verified": False}
    values.update(kw)
    return RiskPost(text, **values)  # type: ignore[arg-type]


def test_a_quiet_question_scores_nothing() -> None:
    risk = score_risk([calm("@acmehelp do you ship to Canada?")], now=NOW)
    assert risk.score == 0 and risk.reasons == ()
    assert score_risk([], now=NOW).score == 0


def test_every_signal_gives_its_reason_heaviest_first() -> None:
    risk = score_risk(
        [
            calm("@acmehelp @AcmeCEO I want a refund", sentiment="negative", followers=120_000),
            calm("my lawyer says this is a lawsuit", under_brand_post=True, sentiment="negative"),
        ],
        now=NOW,
        watched_handles=["acmeceo"],
    )
    texts = [r.text for r in risk.reasons]
    assert texts == [
        "aimed at executive @acmeceo",
        "legal words: 'lawyer'",
        "author has 120k followers",
        "negative sentiment",
        "negative reply under the brand's post",
        "refund words: 'refund'",
    ]
    points = [r.points for r in risk.reasons]
    assert points == sorted(points, reverse=True)
    assert risk.score == 100  # 35 + 35 + 25 + 15 + 15 + 15, capped
    assert risk.as_json()[0] == {"reason": "aimed at executive @acmeceo", "points": 35}


def test_reach_tiers_follow_the_brands_high_reach_setting() -> None:
    def reach(followers: int, *, verified: bool = False, high: int = 10_000) -> list[str]:
        posts = [calm("hi", followers=followers, verified=verified)]
        return [r.text for r in score_risk(posts, now=NOW, high_reach_followers=high).reasons]

    assert reach(9_500) == []
    assert reach(9_500, high=5_000) == ["author has 9,500 followers"]
    assert reach(12_500) == ["author has 12.5k followers"]
    assert reach(2_300_000, verified=True) == ["author has 2.3M followers", "verified author"]
    assert score_risk([calm("hi", followers=150_000)], now=NOW).score == WEIGHTS["reach_100k"]


def test_safety_words_reuse_triages_list_and_only_in_their_danger_sense() -> None:
    gas = score_risk([calm("@acmehelp gas leak at your depot")], now=NOW)
    assert [r.text for r in gas.reasons] == ["safety words: 'gas leak'"]
    tv = score_risk([calm("@acmehelp my Fire TV stick keeps restarting")], now=NOW)
    assert tv.reasons == ()


def test_a_positive_reply_under_the_brands_post_is_no_risk() -> None:
    risk = score_risk([calm("love this!", sentiment="positive", under_brand_post=True)], now=NOW)
    assert risk.score == 0


def test_velocity_counts_replies_and_reposts_in_the_window_before_now() -> None:
    post = [calm("@acmehelp you ruined my wedding")]
    replies = [NOW - timedelta(minutes=m) for m in (1, 5, 10, 20, 29)]
    old = [NOW - timedelta(minutes=m) for m in (31, 45, 90)]
    later = [NOW + timedelta(minutes=1)]
    risk = score_risk(post, replies=replies + old + later, now=NOW)
    assert [(r.text, r.points) for r in risk.reasons] == [("5 replies in 30 min", 10)]
    busy = score_risk(
        post,
        replies=[NOW - timedelta(minutes=1)] * 12,
        reposts=[NOW - timedelta(minutes=2)] * 9,
        now=NOW,
    )
    assert [(r.text, r.points) for r in busy.reasons] == [
        ("12 replies and 9 reposts in 30 min", 20)
    ]
    # The same replies an hour later are old news.
    assert score_risk(post, replies=replies, now=NOW + timedelta(hours=1)).score == 0
    assert score_risk(post, replies=replies[:4], now=NOW).score == 0


def test_each_signal_counts_once_however_long_the_thread() -> None:
    many = [calm("I will sue", sentiment="negative") for _ in range(6)]
    assert score_risk(many, now=NOW).score == WEIGHTS["legal"] + WEIGHTS["negative"]


def test_the_threshold_is_the_brands_or_the_default() -> None:
    assert risk_threshold({}) == DEFAULT_RISK_THRESHOLD == 50
    assert risk_threshold({"risk_threshold": 70}) == 70
    for unusable in (0, 101, "70", True, None):
        assert risk_threshold({"risk_threshold": unusable}) == DEFAULT_RISK_THRESHOLD
