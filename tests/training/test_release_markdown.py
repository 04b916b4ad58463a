"""The release report's Markdown: both models side by side, and only the marked part replaced."""

from __future__ import annotations

from datetime import date

import pytest
from training.eval_yardstick import ClassFigures
from training.release_markdown import END, START, ModelReport, PublicRow, replace_section, section


def model(version: str, accuracy: float, classes: list[ClassFigures]) -> ModelReport:
    headline = {
        "n": 598.0,
        "intent_accuracy": accuracy,
        "intent_macro_f1": 0.5,
        "sentiment_accuracy": 0.7,
        "pii_recall": 1.0,
        "pii_precision": float("nan"),
        "intent_ece": 0.1154,
    }
    return ModelReport(
        version, headline, classes, f"r/confusion-{version}.svg", f"r/calibration-{version}.svg"
    )


OLD = model("triage-old", 0.512, [ClassFigures("billing", 67, 50, 0.71, 0.54, 0.61)])
NEW = model(
    "triage-new",
    0.5681,
    [
        ClassFigures("billing", 67, 50, 0.76, 0.57, 0.65),
        ClassFigures("praise", 0, 3, 0.0, 0.0, 0.0),
    ],
)
PUBLIC = [
    PublicRow("sentiment", "TweetEval (3)", {"triage-old": "0.60", "triage-new": "0.59"}, "VADER")
]


def report() -> str:
    return section(
        split="test",
        models=[OLD, NEW],
        public=PUBLIC,
        previous_rev="4d8b88942f0000",
        run_on=date(2027, 1, 5),
    )


def test_section_sets_the_models_side_by_side_previous_first() -> None:
    text = report()
    assert text.startswith(
        "### Release report: triage-new beside triage-old, yardstick test half (2027-01-05)"
    )
    assert "| intent accuracy | 0.512 | 0.568 | ≥ 0.85 |" in text
    assert "| PII recall / precision | 1.000 / — | 1.000 / — |" in text  # NaN shows as a dash
    assert "| intent ECE (10 bins) | 0.115 | 0.115 | ≤ 0.05 |" in text
    assert "| billing | 67 | 0.71 | 0.54 | 0.61 | 0.76 | 0.57 | 0.65 |" in text
    assert "| praise | 0 | — | — | — | 0.00 | 0.00 | 0.00 |" in text  # old never said praise
    assert "![confusion matrix, triage-old](r/confusion-triage-old.svg)" in text
    assert "| sentiment | TweetEval (3) | 0.60 | 0.59 | VADER |" in text
    assert "`4d8b88942f`" in text
    assert "test_looks.csv" in text


def test_replace_section_keeps_everything_outside_the_markers() -> None:
    document = f"# Bench\n\n## Triage\n\n{START} note -->\nold text\n{END}\n\n## Next\nkept\n"
    replaced = replace_section(document, "new text\n")
    assert (
        replaced
        == f"# Bench\n\n## Triage\n\n{START} note -->\nnew text\n\n{END}\n\n## Next\nkept\n"
    )
    assert replace_section(replaced, "new text\n") == replaced  # a second run changes nothing


def test_replace_section_refuses_a_page_without_markers() -> None:
    with pytest.raises(ValueError, match="markers"):
        replace_section("# Bench\n\n## Triage\n", "new text\n")
    with pytest.raises(ValueError, match="markers"):
        replace_section(f"{END}\n{START} -->\n", "new text\n")
