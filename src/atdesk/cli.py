"""The `atdesk` command: every subcommand with a one-line description, and no tracebacks."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from tqdm import tqdm

from atdesk import __version__
from atdesk.accounts import commands as account_commands
from atdesk.accounts.passwords import WeakPassword
from atdesk.accounts.service import AccountError, create_token, create_user, find_user
from atdesk.automations.engine import commands as automation_commands
from atdesk.brands.service import BrandError, create_brand
from atdesk.channels.replay.errors import ReplayFormatError
from atdesk.clicontext import ready_database, settings_from
from atdesk.config import MissingSecretKey, Settings
from atdesk.customers import commands as customer_commands
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network, parse_network
from atdesk.emulators import commands as channel_commands
from atdesk.insights import commands as insight_commands
from atdesk.insights.spikes import commands as spike_commands
from atdesk.keyfile import with_secret_key
from atdesk.lifecycle import commands as lifecycle_commands
from atdesk.observability.logs import configure_logging
from atdesk.pipeline.bus import Bus
from atdesk.pipeline.threads import PostNotFound, thread_of
from atdesk.reports import commands as report_commands
from atdesk.respond.outbox import Outbox
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction
from atdesk.triage import commands as triage_commands
from atdesk.worker import wire

USER_ERRORS: tuple[type[Exception], ...] = (
    AccountError,
    BrandError,
    ReplayFormatError,
    PostNotFound,
    WeakPassword,
    FileNotFoundError,
    PermissionError,
    IsADirectoryError,
    MissingSecretKey,
    UnicodeDecodeError,
)


class AtdeskGroup(click.Group):
    """Turns known failures into one clear line and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            raise click.ClickException(str(exc)) from None
        except OperationalError as exc:
            raise click.ClickException(
                f"cannot use the database: {exc.orig}. Check ATDESK_DATABASE_URL."
            ) from None
        except SQLAlchemyError as exc:
            raise click.ClickException(f"database error: {exc}") from None
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(
    cls=AtdeskGroup,
    context_settings={
        "help_option_names": ["-h", "--help"],
        "max_content_width": 120,
        "terminal_width": 120,
    },
)
@click.version_option(__version__, prog_name="atdesk")
@click.option("--config", type=click.Path(dir_okay=False), help="YAML file with ATDESK_* keys.")
@click.option("-v", "--verbose", is_flag=True, help="Log what the workers do.")
@click.pass_context
def main(ctx: click.Context, config: str | None, verbose: bool) -> None:
    """atdesk: social customer care, where @ is the new 1-800."""
    ctx.ensure_object(dict)["config"] = config
    wire()
    configure_logging(
        settings_from(ctx).log_format, level=logging.INFO if verbose else logging.WARNING
    )


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--live",
    is_flag=True,
    help="The posts arrive now, as a network's: working cases, automations run, replies go out.",
)
@click.option(
    "--wait",
    is_flag=True,
    help="With ATDESK_REDIS_URL: return once the workers have handled every post published.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=300.0,
    show_default=True,
    help="Seconds --live waits for the posts to be handled before giving up (exit 1).",
)
@click.pass_context
def ingest(ctx: click.Context, file: Path, live: bool, wait: bool, timeout: float) -> None:
    """Load a twcs CSV or JSON Lines file through the whole pipeline (as history unless --live)."""
    from atdesk.pipeline.ingest import ingest_file

    if wait and not live:
        raise click.UsageError("--wait goes with --live (a history ingest always finishes)")
    settings = ready_database(ctx)
    if live:
        _ingest_live(settings, file, wait=wait, timeout=timeout)
        return
    with tqdm(desc=f"ingest {file.name}", unit=" posts", file=sys.stderr, leave=True) as bar:
        report = ingest_file(
            file,
            settings.database_url,
            progress=bar.update,
            warn=lambda message: tqdm.write(f"warning: {message}", file=sys.stderr),
        )
    for error in report.bad_rows:
        click.echo(f"skipped {error}", err=True)
    for message in report.pipeline.invalid:
        click.echo(f"skipped {message}", err=True)
    for message in report.pipeline.conflicts:
        click.echo(f"warning: {message}", err=True)
    skipped = len(report.bad_rows) + len(report.pipeline.invalid)
    rate = report.rows / report.seconds if report.seconds else 0.0
    click.echo(
        f"{report.rows} rows read, {report.pipeline.stored} new posts, "
        f"{report.pipeline.repeats} already stored, "
        f"{len(report.pipeline.conflicts)} already stored with different text (kept), "
        f"{report.pipeline.updated} updated, "
        f"{report.pipeline.filtered} filtered, {skipped} bad rows skipped; "
        f"{report.cases_opened} cases opened, {report.auto_resolved} auto-resolved; "
        f"{report.brands_created} brands registered; {report.seconds:.1f} s ({rate:.0f} rows/s)"
    )


# A file's batch at once: larger than the worker's batches, which keep the bus fair to many
# publishers; here one command is the publisher.
LIVE_INBOUND_BATCH = 1000
LIVE_AUTOMATE_BATCH = 500


class EmbeddedDrain:
    """What `atdesk ingest --live` runs in its own process on the embedded bus: the worker's
    inbound stage, then its automation runner (case events, surveys, due jobs), once per call."""

    def __init__(self, settings: Settings, bus: Bus, *, outbox: Outbox | None = None) -> None:
        from atdesk.automations.engine.stage import inbound_handler
        from atdesk.worker import AutomationRunner

        self.bus = bus
        self.handle_inbound = inbound_handler(bus)
        self.automations = AutomationRunner(settings, bus, outbox=outbox)

    def __call__(self) -> int:
        """Handle one batch of each; 0 when nothing was waiting."""
        from atdesk.pipeline.bus import INBOUND

        handled = self.bus.consume(INBOUND, self.handle_inbound, batch_size=LIVE_INBOUND_BATCH)
        return handled + self.automations.run_once(batch_size=LIVE_AUTOMATE_BATCH)

    def close(self) -> None:
        """Release the automation runner's HTTP pool."""
        self.automations.close()


def _ingest_live(settings: Settings, file: Path, *, wait: bool, timeout: float) -> None:
    """`atdesk ingest --live`: on the embedded bus this process drains what it publishes (the
    inbound stage, then the automations and their due jobs); on Redis the workers do."""
    from atdesk.connectors.push import LiveTimeout, ingest_live
    from atdesk.models.base import utcnow
    from atdesk.pipeline.factory import make_bus

    bus = make_bus(settings)
    drain = None if settings.redis_url else EmbeddedDrain(settings, bus)
    try:
        with tqdm(desc=f"live {file.name}", unit=" posts", file=sys.stderr, leave=True) as bar:
            report = ingest_live(
                file,
                settings.database_url,
                bus,
                clock=utcnow,
                drain=drain,
                wait=wait,
                timeout_s=timeout,
                progress=bar.update,
                warn=lambda message: tqdm.write(f"warning: {message}", file=sys.stderr),
            )
    except LiveTimeout as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if drain is not None:
            drain.close()
    for error in report.bad_rows:
        click.echo(f"skipped {error}", err=True)
    summary = (
        f"{report.rows} rows read, {report.published} posts published live"
        f" ({report.already_stored} already stored), {len(report.bad_rows)} bad rows skipped;"
        f" {report.brands_created} brands registered"
    )
    if report.outcome is not None:
        done = report.outcome
        summary += (
            f"; handled: {done.stored} posts stored, {done.on_cases} on cases,"
            f" {done.rules_acted} automation rule runs"
        )
    else:
        summary += "; queued for the `atdesk worker` processes (--wait to wait for them)"
    click.echo(f"{summary}; {report.seconds:.1f} s")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts of posts, conversations, cases, customers and filtered posts."""
    from atdesk.pipeline.stats import counts

    settings = ready_database(ctx)
    with transaction(settings.database_url) as session:
        data = counts(session)
    if as_json:
        click.echo(json.dumps(data, sort_keys=True))
    else:
        for key, value in data.items():
            click.echo(f"{key:>16}: {value}")


@main.command()
@click.argument("post_id")
@click.option("--network", default="x", show_default=True, help="x, mastodon or bluesky.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def thread(ctx: click.Context, post_id: str, network: str, as_json: bool) -> None:
    """The conversation that holds a post: its id and the posts in time order."""
    parsed = parse_network(network)
    settings = ready_database(ctx)
    with transaction(settings.database_url) as session:
        data = thread_of(session, parsed, post_id)
    if as_json:
        click.echo(json.dumps(data))
    else:
        click.echo(f"conversation {data['conversation_id']}: {' '.join(data['posts'])}")


@main.group()
def users() -> None:
    """Manage agents, supervisors and admins."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--display-name", default="", help="Shown in the UI; defaults to NAME.")
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, display_name: str) -> None:
    """Add a user; the password is read from standard input."""
    settings = ready_database(ctx)
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise click.ClickException(
            "no password on standard input (echo 'secret-pass' | atdesk users add ...)"
        )
    with transaction(settings.database_url) as session:
        user = create_user(
            session, username=name, password=password, role=Role(role), display_name=display_name
        )
    click.echo(f"user {user.username} ({user.role}) created")


@main.group()
def tokens() -> None:
    """Manage API tokens for scripts."""


@tokens.command("add")
@click.argument("user")
@click.option("--name", default="", help="What the token is for.")
@click.pass_context
def tokens_add(ctx: click.Context, user: str, name: str) -> None:
    """Print a new API token for USER (send it as 'Authorization: Bearer ...')."""
    settings = ready_database(ctx)
    with transaction(settings.database_url) as session:
        token = create_token(session, find_user(session, user), name=name)
    click.echo(token)


@main.group()
def brands() -> None:
    """Manage brands and their network accounts."""


@brands.command("add")
@click.argument("name")
@click.option("--x-handle", help="The brand's X username.")
@click.option("--x-user-id", help="The brand's numeric X user id.")
@click.option("--mastodon-acct", help="The brand's Mastodon account (user@instance).")
@click.option("--bluesky-handle", help="The brand's Bluesky handle.")
@click.pass_context
def brands_add(
    ctx: click.Context,
    name: str,
    x_handle: str | None,
    x_user_id: str | None,
    mastodon_acct: str | None,
    bluesky_handle: str | None,
) -> None:
    """Add a brand and its accounts on each network."""
    if x_user_id and not x_handle:
        raise click.UsageError("--x-user-id needs --x-handle")
    if x_user_id and not x_user_id.isdigit():
        raise click.BadParameter("must be the numeric X user id", param_hint="--x-user-id")
    accounts: list[tuple[Network, str, str | None]] = []
    if x_handle:
        accounts.append((Network.X, x_handle, x_user_id))
    if mastodon_acct:
        accounts.append((Network.MASTODON, mastodon_acct, None))
    if bluesky_handle:
        accounts.append((Network.BLUESKY, bluesky_handle, None))
    settings = ready_database(ctx)
    with transaction(settings.database_url) as session:
        brand = create_brand(session, name, accounts)
    click.echo(f"brand {brand.name} created with {len(accounts)} account(s)")


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply every pending migration."""
    settings = ready_database(ctx)
    click.echo(f"database at the newest schema: {settings.database_url.split('@')[-1]}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-workers", is_flag=True, help="Web only, even without Redis.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, no_workers: bool) -> None:
    """Run the web app and API (and, with no Redis configured, the embedded workers)."""
    from atdesk.web.server import run_server

    settings = with_secret_key(ready_database(ctx))
    run_server(
        settings, host=host, port=port, embedded_workers=not no_workers and not settings.redis_url
    )


@main.command()
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    help="Serve this worker's Prometheus counters on this port (GET /metrics).",
)
@click.option(
    "--metrics-host",
    default="127.0.0.1",
    show_default=True,
    help="Address for --metrics-port; the counters name no brand.",
)
@click.pass_context
def worker(ctx: click.Context, metrics_port: int | None, metrics_host: str) -> None:
    """Run pipeline workers only (scale-out; needs ATDESK_REDIS_URL)."""
    from atdesk.worker import Worker

    settings = with_secret_key(ready_database(ctx))
    if not settings.redis_url:
        raise click.ClickException(
            "atdesk worker needs ATDESK_REDIS_URL; without it, `atdesk serve` runs the workers"
        )
    if metrics_port is not None:
        from prometheus_client import start_http_server

        try:
            start_http_server(metrics_port, addr=metrics_host)
        except OSError as exc:
            raise click.ClickException(
                f"cannot serve metrics on {metrics_host}:{metrics_port}: {exc.strerror or exc}"
            ) from None
        click.echo(f"worker metrics on http://{metrics_host}:{metrics_port}/metrics", err=True)
    click.echo("worker running; Ctrl-C to stop", err=True)
    running = Worker(settings)
    # systemd (and most supervisors) stop with SIGTERM: finish the batch in hand, then leave.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: running.stop())
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stop as SIGTERM does
        running.run()
    click.echo("worker stopped", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--database",
    "database_path",
    default="atdesk.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite file for the demo.",
)
@click.option(
    "--no-replay", is_flag=True, help="Skip the twcs replay even when the data is present."
)
@click.option("--no-serve", is_flag=True, help="Load the demo data and exit.")
@click.pass_context
def demo(
    ctx: click.Context, host: str, port: int, database_path: str, no_replay: bool, no_serve: bool
) -> None:
    """Set up the embedded default with demo data, print a login, and serve it."""
    from dataclasses import replace

    from atdesk.demo.setup import prepare_demo
    from atdesk.web.server import run_server

    base = settings_from(ctx)
    settings = replace(
        base,
        public_url=os.environ.get("ATDESK_PUBLIC_URL") or f"http://{host}:{port}",
        database_url=os.environ.get("ATDESK_DATABASE_URL")
        or f"sqlite:///{Path(database_path).resolve()}",
    )
    upgrade(settings.database_url)
    settings = with_secret_key(settings)
    summary = prepare_demo(settings, replay=not no_replay, echo=lambda m: click.echo(m, err=True))
    click.echo("")
    click.echo(f"  atdesk demo ready: http://{host}:{port}/")
    click.echo(f"  login: {summary.username} / {summary.password}")
    click.echo("  the same password logs in agents ana and leo and supervisor sam;")
    click.echo("  ana's inbox holds the live scenarios (Harbor Bank, Cable Co), leo's City Works")
    click.echo(f"  database: {settings.database_url}")
    click.echo("")
    if no_serve:  # loaded and leaving: the emulators and the demo's actors stop with us
        if summary.live is not None:
            summary.live.stop()
        return
    run_server(settings, host=host, port=port, embedded_workers=True)


for command in [
    *account_commands.commands,
    *triage_commands.commands,
    *channel_commands.commands,
    *customer_commands.commands,
    *automation_commands.commands,
    *spike_commands.commands,
    *insight_commands.commands,
    *report_commands.commands,
]:
    main.add_command(command)
customer_commands.customers.add_command(lifecycle_commands.erase)


if __name__ == "__main__":
    main()
