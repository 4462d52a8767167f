"""How long planning takes, and how stable it is, as the approved pool and horizon grow.

Run: python bench/plan.py. Prints one line per case, side by side: a fresh plan, a re-plan of
its own output (must change nothing), and a re-plan after withdrawing the top quarter of the
approved items (how many slots move). Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any

from curator.plan import Candidate, PlanResult, plan_slots
from curator.types import Schedule, SlotKind, SlotRule

NOW = datetime(2026, 3, 23, 6, 0, tzinfo=UTC)  # the week of the Paris spring change


def schedule(per_week: int, horizon: int) -> Schedule:
    rules = []
    for n in range(per_week):
        kind = SlotKind.ORIGINAL if n % 4 == 3 else SlotKind.RELAY
        rules.append(SlotRule(weekday=n % 7, time=clock(8 + 3 * (n // 7), 30), kind=kind))
    return Schedule(slots=tuple(rules), horizon_days=horizon, weekly_minutes=None)


def candidates(n: int, rng: random.Random) -> list[Candidate]:
    return [
        Candidate(
            item_id=i,
            score=rng.random(),
            feed_id=rng.randrange(12),
            cluster_id=rng.randrange(n) if rng.random() < 0.1 else None,
            reference_at=NOW - timedelta(hours=rng.randrange(0, 24 * 6)),
            topics=tuple(rng.sample(["ia", "rh", "data", "pme", "remote", "salaires"], 2)),
        )
        for i in range(1, n + 1)
    ]


def timed(sch: Schedule, cands: list[Candidate], existing: Any) -> tuple[PlanResult, float]:
    start = time.perf_counter()
    result = plan_slots("bench", sch, "Europe/Paris", candidates=cands, existing=existing, now=NOW)
    return result, (time.perf_counter() - start) * 1000


def main() -> None:
    rng = random.Random(5)
    print(
        f"{'approved':>8} {'slots/wk':>8} {'days':>5} {'slots':>6} {'fresh ms':>9} "
        f"{'replan ms':>9} {'changed':>7} {'withdraw ms':>11} {'moved':>6} {'ratio':>6} "
        f"{'+10 new: filled':>15} {'reshuffled':>10}"
    )
    for n, per_week, horizon in [(20, 4, 14), (200, 7, 14), (1000, 14, 28), (5000, 21, 56)]:
        sch = schedule(per_week, horizon)
        cands = candidates(n, rng)
        first, t_fresh = timed(sch, cands, ())
        again, t_again = timed(sch, cands, first.slots)
        top = sorted(cands, key=lambda c: -c.score)[: n // 4]
        gone = {c.item_id for c in top}
        kept = [c for c in cands if c.item_id not in gone]
        after, t_withdraw = timed(sch, kept, first.slots)
        # ten excellent new approvals: only empty slots may change (no reshuffle)
        extra = [
            Candidate(item_id=n + k, score=0.99, feed_id=k, reference_at=NOW) for k in range(1, 11)
        ]
        grown, _ = timed(sch, cands + extra, first.slots)
        before = {x.id: x for x in first.slots}
        moved_filled = sum(1 for x in grown.changed if before[x.id].item_id is not None)
        print(
            f"{n:>8} {per_week:>8} {horizon:>5} {len(first.slots):>6} {t_fresh:>9.1f} "
            f"{t_again:>9.1f} {len(again.changed):>7} {t_withdraw:>11.1f} "
            f"{len(after.changed):>6} {t_again / t_fresh:>6.2f} "
            f"{len(grown.changed) - moved_filled:>15} {moved_filled:>10}"
        )


if __name__ == "__main__":
    main()
