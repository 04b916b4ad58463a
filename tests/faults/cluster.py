"""Real processes for the fault tests and the scale-out bench (bench/bench_scale.py).

Private PostgreSQL and Redis servers started through scripts/test-services in a directory and
on ports of their own (a test restarts them, so they are never the shared test servers),
`atdesk worker` processes a test kills with SIGKILL, and a live replay published to the
inbound stream the way a connector does (`bus.publish` in a transaction).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from atdesk.domain.posts import RawEvent
from atdesk.pipeline.bus import INBOUND
from atdesk.pipeline.redis_bus import GROUP, RedisBus, consumer_name, stream_name
from atdesk.storage.engine import get_engine, normalise_url
from atdesk.storage.session import transaction

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "test-services"
PG_PORT_ENV = "ATDESK_FAULT_PG_PORT"
REDIS_PORT_ENV = "ATDESK_FAULT_REDIS_PORT"
STATE_ENV = "ATDESK_FAULT_SERVICES_DIR"
SECRET = "fault-test-secret-key-0123456789"


def wait_for(check: Callable[[], bool], timeout: float, every: float = 0.25) -> bool:
    """Poll `check` until it holds or `timeout` seconds passed; errors count as not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return True
        except Exception:  # noqa: S110 (a server restarting answers with errors meanwhile)
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)


@dataclass
class Servers:
    """A PostgreSQL and a Redis of our own, which a test may restart mid-replay."""

    state_dir: Path
    pg_port: int
    redis_port: int

    @classmethod
    def from_env(cls) -> Servers:
        """Ports 55604/56604 unless the environment moves them; each pytest-xdist worker
        (gw0, gw1, ...) adds its number, so parallel runs never share a server."""
        offset = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
        state = os.environ.get(STATE_ENV) or f"/tmp/atdesk-faults-{os.getpid()}"
        return cls(
            Path(f"{state}-{offset}" if offset else state),
            int(os.environ.get(PG_PORT_ENV) or 55604) + offset,
            int(os.environ.get(REDIS_PORT_ENV) or 56604) + offset,
        )

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "ATDESK_TEST_SERVICES_DIR": str(self.state_dir),
            "ATDESK_TEST_PG_PORT": str(self.pg_port),
            "ATDESK_TEST_REDIS_PORT": str(self.redis_port),
        }

    @property
    def admin_url(self) -> str:
        """The server's maintenance database, to create and drop test databases."""
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/postgres"

    @property
    def redis_url(self) -> str:
        """Database 0 of our Redis."""
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def start(self) -> bool:
        """Start both (idempotent); False when PostgreSQL or Redis is not installed."""
        for attempt in range(3):  # a server still shutting down refuses to start for a moment
            done = subprocess.run(
                [str(SERVICES), "start"], env=self._env(), capture_output=True, text=True
            )
            if done.returncode == 0 or attempt == 2:
                break
            time.sleep(3)
        done.check_returncode()
        out = done.stdout
        return "ATDESK_TEST_POSTGRES_URL" in out and "ATDESK_TEST_REDIS_URL" in out

    def stop(self) -> None:
        """Stop both (only ours: our directory and ports)."""
        subprocess.run([str(SERVICES), "stop"], env=self._env(), capture_output=True, check=False)

    def restart_redis(self, down_s: float = 1.0) -> None:
        """Shut Redis down saving its data (as a persistent production Redis keeps it), stay
        down for `down_s`, start it again."""
        subprocess.run(
            ["redis-cli", "-p", str(self.redis_port), "shutdown", "save"],
            capture_output=True,
            check=False,
        )
        assert wait_for(lambda: not self._redis_up(), 10), "redis did not stop"
        time.sleep(down_s)
        self.start()
        assert wait_for(self._redis_up, 10), "redis did not come back"

    def _redis_up(self) -> bool:
        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False
        finally:
            client.close()

    def restart_postgres(self, down_s: float = 1.0) -> None:
        """Stop PostgreSQL (fast: open connections are cut), stay down, start it again."""
        data = self.state_dir / "pg"
        pg_ctl = next(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), None)
        assert pg_ctl is not None, "pg_ctl not found"
        command = f"{shlex.quote(str(pg_ctl))} -D {shlex.quote(str(data))} -m fast -w stop"
        if os.geteuid() == 0:
            subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", command], check=True)
        else:
            subprocess.run(["/bin/sh", "-c", command], check=True)
        time.sleep(down_s)
        self.start()

    def new_database(self, template: str | None = None) -> str:
        """A new database (a copy of `template` when given); returns its URL."""
        name = f"atdesk_f_{uuid.uuid4().hex[:10]}"
        admin = create_engine(normalise_url(self.admin_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        admin.dispose()
        return (
            make_url(normalise_url(self.admin_url))
            .set(database=name)
            .render_as_string(hide_password=False)
        )

    def drop_database(self, url: str) -> None:
        """Remove a database made by `new_database`."""
        get_engine(url).dispose()
        name = make_url(url).database
        admin = create_engine(normalise_url(self.admin_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def pids(self) -> dict[str, list[int]]:
        """The server processes, for CPU accounting: PostgreSQL's postmaster, then Redis."""
        postmaster = self.state_dir / "pg" / "postmaster.pid"
        pg = [int(postmaster.read_text().split()[0])] if postmaster.exists() else []
        found = subprocess.run(
            ["pgrep", "-f", f"redis-server 127.0.0.1:{self.redis_port}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        return {"postgres": pg, "redis": [int(p) for p in found]}


@dataclass
class Workers:
    """`atdesk worker` processes on one database and Redis, as an operator runs them."""

    database_url: str
    redis_url: str
    log_dir: Path
    reclaim_idle_ms: int = 3000
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _logs: list[IO[bytes]] = field(default_factory=list)

    def start(self, count: int = 1) -> list[subprocess.Popen[bytes]]:
        """Start `count` more workers; each logs to its own file in log_dir."""
        env = {
            **os.environ,
            "ATDESK_DATABASE_URL": self.database_url,
            "ATDESK_REDIS_URL": self.redis_url,
            "ATDESK_SECRET_KEY": SECRET,
            "ATDESK_REDIS_RECLAIM_IDLE_MS": str(self.reclaim_idle_ms),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            **self.extra_env,
        }
        started = []
        for _ in range(count):
            index = len(self.processes)
            log = (self.log_dir / f"worker-{index}.log").open("wb")
            process = subprocess.Popen(
                [sys.executable, "-m", "atdesk.cli", "-v", "worker"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=str(self.log_dir),
            )
            self._logs.append(log)
            self.processes.append(process)
            started.append(process)
        return started

    def wait_consuming(self, timeout: float = 180.0) -> None:
        """Until every live worker is in its read loop: its named connection is on Redis
        (start-up takes many seconds on a busy machine; a fault before it would test nothing)."""
        client = redis.Redis.from_url(self.redis_url)
        deadline = time.monotonic() + timeout
        while True:
            names = {str(c.get("name")) for c in client.client_list()}
            waiting = [p for p in self.alive() if consumer_name(p.pid) not in names]
            if not waiting:
                break
            if time.monotonic() > deadline or not self.alive():
                raise RuntimeError(f"workers did not start reading\n{self.logs()}")
            time.sleep(0.2)
        client.close()

    def kill(self, index: int) -> None:
        """SIGKILL: the worker dies wherever it is, holding whatever it read."""
        process = self.processes[index]
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def alive(self) -> list[subprocess.Popen[bytes]]:
        """Workers still running."""
        return [p for p in self.processes if p.poll() is None]

    def stop(self, timeout: float = 20.0) -> None:
        """Ctrl-C every worker (it finishes its pass), SIGKILL what does not stop in time."""
        for process in self.alive():
            process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        for log in self._logs:
            log.close()

    def logs(self) -> str:
        """Everything the workers wrote, for a failing test's message."""
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.log_dir.glob("worker-*.log"))
        )


def consumers(client: redis.Redis, topic: str) -> int:
    """Consumers the group has seen on a topic's stream (each worker is one)."""
    try:
        return len(client.xinfo_consumers(stream_name(topic), GROUP))
    except redis.ResponseError:
        return 0


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User+system CPU of a process (and its reaped children), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = float(os.sysconf("SC_CLK_TCK"))
    # After the command: state is field 0, so utime/stime/cutime/cstime are 11..14.
    used = int(fields[11]) + int(fields[12])
    if children:
        used += int(fields[13]) + int(fields[14])
    return used / ticks


def children_of(pid: int) -> list[int]:
    """Direct children of a process (PostgreSQL's backends under the postmaster)."""
    found = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    return [int(p) for p in found]


def publish_live(
    bus: RedisBus,
    database_url: str,
    events: Sequence[RawEvent],
    *,
    batch: int = 50,
    pause_s: float = 0.0,
    at: dict[int, Callable[[], Any]] | None = None,
) -> None:
    """Publish as a connector does, `batch` events per transaction; start `at[i]` in a thread
    when the batch that starts at event i is due (the fault, while traffic keeps coming)."""
    actions = dict(at or {})
    faults: list[threading.Thread] = []
    for start in range(0, len(events), batch):
        for when in sorted(k for k in actions if k <= start):
            thread = threading.Thread(target=actions.pop(when), name=f"fault-at-{when}")
            thread.start()
            faults.append(thread)
        chunk = [event.to_json() for event in events[start : start + batch]]
        for attempt in range(60):
            try:
                with transaction(database_url) as session:
                    bus.publish(session, INBOUND, chunk)
                break
            except Exception:
                # The database or Redis restarting: a connector tries the batch again.
                if attempt == 59:
                    raise
                time.sleep(0.5)
        if pause_s:
            time.sleep(pause_s)
    for when in sorted(actions):
        actions.pop(when)()
    for thread in faults:
        thread.join()


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
