"""API saves while `atdesk serve` and `atdesk ingest` take in hostile posts (issue 10.5).

    .venv/bin/python bench/bench_write_locks.py [--src DIR] [--cases word,10mb,ingest]

Each case starts on a fresh SQLite file: brand Acme (@acmehelp), an admin with an API token,
one case. `atdesk serve` runs on a free port with its embedded worker; then the hostile input
arrives the live way, and a script keeps saving the case through the REST API
(`PATCH /api/v1/cases/{id}`) until the hostile post is stored, counting what waited and what
failed. `word`: an 8,000-character unbroken word published on the inbound topic (what the X
webhook and the connectors do), handled by serve's worker. `10mb`: the same with 10 MB of
customer text. `ingest`: `atdesk ingest` of a JSON Lines file whose middle line holds 1 MB of
text, while serve runs. `--src` runs serve and ingest from another checkout's `src` (the code
before a change, e.g. from `git archive`; the database is migrated by this checkout, so both
must know the same migrations). Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select  # noqa: E402

from atdesk.accounts.service import create_token, create_user  # noqa: E402
from atdesk.brands.service import create_brand  # noqa: E402
from atdesk.domain.cases import Role  # noqa: E402
from atdesk.domain.networks import Network  # noqa: E402
from atdesk.domain.posts import RawEvent  # noqa: E402
from atdesk.models import Case, Post  # noqa: E402
from atdesk.pipeline.bus import INBOUND  # noqa: E402
from atdesk.pipeline.embedded_bus import EmbeddedBus  # noqa: E402
from atdesk.pipeline.runner import process_events  # noqa: E402
from atdesk.storage.migrate import upgrade  # noqa: E402
from atdesk.storage.session import transaction  # noqa: E402
from atdesk.triage.baseline import RulesTriager  # noqa: E402

SECRET = secrets.token_urlsafe(32)
SENTENCE = "my router keeps dropping the connection every evening, please help "


def jsonl_post(native_id: str, text: str, author: str, handle: str) -> dict[str, Any]:
    """A post in the ingest format, written a minute ago."""
    when = datetime.now(UTC) - timedelta(minutes=1)
    return {
        "network": "x",
        "id": native_id,
        "text": text,
        "created_at": when.isoformat(),
        "author": {"id": author, "handle": handle},
    }


def seed(url: str) -> tuple[str, int]:
    """Acme, an admin's API token and one case to save; returns the token and the case id."""
    upgrade(url)
    with transaction(url) as session:
        create_brand(session, "Acme", [(Network.X, "acmehelp", "1200000000")])
        admin = create_user(
            session, username="bench", password=secrets.token_urlsafe(16), role=Role.ADMIN
        )
        token = create_token(session, admin, name="bench")
        first = jsonl_post("1", "@acmehelp my bill is wrong", "4400000001", "dana")
        process_events(session, [RawEvent("jsonl", first)], RulesTriager())
        case_id = session.scalars(select(Case.id)).one()
    return token, case_id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(url: str, src: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(src),
        "ATDESK_DATABASE_URL": url,
        "ATDESK_SECRET_KEY": SECRET,
    }


@dataclass
class Saves:
    """What the saving script saw: each save's seconds, and the failures' answers."""

    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def keep_saving(base: str, token: str, case_id: int, stop: threading.Event, saves: Saves) -> None:
    """Save the case again and again (priority high/normal) until told to stop."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=600) as client:
        n = 0
        while not stop.is_set():
            n += 1
            started = time.perf_counter()
            answer = client.patch(
                f"/api/v1/cases/{case_id}",
                json={"priority": "high" if n % 2 else "normal"},
                headers=headers,
            )
            saves.seconds.append(time.perf_counter() - started)
            if answer.status_code != 200:
                saves.failures.append(f"{answer.status_code} {answer.text[:120]}")
            time.sleep(0.05)


def publish(url: str, payload: dict[str, Any]) -> None:
    """Publish on the inbound topic, as the X webhook and the connectors do."""
    with transaction(url) as session:
        EmbeddedBus(url).publish(
            session, INBOUND, [{"source": "jsonl", "payload": payload, "line": None}]
        )


def stored(url: str, native_id: str) -> bool:
    with transaction(url) as session:
        count = session.scalar(select(func.count()).where(Post.native_id == native_id))
        return bool(count)


def run_case(name: str, src: Path) -> dict[str, Any]:
    """One case on a fresh database; returns the numbers for the table."""
    work = Path(tempfile.mkdtemp(prefix="atdesk-locks-"))
    url = f"sqlite:///{work / 'atdesk.db'}"
    token, case_id = seed(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = subprocess.Popen(
        [sys.executable, "-m", "atdesk.cli", "serve", "--port", str(port)],
        env=env_for(url, src),
        stdout=subprocess.DEVNULL,
        stderr=open(work / "serve.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    try:
        for _ in range(600):
            if serve.poll() is not None:
                raise SystemExit(f"atdesk serve stopped; see {work / 'serve.log'}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        # Warm the worker first (its first batch loads the models), as on a running desk.
        publish(url, jsonl_post("5", "@acmehelp hello", "4400000005", "eve"))
        while not stored(url, "5"):
            time.sleep(0.05)
        saves = Saves()
        stop = threading.Event()
        saver = threading.Thread(target=keep_saving, args=(base, token, case_id, stop, saves))
        saver.start()
        time.sleep(1.0)  # a few saves before the hostile input arrives
        started = time.perf_counter()
        if name == "ingest":
            path = work / "hostile.jsonl"
            lines = [
                jsonl_post("10", "@acmehelp the app will not open", "4400000010", "ann"),
                jsonl_post("11", "@acmehelp " + SENTENCE * 15_000, "4400000011", "bob"),
                jsonl_post("12", "@acmehelp my parcel is late", "4400000012", "cyd"),
            ]
            path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
            subprocess.run(
                [sys.executable, "-m", "atdesk.cli", "ingest", str(path)],
                env=env_for(url, src),
                check=True,
                capture_output=True,
            )
            target = "11"
        else:
            body = "x" * 8000 if name == "word" else SENTENCE * (10_000_000 // len(SENTENCE))
            payload = jsonl_post("20", f"@acmehelp {body}", "4400000020", "gus")
            publish(url, payload)
            target = "20"
        while not stored(url, target):
            time.sleep(0.05)
        handled_s = time.perf_counter() - started
        time.sleep(1.0)
        stop.set()
        saver.join()
    finally:
        serve.terminate()
        serve.wait(timeout=60)
    return {
        "case": name,
        "stored_after_s": round(handled_s, 2),
        "saves": len(saves.seconds),
        "median_save_s": round(statistics.median(saves.seconds), 3),
        "slowest_save_s": round(max(saves.seconds), 3),
        "failed_saves": len(saves.failures),
        "failures": saves.failures[:3],
        "load_before_after": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--cases", default="word,10mb,ingest")
    args = parser.parse_args()
    print(f"src={args.src} cores={os.cpu_count()} load={os.getloadavg()[0]:.1f}")
    for name in args.cases.split(","):
        print(json.dumps(run_case(name, args.src.resolve())), flush=True)


if __name__ == "__main__":
    main()
