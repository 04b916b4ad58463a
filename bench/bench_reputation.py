"""What the route step adds per case for reputation risk and community answers (ADR 89).

Run: .venv/bin/python bench/bench_reputation.py [--cases N]
Scores N synthetic conversations (three customer posts, eight replies by others) with the same
pure functions `cases.service.sync_cases` calls; prints microseconds per case for each.
Copy the lines into docs/benchmarks.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import UTC, datetime, timedelta

from atdesk.cases.community import ThreadPost, find_answers
from atdesk.cases.risk import RiskPost, score_risk

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEXTS = (
    "@acmehelp how do I turn off autoplay on the TV app?",
    "@acmehelp @acmeceo still broken, I want a refund or I'm calling my lawyer",
    "@acmehelp my parcel says delivered but it isn't here",
)
REPLIES = (
    "Go to Settings > Playback and switch it off, worked for me",
    "same here, so annoying",
    "did you try restarting it?",
    "lol",
)


def conversation(n: int) -> tuple[list[RiskPost], list[datetime], list[ThreadPost]]:
    """One synthetic case: its customer's posts for the score, reply times, the whole thread."""
    said = [TEXTS[(n + i) % len(TEXTS)] for i in range(3)]
    risk = [RiskPost(t, "negative", 1_000 * (n % 200), n % 7 == 0) for t in said]
    thread = [
        ThreadPost(i, str(i), 1, "dana", t, None, True, False, "question", "negative", T0)
        for i, t in enumerate(said)
    ]
    for j in range(8):
        at = T0 + timedelta(minutes=j + 1)
        text = REPLIES[(n + j) % len(REPLIES)]
        thread.append(
            ThreadPost(
                10 + j, str(10 + j), 2 + j, f"u{j}", text, "0", True, False, None, "neutral", at
            )
        )
    return risk, [p.created_at for p in thread[3:]], thread


def main() -> None:
    """Time both scorers over the same conversations."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args()
    cases = [conversation(n) for n in range(args.cases)]
    now = T0 + timedelta(minutes=10)
    started = time.perf_counter()
    for risk, replies, _ in cases:
        score_risk(risk, replies=replies, now=now, watched_handles=("acmeceo",))
    scored = time.perf_counter() - started
    started = time.perf_counter()
    for _, _, thread in cases:
        find_answers(thread, 1)
    answered = time.perf_counter() - started
    print(f"{platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"score_risk:   {scored / args.cases * 1e6:7.1f} us per case ({args.cases} cases)")
    print(f"find_answers: {answered / args.cases * 1e6:7.1f} us per case (11-post threads)")


if __name__ == "__main__":
    main()
