"""A burst's label and terms: the words its posts use and the norm's posts do not."""

from __future__ import annotations

from atdesk.insights.spikes.terms import distinctive_terms, label_of, tokens


def test_numbers_like_versions_and_zip_codes_stay_whole() -> None:
    assert tokens("@cable update 5.2 broke it in 10001 https://x.co/a #fail") == [
        "update",
        "5.2",
        "broke",
        "it",
        "in",
        "10001",
    ]


def test_the_burst_terms_are_what_sets_it_apart_from_the_norm() -> None:
    burst = ["app down since update 5.2, can't log in", "cant log in since update 5.2"] * 20
    burst += ["outage in 94107, app down"] * 10
    norm = ["my bill is wrong", "technician is late", "can you help with my bill"] * 50
    terms = distinctive_terms(burst, norm)
    assert set(terms[:2]) == {"update 5.2", "can't log in"}
    assert "app down" in terms
    assert "bill" not in terms
    assert label_of(terms, "posts") == " · ".join(terms[:3])


def test_words_the_norm_uses_as_often_are_not_terms() -> None:
    burst = ["my bill is wrong", "technician is late again"] * 15
    norm = ["my bill is wrong", "technician is late again", "router is down"] * 30
    assert distinctive_terms(burst, norm) == []
    assert label_of([], "posts to Cable Co") == "posts to Cable Co"
