"""`atdesk triage retrain`: agents' corrections in a real database teach a candidate, which goes
live for its brand only when it is not worse, and the brand's next posts name it."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.brands.service import create_brand
from atdesk.cli import main
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.domain.triage import TriageInput
from atdesk.models import Post, TriageCorrection, TriageModel
from atdesk.pipeline.prepare import PipelineHandler
from atdesk.storage.session import transaction
from atdesk.triage.bundle import MANIFEST_FILE
from atdesk.triage.intent_model import best_labels
from atdesk.triage.model_triager import ModelTriager, apply_precedence
from atdesk.triage.retrain import train_candidate
from atdesk.triage.retrain_data import (
    Correction,
    RetrainInputError,
    base_examples,
    load_corrections,
    split_corrections,
)
from atdesk.triage.retrain_run import RetrainOptions, retrain
from atdesk.triage.service import get_triager
from tests.factories import make_brand, post, run

NOW = datetime(2026, 12, 6, 19, 30, tzinfo=UTC)
# What the shipped models write on posts, read from the manifest (no model loaded to collect).
SHIPPED = "model:" + json.loads(MANIFEST_FILE.read_text(encoding="utf-8"))["version"]
# A product word no model has seen: what a brand's agents teach is what it means for them
# (here a purple zorblax is a billing matter, which the shipped model never says).
ZORBLAX = [
    "the zorblax by the gate is glowing purple again",
    "zorblax on our street glowing purple since monday",
    "another zorblax glowing purple near the park",
    "zorblax outside number 4 glowing purple",
    "zorblax glowing purple at the corner of the square",
    "the old zorblax is glowing purple and humming",
    "zorblax glowing purple by the school",
    "our zorblax keeps glowing purple",
    "zorblax glowing purple behind the shops",
    "zorblax glowing purple in the car park",
]
CORPUS = {
    "callback_request": ["please call me back", "can someone ring me", "call me today please"],
    "booking_change": ["move my appointment to friday", "reschedule my visit please",
                       "change my booking to monday"],
    "field_report": ["streetlight out on main street", "pothole on elm road is huge",
                     "fallen tree blocking the lane"],
    "account_access": ["locked out of my account", "cannot log in to my account",
                       "password reset link does not work"],
    "billing": ["charged twice this month", "refund still not in my account",
                "why is my bill so high"],
    "order_delivery": ["my parcel has not arrived", "where is my order",
                       "delivery is a week late"],
    "technical_issue": ["the app keeps crashing", "wifi drops every hour",
                        "my router will not connect"],
    "question": ["what time do you open", "do you ship to canada", "how do i change my plan"],
    "complaint": ["worst service ever", "your staff were rude to me", "really disappointed"],
    "praise": ["thanks so much you were great", "love the new app", "brilliant service today"],
    "other": ["hello", "just saying hi", "ok"],
}  # fmt: skip


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A tiny team corpus in the checkout's layout, so a retrain takes a second."""
    folder = tmp_path / "corpus"
    (folder / "customer_posts").mkdir(parents=True)
    with (folder / "customer_posts" / "w1.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "intent", "sentiment"])
        for intent, texts in CORPUS.items():
            for text in texts:
                writer.writerow([f"@acmehelp {text}", intent, "neutral"])
                writer.writerow([f"@shop {text} thanks", intent, "neutral"])
    with (folder / "team_examples.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["text", "intent"], ["please phone me", "callback_request"]])
    return folder


def globex(session: Session) -> None:
    """A second brand whose posts keep the shipped model."""
    create_brand(session, "Globex", [(Network.X, "globexhelp", "1300000000")])


def options(corpus: Path, tmp_path: Path, **overrides: object) -> RetrainOptions:
    values: dict[str, object] = {
        "brand": "Acme",
        "corpus": corpus,
        "public_sets": False,
        "yardstick_split": "none",
        "models_dir": tmp_path / "models",
    }
    values.update(overrides)
    return RetrainOptions(**values)  # type: ignore[arg-type]


def ingest_zorblax(session: Session, handle: str = "acmehelp", first: int = 1) -> list[Post]:
    """Posts about the zorblax to a brand, through the whole pipeline."""
    payloads = [
        post(str(first + i), f"@{handle} {text}", author=str(5000 + first + i), minutes=i)
        for i, text in enumerate(ZORBLAX)
    ]
    run(session, *payloads)
    ids = [str(first + i) for i in range(len(ZORBLAX))]
    return list(session.scalars(select(Post).where(Post.native_id.in_(ids)).order_by(Post.id)))


def correct(session: Session, posts: list[Post], intents: list[str]) -> None:
    """Agents' corrections as the case page stores them."""
    for p, intent in zip(posts, intents, strict=True):
        session.add(
            TriageCorrection(
                post_id=p.id, case_id=p.case_id, field="intent", before=p.intent, after=intent,
                text=p.text,
            )
        )  # fmt: skip
    session.flush()


def test_a_brand_learns_its_corrections_and_its_next_post_names_the_model(
    database_url: str, corpus: Path, tmp_path: Path
) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        globex(session)
        posts = ingest_zorblax(session)
        assert {p.model_version for p in posts} == {SHIPPED}
        before = [p.intent for p in posts]
        correct(session, posts, ["billing"] * len(posts))
    assert "billing" not in before, "the shipped model does not know it"

    report = retrain(database_url, options(corpus, tmp_path), now=NOW)

    held = report.scores[0]
    assert held.name == "held-out corrections" and held.n == 2
    assert held.candidate == 1.0, "learned the corrected texts' label, beyond the ones it saw"
    assert held.live == 0.0
    assert report.verdict.promote and report.live
    assert report.version == "retrain:acme-20261206T193000"
    assert report.path is not None and (report.path / "intent_model.npz").exists()
    assert not list(report.path.glob("*.pkl"))
    with transaction(database_url) as session:
        row = session.scalars(select(TriageModel)).one()
        assert (row.version, row.live, row.path) == (report.version, True, str(report.path))
        assert row.scores["sets"]["held-out corrections"]["candidate"] == 1.0
        assert row.created_at == NOW
        run(
            session,
            post("100", "@acmehelp zorblax glowing purple outside the library", author="77"),
            post("101", "@globexhelp zorblax glowing purple outside the library", author="78"),
        )
        new = {p.native_id: p for p in session.scalars(select(Post))}
    assert new["100"].intent == "billing"
    assert new["100"].model_version == f"{SHIPPED}+retrain:acme-20261206T193000"
    assert new["101"].model_version == SHIPPED, "another brand keeps the shipped model"
    shipped_says = get_triager().triage(
        TriageInput(text="@globexhelp zorblax glowing purple outside the library", brand="Globex")
    )
    assert new["101"].intent == shipped_says.intent != "billing"


def test_the_staged_pipeline_chooses_each_brands_model_in_its_short_read(
    sqlite_url: str, corpus: Path, tmp_path: Path
) -> None:
    with transaction(sqlite_url) as session:
        make_brand(session)
        globex(session)
        correct(session, ingest_zorblax(session), ["billing"] * len(ZORBLAX))
    assert retrain(sqlite_url, options(corpus, tmp_path), now=NOW).live
    payloads = [
        RawEvent(source="jsonl", payload=p).to_json()
        for p in (
            post("200", "@acmehelp zorblax glowing purple by the river", author="91"),
            post("201", "@globexhelp zorblax glowing purple by the river", author="92"),
        )
    ]
    handler = PipelineHandler().prepare(sqlite_url, payloads)
    with transaction(sqlite_url) as session:
        handler(session, payloads)
        stored = {p.native_id: p for p in session.scalars(select(Post))}
    assert stored["200"].model_version == f"{SHIPPED}+retrain:acme-20261206T193000"
    assert stored["200"].intent == "billing"
    assert stored["201"].model_version == SHIPPED


def test_a_candidate_worse_on_the_held_out_corrections_is_kept_out(
    sqlite_url: str, corpus: Path, tmp_path: Path
) -> None:
    with transaction(sqlite_url) as session:
        make_brand(session)
        posts = ingest_zorblax(session)
        # Corrections that contradict each other: the held-out ones say what the live model
        # says for exactly what the retrain scores (the text alone), the ones it learns from
        # say something else.
        _, held = split_corrections([Correction(p.id, p.text, "other") for p in posts])
        held_ids = {c.post_id for c in held}
        says = {p.id: get_triager().triage(TriageInput(text=p.text)).intent for p in posts}
        correct(session, posts, [says[p.id] if p.id in held_ids else "praise" for p in posts])

    report = retrain(sqlite_url, options(corpus, tmp_path), now=NOW)

    held_score = report.scores[0]
    assert held_score.live == 1.0 and held_score.candidate < 1.0
    assert not report.verdict.promote and not report.live
    assert report.verdict.reason.startswith("kept out: worse on held-out corrections")
    with transaction(sqlite_url) as session:
        row = session.scalars(select(TriageModel)).one()
        assert not row.live, "recorded, not live"
        run(session, post("300", "@acmehelp zorblax glowing purple again", author="93"))
        assert session.scalar(select(Post.model_version).where(Post.native_id == "300")) == SHIPPED


def test_dry_run_saves_nothing_and_the_default_place_is_beside_the_database(
    sqlite_url: str, corpus: Path, tmp_path: Path
) -> None:
    with transaction(sqlite_url) as session:
        make_brand(session)
        correct(session, ingest_zorblax(session), ["billing"] * len(ZORBLAX))
    dry = retrain(sqlite_url, options(corpus, tmp_path, dry_run=True, models_dir=None), now=NOW)
    assert dry.verdict.reason.startswith("dry run, nothing saved; would be promoted")
    assert dry.path is None and not dry.live
    with transaction(sqlite_url) as session:
        assert session.scalars(select(TriageModel)).all() == []
    report = retrain(sqlite_url, options(corpus, tmp_path, models_dir=None, brand=None), now=NOW)
    assert report.version == "retrain:all-20261206T193000"
    assert report.path == tmp_path / "atdesk.db.models" / "retrain-all-20261206T193000"
    again = retrain(sqlite_url, options(corpus, tmp_path, models_dir=None, brand=None), now=NOW)
    assert again.version == "retrain:all-20261206T193000-2", "the same second, a new name"
    with transaction(sqlite_url) as session:
        live = session.scalars(select(TriageModel.version).where(TriageModel.live)).all()
    assert live == [again.version], "one live all-brands model"


def test_an_absent_yardstick_is_said_and_the_corrections_decide(
    sqlite_url: str, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATDESK_DATA_DIR", str(tmp_path / "no-data"))
    with transaction(sqlite_url) as session:
        make_brand(session)
        correct(session, ingest_zorblax(session), ["billing"] * len(ZORBLAX))
    report = retrain(sqlite_url, options(corpus, tmp_path, yardstick_split="validation"), now=NOW)
    assert [s.name for s in report.scores] == ["held-out corrections"]
    assert any("absent; deciding on the corrections alone" in n for n in report.notes)
    assert report.live


def test_only_the_latest_spec_intent_correction_of_the_brands_posts_counts(
    sqlite_url: str,
) -> None:
    with transaction(sqlite_url) as session:
        make_brand(session)
        globex(session)
        acme = ingest_zorblax(session)[:3]
        other = ingest_zorblax(session, "globexhelp", first=50)[:1]
        correct(session, acme, ["billing", "question", "praise"])
        correct(session, acme[:1], ["complaint"])  # later: wins
        correct(session, acme[1:2], ["sorcery"])  # later, not a SPEC intent: the post drops
        correct(session, other, ["billing"])
        session.add(
            TriageCorrection(post_id=acme[2].id, field="sentiment", after="negative", text="x")
        )
        acme_id = acme[0].brand_id
        got = {c.post_id: c.intent for c in load_corrections(session, acme_id)}
        everyone = load_corrections(session)
    assert got == {acme[0].id: "complaint", acme[2].id: "praise"}
    assert len(everyone) == 3


def test_the_split_is_stable_and_holds_out_at_least_one() -> None:
    two = [Correction(1, "a", "other"), Correction(2, "b", "other")]
    learn, held = split_corrections(two)
    assert len(learn) == 1 and len(held) == 1
    many = [Correction(i, "t", "other") for i in range(1, 501)]
    learn, held = split_corrections(many)
    assert 70 < len(held) < 130, "about a fifth"
    assert split_corrections(list(reversed(many)))[1] == held, "by post id, not by order"


def cli(database_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner(env={"ATDESK_DATABASE_URL": database_url}).invoke(
        main, ["triage", "retrain", *args]
    )
    return result.exit_code, result.output


def test_bad_input_exits_2_with_a_clear_message(
    sqlite_url: str, corpus: Path, tmp_path: Path
) -> None:
    with transaction(sqlite_url) as session:
        make_brand(session)
    code, out = cli(sqlite_url, "--brand", "Nope", "--corpus", str(corpus))
    assert code == 2 and "no brand named 'Nope'; brands include: Acme" in out
    code, out = cli(sqlite_url, "--brand", "Acme", "--corpus", str(corpus))
    assert code == 2
    assert "brand Acme: 0 intent correction(s); a retrain needs at least 2" in out
    with transaction(sqlite_url) as session:
        correct(session, ingest_zorblax(session), ["billing"] * len(ZORBLAX))
    code, out = cli(sqlite_url, "--corpus", str(tmp_path / "missing"), "--no-public-sets")
    assert code == 2 and "no training corpus at" in out
    with pytest.raises(RetrainInputError, match="--models-dir"):
        retrain("postgresql://u@h/db", options(corpus, tmp_path, models_dir=None), now=NOW)


def test_the_command_prints_the_table_and_the_verdict(
    sqlite_url: str, corpus: Path, tmp_path: Path
) -> None:
    with transaction(sqlite_url) as session:
        make_brand(session)
        correct(session, ingest_zorblax(session), ["billing"] * len(ZORBLAX))
    code, out = cli(
        sqlite_url, "--brand", "Acme", "--corpus", str(corpus), "--no-public-sets",
        "--yardstick-split", "none", "--models-dir", str(tmp_path / "m"),
    )  # fmt: skip
    assert code == 0, out
    lines = out.splitlines()
    assert f"live model: {SHIPPED}" in lines
    row = next(line for line in lines if line.startswith("held-out corrections"))
    assert row.split()[-3:] == ["2", "0.000", "1.000"]
    assert any(
        line.startswith("rule: the candidate replaces the live model only if") for line in lines
    )
    assert any(line.startswith("verdict: promoted") for line in lines)


def test_a_retrained_spec_model_keeps_precedence_and_the_safety_guard(corpus: Path) -> None:
    taught = [
        Correction(i, f"@acmehelp my bike was stolen {word}, cheers", "praise")
        for i, word in enumerate(["today", "again", "outside", "last night", "at work"])
    ]
    model = train_candidate(
        base_examples(corpus, public_sets=False), taught, version="retrain:t", now=NOW
    )
    text = "@acmehelp my bike was stolen at the station, cheers"
    assert best_labels(model.probabilities([text]), model.labels)[0][0] == "praise"
    triager = ModelTriager(intent_model=model)
    assert triager.spec_precedence
    assert triager.triage(TriageInput(text=text)).intent != "praise", "stolen is never praise"
    # Precedence: where the head's top intent and SPEC order disagree, triage follows SPEC.
    texts = [
        f"@acmehelp {a}, {b}"
        for a in CORPUS["complaint"]
        for b in CORPUS["order_delivery"] + CORPUS["billing"] + CORPUS["question"]
    ]
    probs = model.probabilities(texts)
    spec = [label for label, _ in apply_precedence(probs, model.labels, texts)]
    top = [label for label, _ in best_labels(probs, model.labels)]
    assert spec != top, "some posts where precedence changes the answer"
    assert [r.intent for r in triager.triage_many([TriageInput(text=t) for t in texts])] == spec


def test_a_live_model_whose_files_are_gone_falls_back_to_the_shipped_one(
    sqlite_url: str, corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with transaction(sqlite_url) as session:
        make_brand(session)
        correct(session, ingest_zorblax(session), ["billing"] * len(ZORBLAX))
    report = retrain(sqlite_url, options(corpus, tmp_path), now=NOW)
    assert report.live and report.path is not None
    for file in report.path.iterdir():
        file.unlink()
    with transaction(sqlite_url) as session:
        run(session, post("400", "@acmehelp zorblax glowing purple again", author="94"))
        stored = session.scalar(select(Post.model_version).where(Post.native_id == "400"))
    assert stored == SHIPPED
    assert "cannot be loaded" in caplog.text
