"""Python under Debian's libfaketime 0.9.10 (scripts/at-date puts this file on PYTHONPATH).

scripts/at-date leaves the monotonic clock real (FAKETIME_DONT_FAKE_MONOTONIC=1): with a faked
one, every threading wait (sem_clockwait, which libfaketime does not intercept) would sleep until
the fake date. With a real one, libfaketime's clock_nanosleep answers EINVAL to the absolute
monotonic deadline that time.sleep uses, so time.sleep waits on an Event instead (the same
monotonic clock, through sem_clockwait). Nothing else changes; without FAKETIME this does nothing.
"""

from __future__ import annotations

import os
import threading
import time
from typing import SupportsIndex

if os.environ.get("FAKETIME"):

    def _sleep(seconds: float | SupportsIndex) -> None:
        """time.sleep without clock_nanosleep."""
        length = float(seconds)
        if length < 0:
            raise ValueError("sleep length must be non-negative")
        threading.Event().wait(length)

    time.sleep = _sleep
