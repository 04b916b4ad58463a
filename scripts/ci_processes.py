"""CI: atdesk as a deployment runs it, each part its own process (docs/deployment.md).

PostgreSQL and Redis (scripts/test-services, on ports and in a folder of their own), then
`atdesk db upgrade`, `atdesk serve --no-workers` and two `atdesk worker`, as the systemd units
start them. A live post goes in through each way a deployment receives posts (DRIVERS: a
signed X webhook for a registered brand, and POST /api/v1/events; more are one function each),
and the check waits, bounded, for its case in the API, for /readyz, and for /metrics of the web
and of the workers to show the work. Everything started is stopped, also on failure; the
processes' logs are printed then.

Usage: .venv/bin/python scripts/ci_processes.py   (installs nothing; about 30 s on 2 cores)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx
import psycopg
import redis
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {
    "ATDESK_TEST_SERVICES_DIR": os.environ.get(
        "ATDESK_CI_SERVICES_DIR",
        "/tmp/atdesk-ci-processes",  # noqa: S108 (like test-services)
    ),
    "ATDESK_TEST_PG_PORT": os.environ.get("ATDESK_CI_PG_PORT", "55605"),
    "ATDESK_TEST_REDIS_PORT": os.environ.get("ATDESK_CI_REDIS_PORT", "56605"),
}
DATABASE = "atdesk_ci_processes"
BRAND, BRAND_HANDLE, BRAND_USER_ID = "Acme", "acmehelp", "1200000000"
# Each wait's bound: generous, since a CI machine may be busy (processes start in ~5 s idle).
WAIT_S = 120.0


class Failed(Exception):
    """A check did not hold; the message says which."""


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, check: Callable[[], object], timeout: float = WAIT_S) -> object:
    """Poll until `check` returns something true; Failed after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (httpx.HTTPError, OSError, KeyError, ValueError) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(0.25)
    raise Failed(f"{what}: not within {timeout:.0f} s (last: {last!r})")


@dataclass
class Deployment:
    """The running processes, their logs, and what a client of them needs."""

    env: dict[str, str]
    logs: Path
    web_url: str = ""
    worker_metrics: list[str] = field(default_factory=list)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    api_token: str = ""

    def atdesk(self, *args: str) -> str:
        """Run one `atdesk` command to completion; its standard output."""
        done = subprocess.run(  # noqa: S603 (our own command)
            [sys.executable, "-m", "atdesk.cli", *args],
            capture_output=True,
            env=self.env,
            timeout=120,
            check=False,
        )
        if done.returncode:
            raise Failed(f"atdesk {' '.join(args)}: {done.stderr.decode()[-2000:]}")
        return done.stdout.decode()

    def start(self, name: str, *args: str) -> None:
        """Start a long-running `atdesk` process with its log in a file."""
        log = (self.logs / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(  # noqa: S603 (our own command)
            [sys.executable, "-m", "atdesk.cli", "-v", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
        )

    def stop(self) -> None:
        """SIGTERM, as systemd stops a unit (workers finish their batch, uvicorn drains), then
        kill what is still running after 20 s."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for name, process in self.processes.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                print(f"ci-processes: {name} ignored SIGTERM for 20 s; killed", file=sys.stderr)
                process.kill()
                process.wait()

    def check_alive(self) -> None:
        """Every process is still running (a crash fails at once, not at a timeout)."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise Failed(f"{name} exited with status {process.returncode}")

    def client(self) -> httpx.Client:
        """An API client with the ops user's token."""
        return httpx.Client(
            base_url=self.web_url,
            headers={"Authorization": f"Bearer {self.api_token}"},
            timeout=10,
        )


def services_env() -> dict[str, str]:
    return {**os.environ, **SERVICES}


@contextmanager
def services() -> Iterator[tuple[str, str]]:
    """PostgreSQL and Redis of our own; a fresh database and an empty Redis; stopped after."""
    script = str(ROOT / "scripts" / "test-services")
    started = subprocess.run(  # noqa: S603 (our own script)
        [script, "start"], env=services_env(), capture_output=True, text=True, check=False
    )
    if started.returncode:
        raise Failed(f"scripts/test-services start: {started.stderr}")
    exported = dict(
        line.removeprefix("export ").split("=", 1)
        for line in started.stdout.splitlines()
        if line.startswith("export ")
    )
    try:
        admin_url = exported["ATDESK_TEST_POSTGRES_URL"]
        redis_url = exported["ATDESK_TEST_REDIS_URL"]
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {DATABASE}")
        client = redis.Redis.from_url(redis_url)
        client.flushdb()
        client.close()
        yield admin_url.rsplit("/", 1)[0] + f"/{DATABASE}", redis_url
    finally:
        subprocess.run([script, "stop"], env=services_env(), check=False)  # noqa: S603


def register(database_url: str) -> str:
    """The brand (its X user id is the webhook's for_user_id) and an admin's API token, written
    while the processes start (the writes of `atdesk brands add`, `users add`, `tokens add`)."""
    from atdesk.accounts.service import create_token, create_user
    from atdesk.brands.service import create_brand
    from atdesk.domain.cases import Role
    from atdesk.domain.networks import Network
    from atdesk.storage.session import transaction

    with transaction(database_url) as session:
        create_brand(session, BRAND, [(Network.X, BRAND_HANDLE, BRAND_USER_ID)])
        user = create_user(
            session, username="ops", password=secrets.token_urlsafe(16), role=Role.ADMIN
        )
        return create_token(session, user, name="ci-processes")


# ---- the ways a live post comes in: each returns the native id of the post it sent ----------


def send_signed_x_webhook(deployment: Deployment) -> str:
    """An X Account Activity delivery for the brand's user id, signed with the consumer secret."""
    native_id = str(1_990_000_000_000_000_000 + secrets.randbelow(10**9))
    payload = {
        "for_user_id": BRAND_USER_ID,
        "tweet_create_events": [
            {
                "created_at": "Mon Mar 02 09:00:00 +0000 2026",
                "id": int(native_id),
                "id_str": native_id,
                "text": f"@{BRAND_HANDLE} my parcel never arrived, order 5521, please help",
                "user": {"id_str": "4400000077", "screen_name": "ci_customer", "name": "CI"},
                "entities": {
                    "hashtags": [],
                    "urls": [],
                    "symbols": [],
                    "user_mentions": [
                        {"screen_name": BRAND_HANDLE, "id_str": BRAND_USER_ID, "indices": [0, 9]}
                    ],
                },
                "lang": "en",
                "timestamp_ms": "1772442000000",
            }
        ],
    }
    body = json.dumps(payload).encode()
    secret = deployment.env["ATDESK_X_CONSUMER_SECRET"].encode()
    digest = hmac.new(secret, body, hashlib.sha256).digest()
    signature = "sha256=" + base64.b64encode(digest).decode()
    request_id = f"ci-webhook-{native_id}"
    response = httpx.post(
        f"{deployment.web_url}/webhooks/x",
        content=body,
        headers={
            "x-twitter-webhooks-signature": signature,
            "content-type": "application/json",
            "X-Request-ID": request_id,
        },
        timeout=10,
    )
    if response.status_code != 200:
        raise Failed(f"POST /webhooks/x answered {response.status_code}: {response.text[:300]}")
    if response.headers.get("X-Request-ID") != request_id:
        raise Failed("POST /webhooks/x did not answer with the request's X-Request-ID")
    wait_for(
        "the web's JSON access log names the webhook's request id",
        lambda: request_id in (deployment.logs / "web.log").read_text(errors="replace"),
        timeout=5,
    )
    return native_id


def send_through_events_api(deployment: Deployment) -> str:
    """One post in the ingest format (SPEC §5) to POST /api/v1/events with the API token."""
    native_id = str(1_980_000_000_000_000_000 + secrets.randbelow(10**9))
    item = {
        "network": "x",
        "id": native_id,
        "text": f"@{BRAND_HANDLE} the app logs me out every hour, please fix",
        "created_at": "2026-03-02T09:05:00+00:00",
        "author": {"id": "4400000078", "handle": "ci_customer_two"},
        "in_reply_to": None,
    }
    with deployment.client() as api:
        response = api.post("/api/v1/events", json=[item])
    if response.status_code != 202:
        raise Failed(f"POST /api/v1/events answered {response.status_code}: {response.text[:300]}")
    return native_id


# Each way a live post comes in; a new one is one function above and one entry here.
DRIVERS: list[Callable[[Deployment], str]] = [send_signed_x_webhook, send_through_events_api]


# ---- the checks -----------------------------------------------------------------------------


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples that carry these labels (0 when there are none)."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def case_of(deployment: Deployment, native_id: str) -> dict[str, object] | None:
    """The case the API lists for this post, once the pipeline has opened it."""
    deployment.check_alive()
    with deployment.client() as api:
        posts = api.get("/api/v1/posts", params={"limit": 100}).raise_for_status().json()
        items = posts["items"] if isinstance(posts, dict) else posts
        post = next((p for p in items if str(p.get("native_id")) == native_id), None)
        if post is None or not post.get("case_id"):
            return None
        case: dict[str, object] = (
            api.get(f"/api/v1/cases/{post['case_id']}").raise_for_status().json()
        )
        return case


def workers_total(deployment: Deployment, stage: str) -> float:
    """A stage's count summed over the workers' own metrics ports."""
    return sum(
        metric(
            httpx.get(url, timeout=5).raise_for_status().text,
            "atdesk_stage_items_total",
            stage=stage,
        )
        for url in deployment.worker_metrics
    )


def workers_counted(deployment: Deployment, stage: str, at_least: int) -> bool:
    """The workers together counted at least this many items at this stage."""
    return workers_total(deployment, stage) >= at_least


def answers(url: str) -> bool:
    """The URL answers 200."""
    return httpx.get(url).status_code == 200


def run_checks(deployment: Deployment) -> None:
    web = deployment.web_url
    ready = wait_for(
        "GET /readyz answers 200", lambda: httpx.get(f"{web}/readyz").status_code == 200
    )
    assert ready
    checks = httpx.get(f"{web}/readyz").json()["checks"]
    if checks != {"database": "ok", "migrations": "ok", "redis": "ok"}:
        raise Failed(f"/readyz checks: {checks}")
    for url in deployment.worker_metrics:
        wait_for(f"worker metrics at {url}", partial(answers, url))
    if httpx.get(f"{web}/metrics").status_code != 401:
        raise Failed("/metrics answered without the metrics token")
    for drive in DRIVERS:
        started = time.monotonic()
        native_id = drive(deployment)
        case = wait_for(
            f"{drive.__name__}: the case of post {native_id} in the API",
            partial(case_of, deployment, native_id),
        )
        assert isinstance(case, dict)
        print(
            f"ci-processes: {drive.__name__}: post {native_id} -> case {case.get('id')} "
            f"({case.get('status')}) in {time.monotonic() - started:.1f} s"
        )
    for stage in ("received", "stored", "triaged", "cases_opened", "automated"):
        wait_for(
            f"the workers' metrics count {stage}",
            partial(workers_counted, deployment, stage, len(DRIVERS)),
        )
    headers = {"Authorization": f"Bearer {deployment.env['ATDESK_METRICS_TOKEN']}"}

    def web_metrics_settled() -> bool:
        text = httpx.get(f"{web}/metrics", headers=headers).raise_for_status().text
        return (
            metric(text, "atdesk_metrics_source_up", source="database") == 1
            and metric(text, "atdesk_metrics_source_up", source="bus") == 1
            and metric(text, "atdesk_queue_depth", topic="inbound") == 0
            and metric(text, "atdesk_queue_depth", topic="case-events") == 0
        )

    wait_for("the web's /metrics shows both queues drained", web_metrics_settled)
    deployment.check_alive()


def main() -> int:
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="atdesk-ci-processes-") as tmp,
        services() as (
            database_url,
            redis_url,
        ),
    ):
        env = {
            **os.environ,
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
            "ATDESK_DATABASE_URL": database_url,
            "ATDESK_REDIS_URL": redis_url,
            "ATDESK_SECRET_KEY": secrets.token_urlsafe(32),
            "ATDESK_X_CONSUMER_SECRET": secrets.token_urlsafe(24),
            "ATDESK_METRICS_TOKEN": secrets.token_urlsafe(24),
            "ATDESK_LOG_FORMAT": "json",
            # Nothing may reach a real network: every API base is a closed local port.
            "ATDESK_X_API_BASE": "http://127.0.0.1:9",
        }
        env.pop("ATDESK_CONFIG", None)
        deployment = Deployment(env=env, logs=Path(tmp))
        deployment.atdesk("db", "upgrade")
        port = free_port()
        deployment.web_url = f"http://127.0.0.1:{port}"
        try:
            deployment.start("web", "serve", "--no-workers", "--port", str(port))
            for n in (1, 2):
                metrics_port = free_port()
                deployment.worker_metrics.append(f"http://127.0.0.1:{metrics_port}/metrics")
                deployment.start(f"worker{n}", "worker", "--metrics-port", str(metrics_port))
            deployment.api_token = register(database_url)
            run_checks(deployment)
        except (Failed, AssertionError, httpx.HTTPError) as exc:
            deployment.stop()
            for log in sorted(deployment.logs.glob("*.log")):
                print(f"==== {log.name} (last 40 lines)", file=sys.stderr)
                lines = log.read_text(errors="replace").splitlines()
                print("\n".join(lines[-40:]), file=sys.stderr)
            print(f"ci-processes: FAILED: {exc}", file=sys.stderr)
            return 1
        finally:
            deployment.stop()  # also on any other error: nothing is left running
        stopped = {name: p.returncode for name, p in deployment.processes.items()}
        # uvicorn drains, then ends itself with the signal it got (-15); workers exit 0.
        clean = {"web": -signal.SIGTERM}
        if any(code != clean.get(name, 0) for name, code in stopped.items()):
            print(f"ci-processes: FAILED: not every process stopped cleanly: {stopped}")
            return 1
    print(
        f"ci-processes: web + 2 workers + PostgreSQL + Redis as separate processes: "
        f"{len(DRIVERS)} live post(s) to their cases, /readyz and /metrics checked, "
        f"{time.monotonic() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
