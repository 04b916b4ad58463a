"""The release report's hand-drawn charts: valid SVG that shows the figures it is given."""

from __future__ import annotations

from xml.dom import minidom

import pytest
from training.eval_yardstick import CalibrationBin, calibration_bins
from training.svg_charts import confusion_svg, reliability_svg, shade

LABELS = ["billing", "complaint", "R&D <other>"]
COUNTS = [[9, 1, 0], [90, 10, 0], [0, 0, 0]]


def parse(svg: str) -> minidom.Document:
    return minidom.parseString(svg.encode("utf-8"))  # noqa: S318 (our own output, not input)


def with_class(document: minidom.Document, tag: str, name: str) -> list[minidom.Element]:
    return [e for e in document.getElementsByTagName(tag) if e.getAttribute("class") == name]


def text_of(element: minidom.Element) -> str:
    return "".join(node.data for node in element.childNodes if node.nodeType == node.TEXT_NODE)


def test_shade_runs_from_near_white_to_dark_blue_and_clamps() -> None:
    assert shade(0.0) == "#f7fbff"
    assert shade(1.0) == "#084594"
    assert shade(-3) == shade(0.0)
    assert shade(7) == shade(1.0)
    assert shade(0.2) != shade(0.8)


def test_confusion_cells_hold_the_counts_row_by_row() -> None:
    document = parse(confusion_svg(LABELS, COUNTS, "a model"))
    counts = [int(text_of(e)) for e in with_class(document, "text", "count")]
    assert counts == [c for row in COUNTS for c in row]
    assert [text_of(e) for e in with_class(document, "text", "row-label")] == LABELS


def test_confusion_shading_is_the_share_of_the_gold_row() -> None:
    document = parse(confusion_svg(LABELS, COUNTS, "a model"))
    fills = [e.getAttribute("fill") for e in with_class(document, "rect", "cell")]
    # 9 of 10 and 90 of 100 are the same share, so the same shade, although 10 times apart
    assert fills[0] == fills[3] == shade(0.9)
    assert fills[1] == fills[4] == shade(0.1)
    assert fills[6:] == [shade(0.0)] * 3  # a row nobody was gold for: no division by zero


def test_confusion_outlines_the_right_answers_and_tells_each_cell_on_hover() -> None:
    document = parse(confusion_svg(LABELS, COUNTS, "a model"))
    cells = with_class(document, "rect", "cell")
    outlined = [i for i, e in enumerate(cells) if e.getAttribute("stroke-width") == "2"]
    assert outlined == [0, 4, 8]
    tip = text_of(cells[3].getElementsByTagName("title")[0])
    assert tip == "gold complaint, predicted billing: 90 of 100 (90%)"


def test_confusion_escapes_labels_and_titles() -> None:
    svg = confusion_svg(LABELS, COUNTS, "model <2026> & co")
    document = parse(svg)  # would raise on a raw '<' or '&'
    assert text_of(document.getElementsByTagName("title")[0]) == "model <2026> & co"
    assert "R&amp;D &lt;other&gt;" in svg


def test_confusion_refuses_a_matrix_that_does_not_fit_the_labels() -> None:
    with pytest.raises(ValueError, match="square"):
        confusion_svg(LABELS, [[1, 2], [3, 4]], "a model")


def test_reliability_bars_stand_at_each_bins_accuracy_with_its_count() -> None:
    # bin 0.5-0.6: two posts, one right; bin 0.9-1.0: one post, right; the rest empty
    bins = calibration_bins([0.55, 0.55, 0.95], [True, False, True])
    document = parse(reliability_svg(bins, 0.123, "a model"))
    diagonal = with_class(document, "line", "diagonal")[0]
    bottom, top = float(diagonal.getAttribute("y1")), float(diagonal.getAttribute("y2"))
    heights = [float(e.getAttribute("height")) for e in with_class(document, "rect", "bar")]
    assert heights == pytest.approx([0.5 * (bottom - top), 1.0 * (bottom - top)], abs=0.1)
    counts = [text_of(e) for e in with_class(document, "text", "bin-count")]
    assert counts == ["0", "0", "0", "0", "0", "2", "0", "0", "0", "1"]
    dots = [float(e.getAttribute("cy")) for e in with_class(document, "circle", "confidence")]
    assert dots == pytest.approx([bottom - 0.55 * (bottom - top), bottom - 0.95 * (bottom - top)])
    assert text_of(with_class(document, "text", "ece")[0]).endswith("0.123")


def test_reliability_diagonal_runs_corner_to_corner() -> None:
    bins = [CalibrationBin(0.0, 1.0, 4, 0.5, 0.5)]
    document = parse(reliability_svg(bins, 0.0, "a model"))
    diagonal = with_class(document, "line", "diagonal")[0]
    x1, y1, x2, y2 = (float(diagonal.getAttribute(a)) for a in ("x1", "y1", "x2", "y2"))
    assert x2 - x1 == pytest.approx(y1 - y2)  # square plot, 45 degrees
    bar = with_class(document, "rect", "bar")[0]
    assert float(bar.getAttribute("y")) == pytest.approx((y1 + y2) / 2, abs=0.1)
