"""The embedded workers in processes of their own, beside the web app (ADR 106).

A process has one interpreter lock. With the web app, the pipeline and the automate stage in
threads of one process, they took turns on one core of two: at 250 posts/s the lock was held
58 % of the time, and that was the embedded default's ceiling. A child process runs the same
`Worker` on the same database and bus table, and a second one, at a lower priority, the
periodic work (a report-facts refresh over a minute of new cases took 24–60 s of CPU at 300
posts/s, and stalled the posts behind it when it shared their process). The parent tells the
workers at once when a publish commits (the embedded bus's wake-ups stop at a process's
edge), each child hands its counters back each second (so the web app's /metrics still
counts every stage), and a child that dies is started again.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from atdesk.config import Settings
from atdesk.observability.counters import Totals, add_totals, totals
from atdesk.observability.logs import configure_logging
from atdesk.pipeline.embedded_bus import ARRIVALS
from atdesk.pipeline.factory import make_bus
from atdesk.worker import STOP_WAIT_S, Housekeeping, Worker, wire

log = logging.getLogger(__name__)

WAKE = "wake"  # parent → child: a publish committed; look at the bus now
STOP = "stop"  # parent → child: finish the batch in hand and leave
COUNTS = "counts"  # child → parent: what was counted since the last hand-over
COUNTS_EVERY_S = 1.0
RESTART_MAX_S = 30.0  # the longest wait before starting a child that keeps dying
STEADY_S = 60.0  # a child that ran this long had no trouble starting: restart at once
PERIODIC_NICE = 10  # the periodic work yields the cores to the posts and the pages


class EmbeddedWorkers:
    """Start, feed, watch and stop the two children; `start` returns at once."""

    def __init__(self, settings: Settings) -> None:
        self._stopping = threading.Event()
        self.workers = _Child(settings, periodic=False, stopping=self._stopping)
        self.periodic = _Child(settings, periodic=True, stopping=self._stopping)
        self._forwarder: threading.Thread | None = None

    def start(self) -> EmbeddedWorkers:
        """Start both children, and a daemon thread forwarding wake-ups to the workers."""
        self.workers.start()
        self.periodic.start()
        self._forwarder = threading.Thread(
            target=self._forward_wakeups, name="atdesk-workers-wake", daemon=True
        )
        self._forwarder.start()
        return self

    def stop(self) -> None:
        """Ask both children to finish what they hold and leave; after STOP_WAIT_S, end them."""
        self._stopping.set()
        ARRIVALS.notify()  # the wake-up thread returns
        for child in (self.workers, self.periodic):
            child.send(STOP)
        for child in (self.workers, self.periodic):
            child.stop()
        if self._forwarder is not None:
            self._forwarder.join(timeout=5)

    def _forward_wakeups(self) -> None:
        """Each commit that published in this process (a webhook, the events API) wakes the
        workers' idle consumers, as it would wake threads beside it."""
        seen = ARRIVALS.count
        while not self._stopping.is_set():
            ARRIVALS.wait(seen, 1.0)
            if ARRIVALS.count != seen and not self._stopping.is_set():
                seen = ARRIVALS.count
                self.workers.send(WAKE)


class _Child:
    """One child process, started again whenever it exits while the server runs."""

    def __init__(self, settings: Settings, *, periodic: bool, stopping: threading.Event) -> None:
        self.settings = settings
        self.periodic = periodic
        self.name = "atdesk-periodic" if periodic else "atdesk-workers"
        self._stopping = stopping
        self._context = multiprocessing.get_context("spawn")  # no threads or sockets inherited
        self._send_lock = threading.Lock()
        self._conn: Connection | None = None
        self._process: BaseProcess | None = None
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        """Start the child, and a daemon thread that takes its counts and restarts it."""
        self._spawn()
        self._watcher = threading.Thread(
            target=self._supervise, name=f"{self.name}-watch", daemon=True
        )
        self._watcher.start()

    def send(self, message: str) -> None:
        """A word to the child; lost if it is gone (the watcher starts another)."""
        with self._send_lock:
            try:
                if self._conn is not None:
                    self._conn.send(message)
            except OSError:
                pass

    def stop(self) -> None:
        """Wait for the child to leave (it was sent STOP); after STOP_WAIT_S, end it."""
        process = self._process
        if process is not None:
            process.join(STOP_WAIT_S)
            if process.is_alive():
                log.warning("%s did not stop in %.0f s; ending it", self.name, STOP_WAIT_S)
                process.terminate()
                process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
        if self._watcher is not None:
            self._watcher.join(timeout=5)

    def _spawn(self) -> None:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=run_child,
            args=(self.settings, child, logging.getLogger().level, self.periodic),
            name=self.name,
            daemon=True,
        )
        process.start()
        child.close()  # the parent keeps its own end only: EOF reaches it when the child dies
        with self._send_lock:
            self._conn, self._process = parent, process

    def _supervise(self) -> None:
        """Take the child's counts until it exits; unless stopping, start another."""
        failures = 0
        while True:
            process, conn = self._process, self._conn
            assert process is not None
            assert conn is not None
            started = time.monotonic()
            _listen(process, conn)
            if self._stopping.is_set():
                return
            failures = 1 if time.monotonic() - started > STEADY_S else failures + 1
            pause = min(2.0 ** (failures - 1), RESTART_MAX_S)
            log.error(
                "%s exited (code %s); starting another in %.0f s",
                self.name,
                process.exitcode,
                pause,
            )
            if self._stopping.wait(pause):
                return
            self._spawn()


def _listen(process: BaseProcess, conn: Connection) -> None:
    """Add the child's counts to this process's until the child has exited."""
    while True:
        for ready in wait([conn, process.sentinel], timeout=1.0):
            if ready is conn and not _take_counts(conn):
                process.join()
                return
        if not process.is_alive():
            while conn.poll() and _take_counts(conn):
                pass
            return


def _take_counts(conn: Connection) -> bool:
    """Receive one message from the child and add its counts; False once it has closed."""
    try:
        message: tuple[str, Totals] = conn.recv()
    except (EOFError, OSError):
        return False
    kind, counts = message
    if kind == COUNTS:
        add_totals(counts)
    return True


def run_child(settings: Settings, conn: Connection, log_level: int, periodic: bool) -> None:
    """A child: the worker loops (or the periodic work, at a lower priority), a thread taking
    the parent's word, and one handing counts back."""
    # Ctrl-C reaches the whole terminal's process group: the parent stops us in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging(settings.log_format, level=log_level)
    wire()
    if periodic:
        os.nice(PERIODIC_NICE)
        work: _Work = _Periodic(settings)
    else:
        work = Worker(settings, periodic=False)
    signal.signal(signal.SIGTERM, lambda *_: work.stop())  # systemd stops the whole group
    counts = _Counts(conn)
    threading.Thread(target=_obey, args=(conn, work), daemon=True).start()
    threading.Thread(target=counts.loop, args=(work.stopping,), daemon=True).start()
    try:
        work.run()
    finally:
        counts.send()  # the last batch's counts too
        conn.close()


class _Work(Protocol):
    stopping: threading.Event

    def run(self) -> None: ...

    def stop(self) -> None: ...


class _Periodic:
    """The periodic work alone (auto-resolve, sends to confirm, spikes, emerging issues, report
    facts, retention, bus trimming), as `Worker.run` would run it in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.housekeeping = Housekeeping(settings, make_bus(settings))
        self.stopping = threading.Event()

    def run(self) -> None:
        self.housekeeping.loop(self.stopping)

    def stop(self) -> None:
        self.stopping.set()


def _obey(conn: Connection, work: _Work) -> None:
    """Wake on the parent's publishes; stop when asked, or when the parent is gone."""
    while True:
        try:
            message: Any = conn.recv()
        except (EOFError, OSError):
            work.stop()
            return
        if message == WAKE:
            ARRIVALS.notify()
        elif message == STOP:
            work.stop()
            return


class _Counts:
    """The child's counters, handed to the parent as what changed since the last hand-over."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()
        self.sent: Totals = {}

    def loop(self, stopping: threading.Event) -> None:
        while not stopping.wait(COUNTS_EVERY_S):
            self.send()

    def send(self) -> None:
        with self.lock:
            now = totals()
            change = {key: value - self.sent.get(key, 0.0) for key, value in now.items()}
            change = {key: amount for key, amount in change.items() if amount > 0}
            if not change:
                return
            try:
                self.conn.send((COUNTS, change))
            except OSError:  # the parent is gone; `_obey` stops the worker
                return
            self.sent = now
