"""Command-line entry points of the triage capability (registered by atdesk.cli)."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import click

from atdesk.domain.triage import TriageResult
from atdesk.triage.base import Triager
from atdesk.triage.batch_io import parse_line
from atdesk.triage.evaluation import score
from atdesk.triage.intent_model import (
    IntentClassifier,
    IntentModelError,
    best_labels,
    train_intent_model,
)
from atdesk.triage.retrain_command import retrain_command

BATCH = 2000


def _batches(lines: IO[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@click.group("triage", invoke_without_command=True)
@click.option("--in", "in_file", type=click.File("r", encoding="utf-8"), default="-",
              help="JSON Lines input (default: standard input).")  # fmt: skip
@click.option("--out", "out_file", type=click.File("w", encoding="utf-8"), default="-",
              help="JSON Lines output (default: standard output).")  # fmt: skip
@click.option("--intent-model", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Use this trained intent model (atdesk intents train) instead of the built-in set.")  # fmt: skip  # noqa: E501
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes to triage with (one per core is fastest for big files).")  # fmt: skip
@click.pass_context
def triage_command(
    ctx: click.Context,
    in_file: IO[str],
    out_file: IO[str],
    intent_model: Path | None,
    workers: int,
) -> None:
    """Label every post of a JSON Lines file with every SPEC §1 field (SPEC §2).

    `atdesk triage retrain` learns from agents' corrections instead (ADR 0082).
    """
    if ctx.invoked_subcommand is not None:
        return
    from atdesk.triage.parallel import map_chunks
    from atdesk.triage.service import get_triager

    try:
        triager = get_triager(str(intent_model) if intent_model else None)
    except IntentModelError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        for rendered in map_chunks(triager, render_lines, _batches(in_file), workers):
            out_file.write("".join(rendered))
            out_file.flush()
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"cannot read the input as UTF-8: {exc}") from None


def render_lines(triager: Triager, lines: Sequence[str]) -> list[str]:
    """SPEC §2 output lines for input lines, errors included, in order."""
    parsed = [parse_line(line) for line in lines]
    results = iter(triager.triage_many([p.item for p in parsed if p.item is not None]))
    out = []
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for p in parsed:
        if p.item is None:
            out.append(json.dumps({"id": p.id, "error": p.error}) + "\n")
            continue
        out.append(dumps(output_record(p.id, next(results))) + "\n")
    return out


def output_record(post_id: str | None, result: TriageResult) -> dict[str, Any]:
    """The output object of one post: its id, TriageResult.to_json() and priority_reasons.

    Built field by field: to_json() deep-copies the entities (dataclasses.asdict), which
    cost more than the rest of the line. tests/triage/test_commands.py holds the two equal.
    """
    entities = result.entities
    return {
        "id": post_id,
        "intent": result.intent,
        "intent_confidence": round(float(result.intent_confidence), 4),
        "sentiment": result.sentiment.value,
        "language": result.language,
        "spam": result.spam,
        "abuse": result.abuse,
        "entities": {
            "datetimes": entities.datetimes,
            "phones": entities.phones,
            "emails": entities.emails,
            "account_numbers": entities.account_numbers,
            "locations": entities.locations,
            "coordinates": [list(c) for c in entities.coordinates],
            "windows": entities.windows,
        },
        "pii": result.pii,
        "priority": result.priority.value,
        "priority_reasons": result.priority_reasons,
    }


def read_labelled_csv(path: Path, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    """Texts and labels from a CSV file; clear errors for missing columns or empty files."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [c for c in (text_col, label_col) if c not in columns]
        if missing:
            raise click.UsageError(
                f"{path}: no column {', '.join(repr(m) for m in missing)} "
                f"(columns are: {', '.join(columns) or 'none'})"
            )
        texts, labels = [], []
        for row in reader:
            text, label = (row.get(text_col) or "").strip(), (row.get(label_col) or "").strip()
            if text and label:
                texts.append(text)
                labels.append(label)
    if not texts:
        raise click.UsageError(f"{path}: no rows with both a text and a label")
    return texts, labels


def _train(texts: list[str], labels: list[str], encoder: str) -> IntentClassifier:
    try:
        if encoder == "minilm":
            from atdesk.triage.embeddings import train_embedding_intent_model

            return train_embedding_intent_model(texts, labels)
        return train_intent_model(texts, labels)
    except IntentModelError as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


_csv_path = click.Path(exists=True, dir_okay=False, path_type=Path)
_encoder = click.option(
    "--encoder",
    type=click.Choice(["ngrams", "minilm"]),
    default="ngrams",
    show_default=True,
    help="ngrams: word/char n-grams + distilled word vectors (fast, shipped). "
    "minilm: adds all-MiniLM-L6-v2 sentence embeddings (needs the embeddings extra).",
)


@click.group("intents")
def intents_group() -> None:
    """Bring your own intents: train and evaluate intent models from labelled examples."""


@intents_group.command("train")
@click.option("--csv", "csv_path", type=_csv_path, required=True, help="Labelled examples.")
@click.option("--text-col", required=True, help="Column holding the text.")
@click.option("--label-col", required=True, help="Column holding the intent label.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write the model into.")  # fmt: skip
@_encoder
def intents_train(
    csv_path: Path, text_col: str, label_col: str, out_dir: Path, encoder: str
) -> None:
    """Train an intent model; use it with `atdesk triage --intent-model DIR`."""
    texts, labels = read_labelled_csv(csv_path, text_col, label_col)
    started = time.perf_counter()
    model = _train(texts, labels, encoder)
    seconds = time.perf_counter() - started
    model.save(out_dir)
    click.echo(
        f"trained {len(set(labels))} intents from {len(texts)} examples in {seconds:.1f}s "
        f"-> {out_dir}"
    )
    held = getattr(model, "meta", {}).get("held_out")
    if held:
        click.echo(
            f"held-out 10% (model fitted without them): accuracy={held['accuracy']:.4f} "
            f"macro_f1={held['macro_f1']:.4f} n={held['n']}"
        )


@intents_group.command("eval")
@click.option("--train", "train_path", type=_csv_path, required=True, help="Training CSV.")
@click.option("--test", "test_path", type=_csv_path, required=True, help="Test CSV.")
@click.option("--text-col", required=True, help="Column holding the text.")
@click.option("--label-col", required=True, help="Column holding the intent label.")
@click.option("--oos-label", default=None,
              help="Label meaning out of scope; its test rows are scored as in-scope misses "
                   "unless the model abstains (see --threshold).")  # fmt: skip
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=None,
              help="Answer the out-of-scope label when confidence is below this.")  # fmt: skip
@_encoder
def intents_eval(
    train_path: Path,
    test_path: Path,
    text_col: str,
    label_col: str,
    oos_label: str | None,
    threshold: float | None,
    encoder: str,
) -> None:
    """Train on one file, test on the other; the last line is the SPEC §3 summary."""
    if threshold is not None and oos_label is None:
        raise click.UsageError("--threshold needs --oos-label (the label to answer instead)")
    train_texts, train_labels = read_labelled_csv(train_path, text_col, label_col)
    test_texts, test_labels = read_labelled_csv(test_path, text_col, label_col)
    started = time.perf_counter()
    model = _train(train_texts, train_labels, encoder)
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    predicted = best_labels(model.probabilities(test_texts), model.labels)
    predict_s = time.perf_counter() - started
    answers = [label for label, _ in predicted]
    if threshold is not None and oos_label is not None:
        answers = [oos_label if conf < threshold else lab for lab, conf in predicted]
    if oos_label is not None:
        in_scope = [i for i, gold in enumerate(test_labels) if gold != oos_label]
        oos = [i for i, gold in enumerate(test_labels) if gold == oos_label]
        inside = score([test_labels[i] for i in in_scope], [answers[i] for i in in_scope])
        recall = sum(answers[i] == oos_label for i in oos) / len(oos) if oos else 0.0
        click.echo(
            f"in_scope_accuracy={inside.accuracy:.4f} oos_recall={recall:.4f} "
            f"in_scope_n={len(in_scope)} oos_n={len(oos)}"
        )
    overall = score(test_labels, answers)
    per_s = len(test_texts) / predict_s if predict_s > 0 else float("inf")
    click.echo(
        f"{overall.line()} train_s={train_s:.1f} predict_per_s={per_s:.0f}",
    )


triage_command.add_command(retrain_command)
commands: list[click.Command] = [triage_command, intents_group]
