"""The service classifier reads the city's own service list, and helps the keyword mapper."""

from __future__ import annotations

from atdesk.integrations.open311 import Service, ServiceCodeMapper, ServiceType
from atdesk.integrations.open311.classifier import service_classifier

SERVICES = [
    Service(
        "TREE",
        "Fallen or downed tree",
        ServiceType.REALTIME,
        False,
        "A tree or large branch down on a street, sidewalk or park.",
        ("tree", "limb"),
    ),
    Service("POTHOLE", "Pothole", ServiceType.REALTIME, False, "A hole in the road.", ()),
]


def test_similar_wording_scores_the_right_service() -> None:
    scores = service_classifier(SERVICES)
    branch = scores("a big branch came down on the sidewalk")
    assert max(branch, key=lambda code: branch[code]) == "TREE"
    assert scores("my neighbour is loud") == {}
    assert service_classifier([])("anything") == {}


def test_the_classifier_tips_a_report_the_keywords_alone_miss() -> None:
    text = "a large branch came down on the sidewalk by the park"
    assert ServiceCodeMapper.from_services(SERVICES).match(text) is None
    helped = ServiceCodeMapper.from_services(SERVICES, classifier=service_classifier(SERVICES))
    match = helped.match(text)
    assert match is not None and match.service_code == "TREE" and match.keywords == ()
