"""`atdesk triage` and `atdesk intents` as scripts use them (SPEC §2 and §3)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from click.testing import CliRunner

from atdesk.cli import main

FIELDS = {
    "id", "intent", "intent_confidence", "sentiment", "language", "spam", "abuse",
    "entities", "pii", "priority",
}  # fmt: skip
INTENTS = {
    "callback_request", "booking_change", "field_report", "account_access", "billing",
    "order_delivery", "technical_issue", "question", "complaint", "praise", "other",
}  # fmt: skip


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.output


def lines(*records: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def test_triage_answers_every_line_in_order_with_every_field() -> None:
    stdin = lines(
        {"id": "1", "text": "@cable move my technician visit to this Friday",
         "created_at": "2026-11-23T10:00:00Z"},
        {"id": "2", "text": "@bank please call me about my statement, 415-555-2671"},
        {"id": "3", "text": "@support thank you, fixed!", "author": {"followers": 5}},
    )  # fmt: skip
    code, output = run("triage", stdin=stdin)
    assert code == 0, output
    records = [json.loads(line) for line in output.splitlines()]
    assert [r["id"] for r in records] == ["1", "2", "3"]
    for record in records:
        assert set(record) >= FIELDS
        assert record["intent"] in INTENTS
        assert 0.0 <= record["intent_confidence"] <= 1.0
        assert record["sentiment"] in {"negative", "neutral", "positive"}
        assert record["priority"] in {"low", "normal", "high", "urgent"}
        assert set(record["entities"]) >= {
            "datetimes", "phones", "emails", "account_numbers", "locations", "coordinates",
        }  # fmt: skip
    assert records[0]["entities"]["datetimes"] == ["2026-11-27"]
    assert records[1]["entities"]["phones"] == ["+14155552671"]
    assert records[1]["pii"] is True
    assert records[0]["language"] == "en"


def test_malformed_lines_are_reported_and_the_run_goes_on() -> None:
    stdin = lines(
        "{not json",
        {"text": "no id"},
        {"id": "b", "text": 5},
        {"id": "c", "text": "ok", "created_at": "yesterday-ish"},
        {"id": "d", "text": "ok", "coordinates": [500, 1]},
        {"id": "e", "text": "my order never came"},
    )
    code, output = run("triage", stdin=stdin)
    assert code == 0
    records = [json.loads(line) for line in output.splitlines()]
    assert [r["id"] for r in records] == [None, None, "b", "c", "d", "e"]
    assert all("error" in r for r in records[:5])
    assert "error" not in records[5]


def test_triage_reads_and_writes_files(tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(lines({"id": "x", "text": "@air lost my bag"}), encoding="utf-8")
    code, _ = run("triage", "--in", str(source), "--out", str(target))
    assert code == 0
    assert json.loads(target.read_text())["id"] == "x"


def test_unreadable_input_is_a_clear_error() -> None:
    code, output = run("triage", "--in", "/no/such/file.jsonl")
    assert code != 0
    assert "Traceback" not in output
    assert "No such file" in output


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["utterance", "intent"])
        writer.writerows(rows)
    return path


ROWS = [
    *((f"I want to file a claim for my {t}", "claim") for t in ("car", "house", "boat", "bike")),
    *((f"how do I pay the premium for my {t}", "pay") for t in ("car", "house", "boat", "bike")),
    *((f"please cancel the policy on my {t}", "cancel") for t in ("car", "house", "boat", "bike")),
]


def test_intents_train_then_triage_with_the_model(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "train.csv", ROWS)
    code, output = run(
        "intents", "train", "--csv", str(data), "--text-col", "utterance",
        "--label-col", "intent", "--out", str(tmp_path / "model"),
    )  # fmt: skip
    assert code == 0, output
    code, output = run(
        "triage", "--intent-model", str(tmp_path / "model"),
        stdin=lines({"id": "1", "text": "cancel the policy on my van please"}),
    )  # fmt: skip
    assert code == 0, output
    assert json.loads(output)["intent"] == "cancel"


def test_intents_eval_prints_the_spec_line_last(tmp_path: Path) -> None:
    train = write_csv(tmp_path / "train.csv", ROWS)
    test = write_csv(tmp_path / "test.csv", [("cancel the policy on my van", "cancel")])
    code, output = run(
        "intents", "eval", "--train", str(train), "--test", str(test),
        "--text-col", "utterance", "--label-col", "intent",
    )  # fmt: skip
    assert code == 0, output
    last = output.strip().splitlines()[-1]
    pattern = r"accuracy=\d\.\d{4} macro_f1=\d\.\d{4} train_s=\d+\.\d predict_per_s=\d+"
    assert re.fullmatch(pattern, last)
    assert last.startswith("accuracy=1.0000")


def test_wrong_arguments_are_click_errors_not_tracebacks(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "train.csv", ROWS)
    code, output = run(
        "intents", "train", "--csv", str(data), "--text-col", "text",
        "--label-col", "intent", "--out", str(tmp_path / "m"),
    )  # fmt: skip
    assert code == 2
    assert "no column 'text'" in output
    code, output = run("intents", "eval", "--train", str(data))
    assert code == 2
    assert "Missing option" in output
    code, output = run("triage", "--intent-model", str(tmp_path), stdin="")
    assert code == 1
    assert "not an intent model" in output
    assert "Traceback" not in output


def test_two_workers_give_the_same_lines() -> None:
    stdin = lines(*({"id": str(n), "text": f"@shop order {n} is late"} for n in range(5)), "{bad")
    code_one, one = run("triage", stdin=stdin)
    code_two, two = run("triage", "--workers", "2", stdin=stdin)
    assert code_one == code_two == 0
    assert one == two
    assert len(two.splitlines()) == 6


def test_output_records_are_to_json_with_the_id_and_reasons() -> None:
    from datetime import UTC, datetime

    from atdesk.domain.triage import TriageInput
    from atdesk.triage.commands import output_record
    from atdesk.triage.model_triager import ModelTriager

    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    posts = [
        TriageInput(text="@cable next week please, call 415-555-2671", created_at=now),
        TriageInput(text="gas leak at 42 Park Road, 40.7128, -74.0060", coordinates=(1.5, 2.5)),
        TriageInput(text="¡Gracias! 😀 order #113-4567890-1234567", followers=250_000),
    ]
    for n, result in enumerate(ModelTriager().triage_many(posts)):
        expected = {"id": str(n), **result.to_json(), "priority_reasons": result.priority_reasons}
        record = output_record(str(n), result)
        assert record == expected
        assert json.dumps(record, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)
