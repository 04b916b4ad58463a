"""`atdesk serve` on the embedded default runs its workers in a process of their own and the
periodic work in another, at a lower priority (ADR 106): a webhook's post reaches a case
through them, /metrics counts their work, a killed one is started again, and Ctrl-C stops all
three processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from atdesk.brands.service import create_brand
from atdesk.domain.networks import Network
from atdesk.models import Post
from atdesk.storage.session import transaction
from atdesk.web.embedded_workers import PERIODIC_NICE
from tests.channels.payloads import load
from tests.conftest import shared_data_dir
from tests.connectors.conftest import BRAND, BRAND_USER_ID, SECRET
from tests.connectors.test_x_webhook_route import signed
from tests.web.server import free_port

WAIT_S = 120.0  # imports and models on a busy 2-core machine, twice (parent and child)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    database_url: str
    log: Path

    def children(self) -> dict[int, int]:
        """The server's spawned children (multiprocessing's resource tracker, also a child, is
        not spawned that way), each with its nice value: the workers run at the server's
        priority, the periodic work below it."""
        out = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                spawned = b"spawn_main" in (stat.parent / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid and fields[0] != "Z" and spawned:
                out[int(stat.parent.name)] = int(fields[16])
        return out

    def workers(self) -> int | None:
        """The workers' process, once started."""
        children = self.children()
        return next((pid for pid, nice in children.items() if nice == 0), None)

    def deliver(self, post_id: str, text: str) -> None:
        payload: dict[str, Any] = load("x_aa_tweet_create.json")
        tweet = payload["tweet_create_events"][0]
        tweet.update(id=int(post_id), id_str=post_id, text=f"@{BRAND} {text}")
        tweet.pop("in_reply_to_status_id_str", None)
        body = json.dumps(payload).encode()
        answer = httpx.post(f"{self.url}/webhooks/x", content=body, headers=signed(body))
        assert answer.status_code == 200, answer.text

    def case_of(self, post_id: str) -> int | None:
        with transaction(self.database_url) as session:
            return session.scalar(select(Post.case_id).where(Post.native_id == post_id))

    def stored(self) -> float:
        text = httpx.get(f"{self.url}/metrics").raise_for_status().text
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "atdesk_stage_items_total" and sample.labels == {"stage": "stored"}
        )


def wait_for(what: str, check: Callable[[], Any], server: Server) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log.read_text(errors="replace")[-3000:]
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what} within {WAIT_S:g} s; log:\n" + server.log.read_text()[-3000:])


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    with transaction(sqlite_url) as session:
        create_brand(session, "City Works", [(Network.X, BRAND, BRAND_USER_ID)])
    port = free_port()
    env = {
        **os.environ,
        "ATDESK_DATABASE_URL": sqlite_url,
        "ATDESK_SECRET_KEY": "test-secret-key-0123456789",
        "ATDESK_X_CONSUMER_SECRET": SECRET,
        "ATDESK_DATA_DIR": str(shared_data_dir()),
        "ATDESK_X_API_BASE": "http://127.0.0.1:9",  # nothing listens: no send leaves the machine
    }
    env.pop("ATDESK_REDIS_URL", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "atdesk.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal would give it
        )
    running = Server(process, f"http://127.0.0.1:{port}", sqlite_url, log)
    try:
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def answers(server: Server) -> bool:
    try:
        return httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_workers_process_stores_posts_is_restarted_and_stops_with_the_server(
    server: Server,
) -> None:
    wait_for("/healthz answers", lambda: answers(server), server)
    # The periodic work lowers its priority once it runs (after its imports).
    wait_for(
        "the workers' process and, below it, the periodic work's",
        lambda: sorted(server.children().values()) == [0, PERIODIC_NICE],
        server,
    )
    child = server.workers()
    assert child is not None

    server.deliver("1899000000000000201", "streetlight out on Elm St again")
    wait_for("the post in a case", lambda: server.case_of("1899000000000000201"), server)
    # Counted in the child, handed to the web process: its /metrics shows the stored post.
    wait_for("/metrics counting the stored post", lambda: server.stored() >= 1, server)

    os.kill(child, signal.SIGKILL)
    wait_for("a new workers' process", lambda: server.workers() not in (None, child), server)
    server.deliver("1899000000000000202", "the bin on Oak Ave was not collected")
    wait_for("the next post in a case", lambda: server.case_of("1899000000000000202"), server)

    running = list(server.children())
    assert len(running) == 2
    os.killpg(server.process.pid, signal.SIGINT)  # Ctrl-C in the terminal
    assert server.process.wait(60) == 0
    assert all(not Path(f"/proc/{pid}").exists() or _zombie(pid) for pid in running), "stopped"
    assert "Traceback" not in server.log.read_text(errors="replace")


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
