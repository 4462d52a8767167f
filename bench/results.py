"""What the results loop (issue 15) costs: the weekly report, the scorer's factors, the original
themes, and the planner's second pass (run when the relays it placed change the themes).

Run: python bench/results.py. Prints one line per case; the last columns compare the plan run
once with the plan run twice, side by side in the same run. Not a test: nothing here asserts a
time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from curator import ideas, results
from curator.plan import Candidate, plan_slots
from curator.types import Schedule, SlotKind, SlotRule

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")
TERMS = [f"term{n}" for n in range(60)]


def posts(weeks: int, per_week: int, rng: random.Random) -> list[results.Post]:
    out = []
    for w in range(weeks):
        for n in range(per_week):
            kind = SlotKind.ORIGINAL if n % 4 == 3 else SlotKind.RELAY
            at = NOW - timedelta(weeks=w, days=n % 7, hours=n)
            m = results.Metrics(
                reactions=rng.randrange(40), comments=rng.randrange(6), meetings=rng.randrange(2)
            )
            out.append(
                results.Post(
                    f"s{w}-{n}", "bench", kind, at, 15 if kind is SlotKind.RELAY else 45,
                    source=f"feed{rng.randrange(12)}", topics=tuple(rng.sample(TERMS, 3)),
                    results=m if rng.random() < 0.8 else None,
                )
            )  # fmt: skip
    return out


def best_of(f: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def schedule_of(per_week: int) -> Schedule:
    rules = []
    for n in range(per_week):
        kind = SlotKind.ORIGINAL if n % 4 == 3 else SlotKind.RELAY
        rules.append(SlotRule(n % 7, clock(8 + 3 * (n // 7), 30), kind))
    return Schedule(slots=tuple(rules), horizon_days=28, weekly_minutes=120)


def case(weeks: int, per_week: int, approved: int, rng: random.Random) -> str:
    history = posts(weeks, per_week, rng)
    schedule = schedule_of(per_week)
    t_report = best_of(
        lambda: results.build_report("bench", history, [], {}, schedule, PARIS, NOW, weeks=12)
    )
    t_factors = best_of(lambda: results.score_factors(history, NOW))
    originals = [p for p in history if p.kind is SlotKind.ORIGINAL]
    past = [(p.published_at, f"{p.topics[0]}{ideas.SEPARATOR}x") for p in originals]
    titles = [f"A headline number {n}" for n in range(200)]
    t_themes = best_of(
        lambda: ideas.original_themes(
            ideas=[], terms=TERMS, past=past, originals=originals, avoid_terms=TERMS[:5],
            avoid_items=(), titles=titles, now=NOW,
        )
    )  # fmt: skip
    cands = [
        Candidate(
            item_id=i, score=rng.random(), feed_id=rng.randrange(12),
            reference_at=NOW - timedelta(hours=rng.randrange(0, 24 * 6)),
            topics=tuple(rng.sample(TERMS[:6], 2)),
        )
        for i in range(1, approved + 1)
    ]  # fmt: skip

    def plan() -> object:
        return plan_slots(
            "bench", schedule, "Europe/Paris", candidates=cands, existing=(), now=NOW,
            themes=TERMS[:10],
        )  # fmt: skip

    once = best_of(plan, runs=3)
    twice = best_of(lambda: (plan(), plan()), runs=3)
    return (
        f"{len(history):>6} {t_report:>9.2f} {t_factors:>10.2f} {t_themes:>9.2f} "
        f"{approved:>8} {once:>10.1f} {twice:>10.1f} {twice / once:>6.2f}"
    )


def main() -> None:
    rng = random.Random(15)
    print(
        f"{'posts':>6} {'report ms':>9} {'factors ms':>10} {'themes ms':>9} "
        f"{'approved':>8} {'plan x1 ms':>10} {'plan x2 ms':>10} {'ratio':>6}"
    )
    for weeks, per_week, approved in [(12, 4, 20), (52, 7, 200), (104, 14, 1000), (260, 21, 5000)]:
        print(case(weeks, per_week, approved, rng))


if __name__ == "__main__":
    main()
