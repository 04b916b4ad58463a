"""The triage release report (issue 11, point 6): the shipped and the previous models, one run.

    .venv/bin/python -m training.release_report                              # validation half
    .venv/bin/python -m training.release_report --split test --write-docs    # the lead, at release

Loads the shipped triage and the previous release's bundle (its files read from git into a
temporary directory, through the same loader), scores both on the chosen half of the twcs
yardstick (intent accuracy, macro-F1, per-class precision/recall/F1, sentiment, PII, intent
ECE) and on the public sets the benchmarks page reported before (TweetEval sentiment and
offensive test, BANKING77 test), draws a confusion matrix and a reliability diagram per model
into docs/triage-report/, and prints the Markdown section for docs/benchmarks.md ("Triage");
--write-docs puts it between the section's markers. A look at the test half is logged in
training/dev/test_looks.csv, one row per model, as eval_yardstick does.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import training.train_triage as train_triage  # puts training/ on sys.path for its neighbours
from training.eval_yardstick import (
    Item,
    calibration_bins,
    confusion,
    figures,
    load,
    log_test_look,
    per_class,
    triage_items,
)
from training.intent_mapping import BANKING77
from training.release_markdown import ModelReport, PublicRow, replace_section, section
from training.svg_charts import confusion_svg, reliability_svg

from atdesk.domain.triage import TriageInput, TriageResult
from atdesk.triage.baseline import RulesTriager
from atdesk.triage.bundle import TriageBundle
from atdesk.triage.evaluation import score
from atdesk.triage.intent_model import best_labels, train_intent_model
from atdesk.triage.model_triager import ModelTriager
from training import corpora

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = "src/atdesk/triage/artifacts"
REPORT_DIR = ROOT / "docs" / "triage-report"
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
MOMENT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # public sets have no time; as elsewhere
BATCH = 2000


def git(*args: str) -> bytes:
    """A git command's output in the checkout (the previous release lives in its history)."""
    command = [shutil.which("git") or "git", *args]  # fixed subcommands, revisions from git itself
    return subprocess.run(command, cwd=ROOT, capture_output=True, check=True).stdout  # noqa: S603


def previous_release(current: str) -> tuple[str, str]:
    """(commit, version) of the newest committed models whose version is not the shipped one."""
    for rev in git("log", "--format=%H", "--", f"{ARTIFACTS}/manifest.json").decode().split():
        manifest = json.loads(git("show", f"{rev}:{ARTIFACTS}/manifest.json"))
        if manifest.get("version") != current:
            return rev, str(manifest.get("version"))
    raise SystemExit(f"no release before {current} in the history of {ARTIFACTS}")


def bundle_at(rev: str, folder: Path) -> TriageBundle:
    """The bundle as committed at rev, loaded by the shipped loader from a temporary copy."""
    vectors = f"{ARTIFACTS}/static_vectors.npz"
    then = git("rev-parse", f"{rev}:{vectors}").decode().strip()
    now = git("hash-object", vectors).decode().strip()
    if then != now:  # the loader reads the shipped vectors; it checks only their version name
        raise SystemExit(f"{rev[:10]} used other word vectors than the shipped ones")
    for name in ("triage_model.npz", "manifest.json"):
        (folder / name).write_bytes(git("show", f"{rev}:{ARTIFACTS}/{name}"))
    return TriageBundle.load(folder / "triage_model.npz", folder / "manifest.json")


def triage_texts(triager: ModelTriager, texts: Sequence[str]) -> list[TriageResult]:
    """Public-set texts in batches, at a fixed moment (they carry no time of their own)."""
    out: list[TriageResult] = []
    for start in range(0, len(texts), BATCH):
        chunk = texts[start : start + BATCH]
        out += triager.triage_many([TriageInput(text=t, created_at=MOMENT) for t in chunk])
    return out


def offensive_head(triager: ModelTriager, texts: Sequence[str]) -> list[str]:
    """The offensive head's own argmax, before the abuse rule (as eval_shipped_triage scores it)."""
    bundle, table = triager.bundle, triager.tokens
    labels = bundle.heads["offensive"].labels
    out: list[str] = []
    for start in range(0, len(texts), BATCH):
        batch = table.encode(list(texts[start : start + BATCH]))
        probs = bundle.probabilities(table.features(batch))["offensive"]
        out += [labels[int(i)] for i in probs.argmax(axis=1)]
    return out


def banking77_mapped() -> tuple[list[str], list[str]]:
    """BANKING77 test questions whose intent maps clearly onto SPEC §1 (train alone trains)."""
    mapping = {name: intent for intent, names in BANKING77.items() for name in names.split()}
    rows = [(t, mapping[y]) for t, y in corpora.banking77("test") if y in mapping]
    return [t for t, _ in rows], [y for _, y in rows]


def public_rows(triagers: dict[str, ModelTriager], own_intents: bool) -> list[PublicRow]:
    """The public sets the Triage section reported before, for every model in the same run."""
    rows = []
    # The held half only: from triage-2026.12.2 the other half of TweetEval's test trains.
    sentiment = corpora.tweeteval_test_half("sentiment", train=False)
    texts, gold = [t for t, _ in sentiment], [y for _, y in sentiment]
    vader = score(gold, train_triage.vader_labels(texts))
    by_model = {}
    for version, triager in triagers.items():
        result = score(gold, [r.sentiment.value for r in triage_texts(triager, texts)])
        by_model[version] = f"macro-F1 {result.macro_f1:.3f} (accuracy {result.accuracy:.3f})"
    rows.append(
        PublicRow(
            "sentiment",
            f"TweetEval sentiment test, held half ({len(texts):,})",
            by_model,
            f"VADER {vader.macro_f1:.3f} ({vader.accuracy:.3f})",
        )
    )

    offensive = corpora.tweeteval("offensive", "test")
    texts, gold = [t for t, _ in offensive], [y for _, y in offensive]
    heads, flags = {}, {}
    for version, triager in triagers.items():
        result = score(gold, offensive_head(triager, texts))
        heads[version] = f"macro-F1 {result.macro_f1:.3f} (accuracy {result.accuracy:.3f})"
        flagged = [r.abuse for r in triage_texts(triager, texts)]
        hits = sum(f and g == "offensive" for f, g in zip(flagged, gold, strict=True))
        precision = hits / sum(flagged) if any(flagged) else float("nan")
        recall = hits / max(1, gold.count("offensive"))
        flags[version] = f"precision {precision:.2f}, recall {recall:.2f}"
    data = f"TweetEval offensive test ({len(texts):,})"
    rows.append(PublicRow("offensive head", data, heads, "—"))
    rows.append(PublicRow("abuse flag (offensive ≥ 0.8 or threats)", data, flags, "—"))

    texts, gold = banking77_mapped()
    rules = score(gold, [r.intent for r in RulesTriager().triage_many(
        [TriageInput(text=t, created_at=MOMENT) for t in texts]
    )])  # fmt: skip
    by_model = {}
    for version, triager in triagers.items():
        result = score(gold, [r.intent for r in triage_texts(triager, texts)])
        by_model[version] = f"accuracy {result.accuracy:.3f}, macro-F1 {result.macro_f1:.3f}"
    rows.append(
        PublicRow(
            "intent",
            f"BANKING77 test questions mapped to SPEC intents where clear ({len(texts):,})",
            by_model,
            f"keyword rules {rules.accuracy:.3f} / {rules.macro_f1:.3f}",
        )
    )
    if own_intents:
        rows.append(banking77_own_intents(list(triagers)))
    return rows


def banking77_own_intents(versions: list[str]) -> PublicRow:
    """Bring-your-own intents on BANKING77 (the `atdesk intents eval` path): it uses only the
    word vectors, which both releases share, so it is one figure for both."""
    train, test = corpora.banking77("train"), corpora.banking77("test")
    model = train_intent_model([t for t, _ in train], [y for _, y in train])
    texts = [t for t, _ in test]
    predicted = [label for label, _ in best_labels(model.probabilities(texts), model.labels)]
    result = score([y for _, y in test], predicted)
    figure = f"accuracy {result.accuracy:.4f}, macro-F1 {result.macro_f1:.4f}"
    return PublicRow(
        "own intents (77, word vectors shared by both)",
        f"BANKING77 train → test ({len(texts):,})",
        dict.fromkeys(versions, figure),
        "published state of the art ≈ 0.937",
    )


def draw(
    version: str,
    split: str,
    items: list[Item],
    results: list[TriageResult],
    labels: list[str],
    out: Path,
) -> ModelReport:
    """Score one model on the yardstick and write its two pictures."""
    gold = [i.intent for i in items]
    predicted = [r.intent for r in results]
    headline = figures(items, results)
    out.mkdir(parents=True, exist_ok=True)
    confusion_name = f"confusion-{split}-{version}.svg"
    calibration_name = f"calibration-{split}-{version}.svg"
    (out / confusion_name).write_text(
        confusion_svg(
            labels,
            confusion(gold, predicted, labels),
            f"{version}: intent on the yardstick's {split} half ({len(items)} tweets)",
        ),
        encoding="utf-8",
    )
    bins = calibration_bins(
        [r.intent_confidence for r in results],
        [g == p for g, p in zip(gold, predicted, strict=True)],
    )
    (out / calibration_name).write_text(
        reliability_svg(
            bins, headline["intent_ece"], f"{version}: intent confidence, {split} half"
        ),
        encoding="utf-8",
    )
    folder = out.relative_to(BENCHMARKS.parent).as_posix()
    return ModelReport(
        version,
        headline,
        per_class(gold, predicted),
        f"{folder}/{confusion_name}",
        f"{folder}/{calibration_name}",
    )


def main() -> None:
    """Score both releases in one run, draw, print the section and, if asked, write it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=["validation", "test"], default="validation")
    parser.add_argument("--write-docs", action="store_true", help="replace the marked section")
    parser.add_argument(
        "--skip-own-intents", action="store_true", help="leave out the BANKING77 fit (~1 min)"
    )
    args = parser.parse_args()
    shipped = ModelTriager()
    rev, _ = previous_release(shipped.bundle.version)
    with tempfile.TemporaryDirectory(prefix="atdesk-previous-triage-") as folder:
        previous = ModelTriager(bundle_at(rev, Path(folder)))
    triagers = {previous.bundle.version: previous, shipped.bundle.version: shipped}
    print(f"models: {' and '.join(triagers)} (previous read from git {rev[:10]})", flush=True)

    items = load(args.split)
    results = {version: triage_items(t, items) for version, t in triagers.items()}
    said = {r.intent for rs in results.values() for r in rs}
    labels = sorted({i.intent for i in items} | said)
    reports = [
        draw(version, args.split, items, rs, labels, REPORT_DIR) for version, rs in results.items()
    ]
    looked_at = datetime.now(UTC)
    if args.split == "test":
        for report in reports:
            log_test_look(report.version, report.headline, looked_at)
    print("yardstick done; public sets next", flush=True)
    public = public_rows(triagers, own_intents=not args.skip_own_intents)
    text = section(
        split=args.split,
        models=reports,
        public=public,
        previous_rev=rev,
        run_on=looked_at.date(),
    )
    print(text)
    if args.write_docs:
        BENCHMARKS.write_text(
            replace_section(BENCHMARKS.read_text(encoding="utf-8"), text), encoding="utf-8"
        )
        print(f"wrote the section into {BENCHMARKS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
