"""Grouping and labels without a database: planted alike posts meet, unrelated ones stay apart,
labels carry the distinctive terms (versions, codes, ZIP codes) and nothing of the chatter."""

from __future__ import annotations

import numpy as np

from atdesk.insights.issues.grouping import DIRECT_LIMIT, NOISE, Thresholds, group_vectors
from atdesk.insights.issues.terms import distinctive_terms, label_of, label_tokens
from atdesk.insights.issues.vectors import post_vectors
from tests.insights.posts import CRASHES, DELIVERY, UNRELATED


def test_planted_issues_are_grouped_and_unrelated_posts_are_not() -> None:
    texts = [*UNRELATED[:1], *CRASHES, *UNRELATED[1:], *DELIVERY]
    labels = group_vectors(post_vectors(texts))
    crashes = {int(labels[texts.index(t)]) for t in CRASHES}
    delivery = {int(labels[texts.index(t)]) for t in DELIVERY}
    assert len(crashes) == 1 and len(delivery) == 1
    assert crashes != delivery and NOISE not in crashes | delivery
    assert all(labels[texts.index(t)] == NOISE for t in UNRELATED)
    # Numbered by size, largest first: the five crash posts are issue 0.
    assert crashes == {0} and delivery == {1}


def test_a_group_needs_min_posts() -> None:
    labels = group_vectors(post_vectors(CRASHES[:2] + UNRELATED))
    assert (labels == NOISE).all()
    labels = group_vectors(post_vectors(CRASHES[:2]), Thresholds(min_posts=2))
    assert labels.tolist() == [0, 0]


def test_posts_with_no_words_are_never_grouped() -> None:
    empty = "@acmehelp https://t.co/abc 12345"  # a handle, a link and a number: no words
    vectors = post_vectors([empty, empty, empty, *CRASHES])
    labels = group_vectors(vectors)
    assert labels[:3].tolist() == [NOISE] * 3
    assert set(labels[3:].tolist()) == {0}


def test_many_posts_go_through_birch_and_keep_the_planted_groups() -> None:
    rng = np.random.default_rng(7)
    planted = post_vectors(CRASHES + DELIVERY)
    # Random directions stand in for thousands of unrelated posts (about 0 alike to anything).
    filler = rng.normal(size=(DIRECT_LIMIT + 200, planted.shape[1])).astype(np.float32)
    filler /= np.linalg.norm(filler, axis=1, keepdims=True)
    labels = group_vectors(np.vstack([filler, planted]))
    ours = labels[-len(planted) :]
    assert len(set(ours[: len(CRASHES)].tolist())) == 1
    assert len(set(ours[len(CRASHES) :].tolist())) == 1
    assert ours[0] != ours[-1] and NOISE not in ours.tolist()
    assert (labels[: -len(planted)] == NOISE).all()


def test_label_tokens_keep_versions_codes_and_zip_codes() -> None:
    found = label_tokens(
        "@acme Error E404 and 0x80070005 on iOS 11.2.1 in 02919 https://t.co/x #fail"
    )
    assert {"e404", "0x80070005", "11.2.1", "02919", "error", "ios"} <= set(found)
    assert not {"acme", "fail", "https", "and", "on", "in"} & set(found)


def test_labels_name_what_sets_a_group_apart() -> None:
    outage = [
        "internet down in 02919 since this morning",
        "no internet at all in 02919 today",
        "outage in 02919 again, internet down",
    ]
    terms = distinctive_terms([CRASHES, DELIVERY, outage], UNRELATED)
    assert "5.2" in terms[0] and "5.2" in label_of(terms[0])
    assert "delivered" in terms[1]
    assert "02919" in terms[2] and "02919" in label_of(terms[2])
    # Terms of one group are not another's, and no stop word or chatter names a group.
    assert not set(terms[0]) & set(terms[1])
    assert not {"the", "please", "my", "it"} & {
        w for t in terms for term in t for w in term.split()
    }


def test_one_talkative_post_cannot_name_a_group() -> None:
    group = [*CRASHES[:3], "app crashes after update 5.2 zebra zebra zebra giraffe"]
    (terms,) = distinctive_terms([group], DELIVERY)
    assert "zebra" not in terms and "giraffe" not in terms


def test_a_label_does_not_repeat_words() -> None:
    assert label_of(["app crashes", "app", "crashes", "update 5.2", "5.2"]) == (
        "app crashes · update 5.2"
    )
    assert label_of([]) == "unnamed issue"


def test_a_huge_post_is_read_only_as_far_as_triage_reads() -> None:
    huge = "crash " * 3_000 + "zebra " * 200_000  # 1.2 MB; the zebras start past 10,000 chars
    found = label_tokens(huge)
    assert "zebra" not in found and len(found) == 10_000 // len("crash ") + 1
