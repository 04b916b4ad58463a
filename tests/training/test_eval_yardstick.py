"""The yardstick's figures as the release report reuses them: bins, per-class, confusion, looks."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from training.eval_yardstick import (
    calibration_bins,
    calibration_error,
    confusion,
    log_test_look,
    per_class,
)

GOLD = ["billing", "billing", "complaint", "complaint", "other"]
SAID = ["billing", "complaint", "complaint", "praise", "other"]


def test_calibration_bins_hold_each_posts_confidence_and_rightness() -> None:
    bins = calibration_bins([0.0, 0.55, 0.55, 0.95], [False, True, False, True])
    assert len(bins) == 10
    assert (bins[0].count, bins[0].accuracy) == (1, 0.0)  # zero confidence joins the first bin
    assert (bins[5].low, bins[5].high, bins[5].count) == (0.5, 0.6, 2)
    assert bins[5].confidence == pytest.approx(0.55)
    assert bins[5].accuracy == 0.5
    assert [b.count for b in bins] == [1, 0, 0, 0, 0, 2, 0, 0, 0, 1]


def test_calibration_error_weighs_each_bins_gap_by_its_share() -> None:
    # 2/3 of the posts are 0.05 over-confident, 1/3 are 0.05 under-confident
    assert calibration_error([0.55, 0.55, 0.95], [True, False, True]) == pytest.approx(0.05)
    assert calibration_error([1.0, 1.0], [True, True]) == 0.0


def test_per_class_counts_gold_and_predicted_labels_alike() -> None:
    figures = {c.label: c for c in per_class(GOLD, SAID)}
    assert list(figures) == ["billing", "complaint", "other", "praise"]
    assert (figures["billing"].n, figures["billing"].precision, figures["billing"].recall) == (
        2,
        1.0,
        0.5,
    )
    assert figures["complaint"].precision == 0.5
    assert figures["complaint"].f1 == pytest.approx(0.5)
    assert (figures["praise"].n, figures["praise"].predicted, figures["praise"].f1) == (0, 1, 0.0)


def test_confusion_rows_are_gold_and_columns_predicted() -> None:
    labels = ["billing", "complaint", "other", "praise"]
    assert confusion(GOLD, SAID, labels) == [
        [1, 1, 0, 0],
        [0, 1, 0, 1],
        [0, 0, 1, 0],
        [0, 0, 0, 0],
    ]


def test_each_test_look_is_one_row_under_one_header(tmp_path: Path) -> None:
    looks = tmp_path / "looks.csv"
    headline = {"n": 598.0, "intent_accuracy": 0.61234, "intent_ece": 0.1}
    log_test_look("triage-a", headline, datetime(2027, 1, 5, 9, 0, tzinfo=UTC), looks)
    log_test_look("triage-b", headline, datetime(2027, 1, 5, 9, 0, tzinfo=UTC), looks)
    with looks.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["looked_at", "model", "n", "intent_accuracy", "intent_ece"],
        ["2027-01-05T09:00:00+00:00", "triage-a", "598.0", "0.6123", "0.1"],
        ["2027-01-05T09:00:00+00:00", "triage-b", "598.0", "0.6123", "0.1"],
    ]
