"""How long a calendar takes to render, hash and parse, as the plan grows.

Run: python bench/ics_render.py
Prints, for plans of 14 to 1,400 slots, the time to render with `render_calendar`, to compute the
ETag the subscription endpoint sends, and to parse the result with icalendar and with the strict
`ical` parser (roughly what a client does). Ratios are against rendering the same plan, measured
in the same run, so they compare on any machine.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import icalendar
from ical.calendar_stream import IcsCalendarStream

from curator.outputs.ics import render_calendar
from curator.outputs.ics_http import calendar_etag
from tests.support.ics import NOW, Plan, small_plan


def grown(size: int) -> Plan:
    """The small plan repeated week after week until it holds `size` slots."""
    plan = small_plan("fr")
    base = list(plan.slots)
    plan.slots = []
    for n in range(size):
        slot = base[n % len(base)]
        shift = timedelta(weeks=n // len(base))
        plan.slots.append(replace(slot, id=f"{slot.id}-{n}", starts_at=slot.starts_at + shift))
    return plan


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) if repeat < 3 else statistics.median(times)


def main() -> None:
    print(
        f"{'slots':>6} {'bytes':>9} {'render ms':>10} {'ms/slot':>8} "
        f"{'etag x':>7} {'icalendar parse x':>18} {'ical parse x':>13}"
    )
    for size in (14, 140, 1400):
        plan = grown(size)
        repeat = 7 if size < 1000 else 3

        def render(plan: Plan = plan) -> bytes:
            return render_calendar(
                plan.profile, plan.slots, plan.items, plan.scores, plan.settings, now=NOW
            )

        body = render()
        text = body.decode("utf-8")
        t_render = best_of(render, repeat)
        t_etag = best_of(lambda body=body: calendar_etag(body), repeat)
        t_icalendar = best_of(lambda body=body: icalendar.Calendar.from_ical(body), repeat)
        t_ical = best_of(lambda text=text: IcsCalendarStream.calendar_from_ics(text), repeat)
        print(
            f"{size:>6} {len(body):>9} {t_render * 1000:>10.1f} {t_render * 1000 / size:>8.3f} "
            f"{t_etag / t_render:>7.4f} {t_icalendar / t_render:>18.2f} {t_ical / t_render:>13.2f}"
        )


if __name__ == "__main__":
    main()
