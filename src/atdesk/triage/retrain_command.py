"""`atdesk triage retrain [--brand B]`: the command around triage.retrain_run."""

from __future__ import annotations

from pathlib import Path

import click

from atdesk.clicontext import ready_database
from atdesk.models.base import utcnow
from atdesk.triage.retrain import CORRECTION_WEIGHT, RetrainReport
from atdesk.triage.retrain_data import DEFAULT_CORPUS, RetrainInputError
from atdesk.triage.retrain_run import YARDSTICK_SPLITS, RetrainOptions, retrain

RULE = (
    "rule: the candidate replaces the live model only if it gets at least as many posts "
    "right as the live model on every set above (intent, full triage with SPEC precedence)"
)


class BadRetrainInput(click.ClickException):
    """Input the retrain cannot use: exit status 2, as for a usage error."""

    exit_code = 2


def render(report: RetrainReport) -> list[str]:
    """The table (set, n, live, candidate) and the verdict with its reason."""
    lines = [f"live model: {report.live_version}", f"{'set':<28} {'n':>5} {'live':>6} {'cand.':>6}"]
    for s in report.scores:
        lines.append(f"{s.name:<28} {s.n:>5} {s.live:>6.3f} {s.candidate:>6.3f}")
    lines.extend(report.notes)
    lines.append(RULE)
    lines.append(f"verdict: {report.verdict.reason}")
    if report.path is not None:
        state = "live" if report.live else "kept, not live"
        lines.append(f"candidate {report.version} ({state}) saved in {report.path}")
    return lines


@click.command("retrain")
@click.option("--brand", default=None, help="Learn from this brand's corrections only and "
              "replace its own model (default: every brand's, for brands without their own).")  # fmt: skip  # noqa: E501
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_CORPUS,
              show_default=True, help="Folder with customer_posts/*.csv and team_examples.csv.")  # fmt: skip  # noqa: E501
@click.option("--public-sets/--no-public-sets", default=True, show_default=True,
              help="Add the mapped public intent sets from $ATDESK_DATA_DIR, as the shipped "
              "head was trained (skipped when absent).")  # fmt: skip
@click.option("--yardstick-split", type=click.Choice(YARDSTICK_SPLITS), default="test",
              show_default=True, help="Which half of the twcs yardstick to compare on (none: "
              "the held-out corrections only).")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Train and evaluate; save and promote nothing.")
@click.option("--models-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where model files go (default: beside a SQLite database, <db>.models/).")  # fmt: skip  # noqa: E501
@click.option("--weight", type=click.IntRange(1, 100), default=CORRECTION_WEIGHT,
              show_default=True, help="Corpus posts one correction counts as.")  # fmt: skip
@click.pass_context
def retrain_command(
    ctx: click.Context,
    brand: str | None,
    corpus: Path,
    public_sets: bool,
    yardstick_split: str,
    dry_run: bool,
    models_dir: Path | None,
    weight: int,
) -> None:
    """Learn from agents' intent corrections; promote the new model only if it is not worse."""
    settings = ready_database(ctx)
    options = RetrainOptions(
        brand, corpus, public_sets, yardstick_split, dry_run, models_dir, weight
    )
    try:
        report = retrain(settings.database_url, options, now=utcnow(), echo=click.echo)
    except RetrainInputError as exc:
        raise BadRetrainInput(str(exc)) from None
    for line in render(report):
        click.echo(line)
