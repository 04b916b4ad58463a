"""One retrain from start to end: read, train, evaluate, then record (and maybe promote)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.models import Brand
from atdesk.storage.session import transaction
from atdesk.triage.base import Triager
from atdesk.triage.live_models import read_live_models
from atdesk.triage.model_triager import ModelTriager
from atdesk.triage.retrain import (
    CORRECTION_WEIGHT,
    EvaluationSet,
    RetrainReport,
    Verdict,
    correction_set,
    decide,
    models_dir_for,
    record,
    score_set,
    train_candidate,
    unique_version,
    version_name,
    yardstick_set,
)
from atdesk.triage.retrain_data import (
    DEFAULT_CORPUS,
    MIN_CORRECTIONS,
    RetrainInputError,
    base_examples,
    load_corrections,
    split_corrections,
)
from atdesk.triage.service import get_triager, retrained_triager
from atdesk.triage.versions import model_version

YARDSTICK_SPLITS = ("validation", "test", "none")


@dataclass(frozen=True, slots=True)
class RetrainOptions:
    """What `atdesk triage retrain` was asked to do."""

    brand: str | None = None
    corpus: Path = DEFAULT_CORPUS
    public_sets: bool = True
    yardstick_split: str = "test"
    dry_run: bool = False
    models_dir: Path | None = None
    weight: int = CORRECTION_WEIGHT


def _brand_id(session: Session, name: str) -> int:
    """The brand's id; an unknown name lists some that exist."""
    brand_id = session.scalar(select(Brand.id).where(Brand.name == name))
    if brand_id is None:
        names = ", ".join(session.scalars(select(Brand.name).order_by(Brand.name).limit(10)))
        raise RetrainInputError(f"no brand named {name!r}; brands include: {names or 'none'}")
    return brand_id


def retrain(
    database_url: str,
    options: RetrainOptions,
    *,
    now: datetime,
    echo: Callable[[str], None] = lambda _: None,
) -> RetrainReport:
    """Train a candidate from the corrections in scope and keep it only if it is not worse.

    The database is read in one short transaction and written in another; training and
    evaluation (tens of seconds) hold no transaction open.
    """
    if options.yardstick_split not in YARDSTICK_SPLITS:
        raise RetrainInputError(f"--yardstick-split must be one of {', '.join(YARDSTICK_SPLITS)}")
    models_dir = options.models_dir or models_dir_for(database_url)
    if models_dir is None and not options.dry_run:
        raise RetrainInputError(
            "a server database has no file to keep models beside; pass --models-dir DIR "
            "(a directory every worker can read)"
        )
    with transaction(database_url) as session:
        brand_id = _brand_id(session, options.brand) if options.brand is not None else None
        corrections = load_corrections(session, brand_id)
        live = read_live_models(session)
        version = unique_version(session, version_name(options.brand, now))
    scope = f"brand {options.brand}" if options.brand is not None else "all brands"
    if len(corrections) < MIN_CORRECTIONS:
        raise RetrainInputError(
            f"{scope}: {len(corrections)} intent correction(s); a retrain needs at least "
            f"{MIN_CORRECTIONS} (one to learn from, one held out to test on). Agents correct "
            "intents on the case page; the Needs review view lists the posts worth correcting."
        )
    learn, held_out = split_corrections(corrections)
    base = base_examples(options.corpus, public_sets=options.public_sets)
    echo(
        f"{scope}: {len(corrections)} intent corrections ({len(learn)} to learn from, weight "
        f"{options.weight}; {len(held_out)} held out); base: {base.sources.count('corpus')} "
        f"corpus, {base.sources.count('team')} team, {base.sources.count('public')} public "
        "examples"
    )
    live_path = (live.by_brand.get(options.brand) if options.brand else None) or live.everyone
    live_triager: Triager = (retrained_triager(live_path) if live_path else None) or get_triager()
    started = time.perf_counter()
    candidate = train_candidate(base, learn, version=version, now=now, weight=options.weight)
    echo(f"candidate {version} trained in {time.perf_counter() - started:.1f} s")
    candidate_triager = ModelTriager(intent_model=candidate)
    sets: list[EvaluationSet] = [correction_set(held_out, options.brand)]
    notes = []
    if options.yardstick_split != "none":
        yardstick, note = yardstick_set(options.yardstick_split)
        notes.append(note)
        if yardstick is not None:
            sets.append(yardstick)
    scores = [score_set(s, live_triager, candidate_triager) for s in sets]
    verdict = decide(scores)
    report = RetrainReport(
        version, options.brand, scores, verdict, notes, live_version=model_version(live_triager)
    )
    if options.dry_run:
        report.verdict = Verdict(False, f"dry run, nothing saved; would be {verdict.reason}")
        return report
    assert models_dir is not None
    report.path = models_dir / version.replace(":", "-")
    candidate.meta["scores"] = {s.name: s.as_json() for s in scores}
    candidate.save(report.path)
    with transaction(database_url) as session:
        record(session, report, brand_id, now=now)
    report.live = verdict.promote
    return report
