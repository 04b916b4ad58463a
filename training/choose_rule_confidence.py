"""Choose the default confidence below which automation rules leave a post to a person.

    .venv/bin/python -m training.choose_rule_confidence

On the yardstick's validation half (never the test half) it triages every tweet with the
triager the pipeline uses and, for each intent that drives a default rule and for those pooled,
prints at thresholds 0.30..0.90 how many posts a rule would act on, how many of those carry the
intent a person gave them (precision) and what share of the posts that truly have the intent
the rule still reaches (coverage). The rare-class supplement's validation half and the team
corpus (the model's own training data, so optimistic) are printed apart. The default is the
lowest threshold whose pooled precision on the validation half reaches the target; re-run it
after every retrain and copy the choice to `DEFAULT_MIN_CONFIDENCE` in
src/atdesk/automations/engine/rules.py and the table to docs/automations.md.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from training.eval_yardstick import DEV, YARDSTICK, load

from atdesk.domain.triage import TriageInput
from atdesk.triage.service import get_triager
from atdesk.triage.versions import model_version

AUTOMATION_INTENTS = ("callback_request", "booking_change", "field_report")
# Other default rules read the intent too (move to DM, the bot); shown, not chosen on.
OTHER_RULE_INTENTS = ("account_access", "billing", "question")
THRESHOLDS = tuple(round(0.3 + 0.05 * i, 2) for i in range(13))
TARGET_PRECISION = 0.9
MIN_ACTED = 10  # a precision over fewer acted-on posts says nothing
SUPPLEMENT = DEV / "twcs_rare_supplement.csv"
CORPUS = Path(__file__).resolve().parent / "data" / "customer_posts"


@dataclass(frozen=True, slots=True)
class Scored:
    """One labelled post: the label a person gave, and what triage said with what confidence."""

    gold: str
    predicted: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Cell:
    """A rule over these intents at one threshold: posts acted on, of them right, reach."""

    acted: int
    right: int
    truly: int

    @property
    def precision(self) -> float | None:
        """Share of acted-on posts that have the intent; None when nothing is acted on."""
        return self.right / self.acted if self.acted else None

    @property
    def coverage(self) -> float | None:
        """Share of the posts that truly have the intent which the rule acts on."""
        return self.right / self.truly if self.truly else None


def cell(rows: Sequence[Scored], intents: Sequence[str], threshold: float) -> Cell:
    """What rules on `intents` with this minimum confidence would do to these posts."""
    acted = [r for r in rows if r.predicted in intents and r.confidence >= threshold]
    return Cell(
        acted=len(acted),
        right=sum(1 for r in acted if r.gold == r.predicted),
        truly=sum(1 for r in rows if r.gold in intents),
    )


def choose(rows: Sequence[Scored], target: float = TARGET_PRECISION) -> float | None:
    """The lowest threshold whose pooled precision on the automation intents reaches target
    over at least MIN_ACTED acted-on posts."""
    for threshold in THRESHOLDS:
        c = cell(rows, AUTOMATION_INTENTS, threshold)
        if c.acted >= MIN_ACTED and c.precision is not None and c.precision >= target:
            return threshold
    return None


def best_balance(rows: Sequence[Scored]) -> float:
    """When no threshold reaches the target: the one with the best F1 of pooled precision and
    coverage (the highest such), i.e. as sure as possible before the rules stop reaching."""

    def f1(threshold: float) -> float:
        c = cell(rows, AUTOMATION_INTENTS, threshold)
        p, r = c.precision or 0.0, c.coverage or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    return max(reversed(THRESHOLDS), key=f1)


def _triage(texts: Sequence[str], golds: Sequence[str]) -> list[Scored]:
    results = get_triager().triage_many([TriageInput(text=t) for t in texts])
    return [
        Scored(gold, str(r.intent), float(r.intent_confidence))
        for gold, r in zip(golds, results, strict=True)
    ]


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.2f}"


def table(title: str, rows: Sequence[Scored]) -> None:
    """Print precision / coverage (acted on) per intent and pooled, one line per threshold."""
    groups: list[tuple[str, tuple[str, ...]]] = [
        (i, (i,)) for i in (*AUTOMATION_INTENTS, *OTHER_RULE_INTENTS)
    ]
    groups.insert(len(AUTOMATION_INTENTS), ("pooled", AUTOMATION_INTENTS))
    print(f"\n{title}: {len(rows)} posts")
    truly = "  ".join(f"{name}={cell(rows, g, 0).truly}" for name, g in groups)
    print(f"posts truly of each intent: {truly}")
    print("thr   " + "".join(f"{name[:16]:>22}" for name, _ in groups))
    for threshold in (0.0, *THRESHOLDS):
        line = f"{threshold:.2f}  "
        for _, intents in groups:
            c = cell(rows, intents, threshold)
            line += f"{_fmt(c.precision):>9}/{_fmt(c.coverage)} ({c.acted:3})"
        print(line)


def yardstick(labels: Path) -> list[Scored]:
    """The validation half of a yardstick file, triaged."""
    items = load("validation", labels)
    return _triage([i.text for i in items], [i.intent for i in items])


def corpus() -> list[Scored]:
    """The team corpus, triaged (the model trained on it: an upper bound, not a measure)."""
    texts, golds = [], []
    for path in sorted(CORPUS.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts.append(row["text"])
                golds.append(row["intent"])
    return _triage(texts, golds)


def main() -> None:
    """Print the tables and the chosen default."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-corpus", action="store_true", help="skip the team corpus")
    args = parser.parse_args()
    print(f"triager: {model_version(get_triager())}")
    print("each cell: precision/coverage (posts acted on); precision '-' when none acted on")
    main_rows = yardstick(YARDSTICK)
    table("yardstick, validation half", main_rows)
    supplement = yardstick(SUPPLEMENT) if SUPPLEMENT.exists() else []
    if supplement:
        table("rare-class supplement, validation half (reported apart)", supplement)
        table("yardstick + supplement, validation halves", [*main_rows, *supplement])
    if not args.no_corpus:
        table("team corpus (training data: optimistic)", corpus())
    print()
    for name, rows in (("yardstick", main_rows), ("with supplement", [*main_rows, *supplement])):
        chosen = choose(rows)
        verdict = (
            f"{chosen:.2f}"
            if chosen is not None
            else f"none up to {THRESHOLDS[-1]}; best precision/coverage F1 at "
            f"{best_balance(rows):.2f}"
        )
        print(
            f"lowest threshold with pooled precision >= {TARGET_PRECISION} over >= {MIN_ACTED} "
            f"posts ({name}): {verdict}"
        )


if __name__ == "__main__":
    main()
