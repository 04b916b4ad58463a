"""The Markdown of the triage release report, kept apart from the run so it can be tested
without models or data, and the one place that knows the markers in docs/benchmarks.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from training.eval_yardstick import ClassFigures

START = "<!-- triage-release-report:start"
END = "<!-- triage-release-report:end -->"
TARGETS = {
    "intent_accuracy": "≥ 0.85",
    "intent_macro_f1": "≥ 0.80",
    "sentiment_accuracy": "≥ 0.85",
    "pii": "≥ 0.90 / ≥ 0.90",
    "intent_ece": "≤ 0.05",
}


@dataclass(frozen=True, slots=True)
class ModelReport:
    """One model's yardstick figures and the pictures drawn from them."""

    version: str
    headline: dict[str, float]
    classes: list[ClassFigures]
    confusion_image: str
    calibration_image: str


@dataclass(frozen=True, slots=True)
class PublicRow:
    """One public-set line: each model's figure as text, and the floor measured in the same run."""

    what: str
    data: str
    by_model: dict[str, str]
    floor: str


def _figure(value: float) -> str:
    return "—" if value != value else f"{value:.3f}"  # NaN: nothing to divide by


def headline_table(models: Sequence[ModelReport]) -> list[str]:
    """The issue's figures beside its targets, one column per model."""
    lines = [
        "| | " + " | ".join(m.version for m in models) + " | issue 11 target |",
        "|---|" + "---|" * len(models) + "---|",
    ]
    rows = [
        ("intent accuracy", "intent_accuracy"),
        ("intent macro-F1", "intent_macro_f1"),
        ("sentiment accuracy", "sentiment_accuracy"),
    ]
    for name, key in rows:
        cells = [_figure(m.headline[key]) for m in models]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {TARGETS[key]} |")
    pii = [
        f"{_figure(m.headline['pii_recall'])} / {_figure(m.headline['pii_precision'])}"
        for m in models
    ]
    lines.append("| PII recall / precision | " + " | ".join(pii) + f" | {TARGETS['pii']} |")
    ece = [_figure(m.headline["intent_ece"]) for m in models]
    lines.append("| intent ECE (10 bins) | " + " | ".join(ece) + f" | {TARGETS['intent_ece']} |")
    return lines


def class_table(models: Sequence[ModelReport]) -> list[str]:
    """Precision, recall and F1 per intent, models side by side; n is the gold count."""
    labels = sorted({c.label for m in models for c in m.classes})
    by_model = [{c.label: c for c in m.classes} for m in models]
    n_of = {c.label: c.n for m in models for c in m.classes}
    header = "| intent | n | " + " | ".join(f"{m.version} precision | recall | F1" for m in models)
    lines = [header + " |", "|---|---:|" + "---:|---:|---:|" * len(models)]
    for label in labels:
        cells = []
        for figures in by_model:
            c = figures.get(label)
            if c is None:
                cells += ["—", "—", "—"]
            else:
                cells += [f"{c.precision:.2f}", f"{c.recall:.2f}", f"{c.f1:.2f}"]
        lines.append(f"| {label} | {n_of[label]} | " + " | ".join(cells) + " |")
    return lines


def picture_table(models: Sequence[ModelReport]) -> list[str]:
    """The confusion matrices on one row and the reliability diagrams on the next."""
    lines = ["| " + " | ".join(m.version for m in models) + " |", "|" + "---|" * len(models)]
    lines.append(
        "| "
        + " | ".join(f"![confusion matrix, {m.version}]({m.confusion_image})" for m in models)
        + " |"
    )
    lines.append(
        "| "
        + " | ".join(f"![reliability diagram, {m.version}]({m.calibration_image})" for m in models)
        + " |"
    )
    return lines


def public_table(versions: Sequence[str], rows: Sequence[PublicRow]) -> list[str]:
    """The public sets the page reported before, each model's figure and the floor."""
    lines = [
        "| what | data | " + " | ".join(versions) + " | floor, same run |",
        "|---|---|" + "---|" * len(versions) + "---|",
    ]
    for row in rows:
        cells = [row.by_model.get(v, "—") for v in versions]
        lines.append(f"| {row.what} | {row.data} | " + " | ".join(cells) + f" | {row.floor} |")
    return lines


def section(
    *,
    split: str,
    models: Sequence[ModelReport],
    public: Sequence[PublicRow],
    previous_rev: str,
    run_on: date,
    notes: Sequence[str] = (),
) -> str:
    """The whole report, ready to sit between the markers (previous model first)."""
    shipped, n = models[-1].version, int(models[-1].headline["n"])
    others = ", ".join(m.version for m in models[:-1])
    looked = (
        "looked at once per release, each look logged in `training/dev/test_looks.csv`"
        if split == "test"
        else "the half choices are made on; the test half is the lead's, once per release"
    )
    lines = [
        f"### Release report: {shipped} beside {others}, yardstick {split} half ({run_on})",
        "",
        f"{n} real inbound twcs tweets labelled independently (`training/dev/twcs_yardstick.csv`, "
        f"{split} half: {looked}). Every figure below comes from one run of "
        f"`.venv/bin/python -m training.release_report --split {split}`: both models through "
        f"today's code (so the PII rules, which are code, are the same for both); the previous "
        f"model's files are read from git at `{previous_rev[:10]}`.",
        "",
        *headline_table(models),
        "",
        "Per intent (n: tweets with that gold intent; precision, recall and F1 on this half):",
        "",
        *class_table(models),
        "",
        "Confusion matrices (rows gold, columns predicted, each row shaded by its own share) and "
        "reliability diagrams (intent confidence in ten bins against the accuracy in each):",
        "",
        *picture_table(models),
        "",
        "Public sets, same run (nothing here was trained on):",
        "",
        *public_table([m.version for m in models], public),
    ]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def replace_section(document: str, new_section: str) -> str:
    """The document with everything between the report's markers replaced; the markers stay."""
    start = document.find(START)
    end = document.find(END)
    if start < 0 or end < 0 or end < start:
        raise ValueError(f"docs/benchmarks.md needs the markers '{START} ...-->' and '{END}'")
    after_start = document.index("\n", start) + 1
    # a blank line before the end marker, so a table at the end of the section ends there
    return document[:after_start] + new_section.rstrip("\n") + "\n\n" + document[end:]
