"""Cost of reading a survey answer: replies per second through `read_answer`.

    .venv/bin/python bench/bench_survey_answers.py [--rounds 5] [--repeat 50]

The pipeline reads every private message that could answer a survey, so the reader must stay
cheap. Each round reads the team's labelled dev set (tests/surveys/data/answers_dev.jsonl,
short replies as customers write them) `--repeat` times, plus a long message (a 2,000-character
complaint with numbers in it, the worst ordinary case). The median round is reported in
replies per second with the CPU time and the load average. Results go to docs/benchmarks.md
(section "Survey answers") with the machine's core count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from atdesk.surveys.reading import read_answer  # noqa: E402
from atdesk.surveys.scores import SurveyKind  # noqa: E402

DEV_SET = ROOT / "tests" / "surveys" / "data" / "answers_dev.jsonl"
LONG = (
    "I was told 3 times that the engineer would come between 8 and 12 on the 14th, waited "
    "4 hours, called 2 more times and paid $35 for nothing. "
) * 14


def main() -> None:
    """Time the reader on the dev set and on one long message."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    rows = [json.loads(line) for line in DEV_SET.read_text("utf-8").splitlines() if line.strip()]
    replies = [(row["text"], SurveyKind(row["kind"])) for row in rows] * args.repeat
    rates, cpu = [], []
    for _ in range(args.rounds):
        wall, proc = time.perf_counter(), time.process_time()
        for text, kind in replies:
            read_answer(text, kind)
        rates.append(len(replies) / (time.perf_counter() - wall))
        cpu.append(time.process_time() - proc)
    long_start = time.perf_counter()
    for _ in range(100):
        read_answer(LONG[:2000], SurveyKind.CSAT)
    long_ms = (time.perf_counter() - long_start) * 10
    print(
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}: {len(replies):,} replies per "
        f"round, median {statistics.median(rates):,.0f} replies/s "
        f"({1e6 / statistics.median(rates):.1f} µs each), CPU {statistics.median(cpu):.2f} s "
        f"per round; a 2,000-character message {long_ms:.2f} ms"
    )


if __name__ == "__main__":
    main()
