"""Readers for the shared public data sets that training may use (licences in docs/triage.md)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

LabelledTexts = list[tuple[str, str]]


def data_dir() -> Path:
    """../shared/data beside the checkout, or ATDESK_DATA_DIR."""
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    return Path(os.environ.get("ATDESK_DATA_DIR") or default)


def read_csv(path: Path, text_col: str, label_col: str) -> LabelledTexts:
    """(text, label) rows of a CSV file."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [(row[text_col], row[label_col]) for row in csv.DictReader(handle)]


def banking77(split: str) -> LabelledTexts:
    """BANKING77 (CC BY 4.0), split 'train' or 'test'."""
    return read_csv(data_dir() / "banking77" / f"{split}.csv", "text", "category")


def clinc150(split: str, with_oos: bool = True) -> LabelledTexts:
    """CLINC150 (CC BY 3.0), split 'train', 'val' or 'test'; out-of-scope labelled 'oos'."""
    data = json.loads((data_dir() / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    rows = [(text, label) for text, label in data[split]]
    if with_oos:
        rows += [(text, "oos") for text, _ in data[f"oos_{split}"]]
    return rows


def bitext() -> LabelledTexts:
    """Bitext customer-support utterances (CDLA-Sharing 1.0), both files."""
    folder = data_dir() / "bitext_customer_support"
    rows: LabelledTexts = []
    for name in (
        "bitext_customer_support_20k_utterances.csv",
        "bitext_customer_service_training_8k.csv",
    ):
        rows += read_csv(folder / name, "utterance", "intent")
    return rows


def nlupp() -> list[dict[str, object]]:
    """NLU++ banking and hotels examples (CC BY 4.0), each with 'domain' added."""
    examples: list[dict[str, object]] = []
    for domain in ("banking", "hotels"):
        for path in sorted((data_dir() / "nlupp" / domain).glob("fold*.json")):
            for example in json.loads(path.read_text(encoding="utf-8")):
                examples.append({**example, "domain": domain, "fold": path.stem})
    return examples


def tweeteval(task: str, split: str) -> LabelledTexts:
    """TweetEval (research use, attributed) texts with their label names."""
    folder = data_dir() / f"tweeteval_{task}"
    names = dict(
        line.split("\t") for line in (folder / "mapping.txt").read_text().splitlines() if line
    )
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()
    return [(t.strip(), names[lab]) for t, lab in zip(texts, labels, strict=True)]


# TweetEval's sentiment train split has no text here, so its test split is cut in two by a hash
# of the text: one half trains the shipped sentiment head (from triage-2026.12.2), the other
# half stays the test every release is scored on.
TWEETEVAL_TRAIN_SHARE = 0.5


def tweeteval_test_half(task: str, *, train: bool) -> LabelledTexts:
    """The training or the held-out half of a TweetEval test split (stable across runs)."""
    from customer_posts import share_of  # the corpus's stable hash share

    return [
        (t, y) for t, y in tweeteval(task, "test") if (share_of(t) < TWEETEVAL_TRAIN_SHARE) == train
    ]


def acid(split: str) -> LabelledTexts:
    """ACID insurance intents: evaluation only (no licence), split 'training' or 'testing'."""
    path = data_dir() / "acid_insurance_intents" / f"customer_{split}.csv"
    return read_csv(path, "UTTERANCES", "INTENT_NAME")
