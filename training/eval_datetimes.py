"""Score date and time resolution on NLU++'s annotated slots (real phrasings, CC BY 4.0).

    .venv/bin/python training/eval_datetimes.py

NLU++ resolves relative expressions against 2022-03-15 09:00 (a Tuesday). For every example
with a `date`, `date_from`, `date_to` or `time` slot whose value is a single day or a clock
time, a hit means one of our resolved answers has that day (or that hour and minute). Reported
per slot kind: recall (hits / annotated slots) and, over examples with no date/time slot at
all, the share where we found nothing (no false alarm).
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, date, datetime, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

import corpora  # noqa: E402
from atdesk.triage.datetimes import find_datetimes  # noqa: E402

REFERENCE = datetime(2022, 3, 15, 9, 0, tzinfo=UTC)
DAY_SLOTS = ("date", "date_from", "date_to")
TIME_SLOTS = ("time", "time_from", "time_to")
ALL_SLOTS = (*DAY_SLOTS, *TIME_SLOTS, "date_period", "time_period")


def main() -> None:
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    quiet = quiet_total = 0
    misses: list[str] = []
    for example in corpora.nlupp():
        text = str(example["text"])
        slots = example.get("slots") or {}
        assert isinstance(slots, dict)
        found = find_datetimes(text, REFERENCE)
        days = {r.day for r in found} | {r.until for r in found if r.until}
        clocks = {r.clock for r in found if r.clock} | {
            r.until_clock for r in found if r.until_clock
        }
        if not any(k in slots for k in ALL_SLOTS):
            quiet_total += 1
            quiet += not found
            continue
        for kind in DAY_SLOTS:
            value = slots.get(kind, {}).get("value")
            if isinstance(value, dict) and {"day", "month", "year"} <= set(value):
                totals["day"] += 1
                target = date(value["year"], value["month"], value["day"])
                if target in days:
                    hits["day"] += 1
                elif len(misses) < 25:
                    misses.append(f"  day  {slots[kind]['text']!r} -> {target} in {text!r}")
        for kind in TIME_SLOTS:
            value = slots.get(kind, {}).get("value")
            if isinstance(value, dict) and "hour" in value:
                totals["time"] += 1
                if time(value["hour"], value.get("minute", 0)) in clocks:
                    hits["time"] += 1
                elif len(misses) < 50:
                    misses.append(f"  time {slots[kind]['text']!r} -> {value} in {text!r}")
    for kind in ("day", "time"):
        print(
            f"{kind:>4} slots: recall {hits[kind] / totals[kind]:.3f} ({hits[kind]}/{totals[kind]})"
        )
    print(
        f"no date/time annotated: nothing found in {quiet / quiet_total:.3f} "
        f"({quiet}/{quiet_total})"
    )
    print("some misses:")
    print("\n".join(misses[:30]))


if __name__ == "__main__":
    main()
