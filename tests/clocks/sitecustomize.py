"""Loaded by every Python process of `make test-clocks` (through PYTHONPATH), never otherwise.

libfaketime 0.9.10 (Debian 12) rewrites the absolute deadline that `time.sleep` hands to
`clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)` by the fake offset even while it leaves the
monotonic clock alone, so every sleep fails with EINVAL; and faking the monotonic clock instead
makes lock and event timeouts wait for months. `select` with a timeout sleeps just as well and
goes through neither, so `time.sleep` uses it here. Nothing else changes.
"""

from __future__ import annotations

import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        select.select([], [], [], left)


time.sleep = _sleep
