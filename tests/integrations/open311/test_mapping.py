"""Choosing the service code: keywords as whole words, phrases outrank words, a classifier helps."""

from __future__ import annotations

from collections.abc import Mapping

from atdesk.emulators.open311 import DEFAULT_SERVICES
from atdesk.integrations.open311 import ServiceCodeMapper
from atdesk.integrations.open311.wire import parse_services

SERVICES = parse_services([s.to_wire() for s in DEFAULT_SERVICES])


def test_downed_tree_maps_to_tree() -> None:
    mapper = ServiceCodeMapper.from_services(SERVICES)

    match = mapper.match("@CityGovt I want to report a downed tree blocking Main Street")

    assert match is not None
    assert match.service_code == "TREE"
    assert "downed tree" in match.keywords


def test_keywords_match_whole_words_only() -> None:
    mapper = ServiceCodeMapper({"TREE": ["tree"]})
    assert mapper.match("the street is flooded") is None
    assert mapper.match("two trees fell") is not None


def test_phrases_outrank_single_words() -> None:
    mapper = ServiceCodeMapper({"POTHOLE": ["road"], "STREETLIGHT": ["street light"]})
    match = mapper.match("street light out on the road")
    assert match is not None
    assert match.service_code == "STREETLIGHT"


def test_brand_keywords_extend_the_city_list() -> None:
    mapper = ServiceCodeMapper.from_services(SERVICES, extra_keywords={"POTHOLE": ["crater"]})
    match = mapper.match("huge crater on 5th avenue")
    assert match is not None
    assert match.service_code == "POTHOLE"


def test_classifier_scores_break_ties_and_fill_gaps() -> None:
    def classifier(text: str) -> Mapping[str, float]:
        return {"GRAFFITI": 0.9, "TREE": 0.05}

    mapper = ServiceCodeMapper.from_services(SERVICES, classifier=classifier)
    match = mapper.match("someone sprayed paint all over the bus shelter")

    assert match is not None
    assert match.service_code == "GRAFFITI"
    assert match.keywords == ()
    assert match.classifier_score == 0.9


def test_nothing_fits_means_a_human_decides() -> None:
    mapper = ServiceCodeMapper.from_services(SERVICES)
    assert mapper.match("my bill is wrong") is None
    assert mapper.rank("my bill is wrong") == []


def test_weak_classifier_alone_is_below_the_bar() -> None:
    mapper = ServiceCodeMapper({"TREE": ["tree"]}, classifier=lambda text: {"TREE": 0.3})
    assert mapper.match("something happened") is None
    assert mapper.rank("something happened")[0].score == 0.6
