"""What the web workspace's Results page (issue 15) costs on the server, side by side with Today
and the Calendar in the same run: the demo's database plus a year of published posts with
results and measured review time.

Run: python bench/results_web.py [--weeks 52] [--per-week 8] [--runs 20]. Prints median wall and
CPU milliseconds per request (in-process, Starlette's test client) and each page's ratio to
Today; writes bench/results/results_web.json. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from web import median_ms  # noqa: E402  (bench/web.py, beside this script)

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # the demo's day


def add_history(app: Any, profile: str, weeks: int, per_week: int) -> int:
    """`weeks` of published posts before the demo's own, `per_week` a week, 80 % with results,
    and five measured review spans a week."""
    from curator.results import ActiveSpan, Post
    from curator.store import results as results_store
    from curator.store.models import SlotRow
    from curator.types import SlotKind

    rng = random.Random(15)
    count = 0
    with app.db.session() as session:
        for week in range(7, 7 + weeks):
            for n in range(per_week):
                kind = "original" if n % 4 == 3 else "relay"
                at = NOW - timedelta(weeks=week, days=n % 7, hours=n)
                slot_id = f"{profile}-bench-{week}-{n}-{kind}"
                minutes = 45 if kind == "original" else 15
                session.add(
                    SlotRow(
                        id=slot_id, profile=profile, starts_at=at, local_date=at.date(),
                        kind=kind, status="published", published_at=at, minutes=minutes,
                        created_at=at, updated_at=at,
                    )
                )  # fmt: skip
                session.flush()
                source = f"Source {rng.randrange(12)}" if kind == "relay" else None
                topics = tuple(rng.sample(["data", "recrutement", "télétravail", "PME"], 2))
                post = Post(slot_id, profile, SlotKind(kind), at, minutes, source=source,
                            topics=topics, title=f"Post {week}-{n}")  # fmt: skip
                results_store.save_post(session, post, at)
                if rng.random() < 0.8:
                    counts = {"reactions": rng.randrange(40), "comments": rng.randrange(6)}
                    results_store.set_results(session, slot_id, counts, at)
                count += 1
            for day in range(5):
                started = NOW - timedelta(weeks=week, days=day)
                results_store.add_span(session, ActiveSpan(profile, "review", started, 600))
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--per-week", type=int, default=8)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "results_web.json")
    args = parser.parse_args()

    from starlette.testclient import TestClient

    from curator.app import Curator
    from curator.demo import run_demo
    from curator.web.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="curator-results-web-"))
    demo = run_demo(folder / "demo", now=NOW)
    app = Curator.open(demo.config, f"sqlite:///{demo.database}", clock=lambda: NOW)
    profile = "claire"
    added = add_history(app, profile, args.weeks, args.per_week)
    posts = len(app.results_posts(profile))
    client = TestClient(create_app(app), base_url="http://127.0.0.1:8421")
    page = client.get(f"/p/{profile}/results").text
    token = re.search(r'data-csrf="([^"]+)"', page)
    assert token
    headers = {"X-CSRF-Token": token.group(1), "X-Requested-With": "curator"}
    newest = app.results_posts(profile)[-1][0].slot_id

    def get(path: str) -> Callable[[], None]:
        def call() -> None:
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)

        return call

    def post(path: str, data: dict[str, str] | None = None) -> Callable[[], None]:
        def call() -> None:
            answer = client.post(path, headers=headers, data=data, follow_redirects=False)
            assert answer.status_code in (200, 303), (path, answer.status_code)

        return call

    reactions = iter(range(10**6))
    cases: dict[str, Callable[[], None]] = {
        "today": get(f"/p/{profile}/today"),
        "calendar": get(f"/p/{profile}/calendar"),
        "results (4 weeks)": get(f"/p/{profile}/results"),
        "results (52 weeks)": get(f"/p/{profile}/results?weeks=52"),
        "GET one post's results form": get(f"/p/{profile}/results/posts/{newest}"),
        "POST activity": post(f"/p/{profile}/activity"),
        "POST results of a post": lambda: post(
            f"/p/{profile}/results/posts/{newest}", {"reactions": str(next(reactions))}
        )(),
    }
    figures = {name: median_ms(call, args.runs) for name, call in cases.items()}
    report_only = median_ms(lambda: app.results_report(profile, weeks=4), args.runs)
    figures["facade results_report (4 weeks)"] = report_only
    figures["facade results_report (52 weeks)"] = median_ms(
        lambda: app.results_report(profile, weeks=52), args.runs
    )
    app.close()

    today = figures["today"][0]
    result = {
        "posts": posts,
        "added_posts": added,
        "runs": args.runs,
        "measured_at": datetime.now(UTC).isoformat(),
        "load_average": os.getloadavg(),
        "server_ms": {
            k: {"wall": round(w, 1), "cpu": round(c, 1), "wall_vs_today": round(w / today, 2)}
            for k, (w, c) in figures.items()
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{posts} published posts ({added} added to the demo's), median of {args.runs} (ms)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  {'':<32} {'wall':>8} {'cpu':>8}   wall / today")
    for name, (wall, cpu) in figures.items():
        print(f"  {name:<32} {wall:8.1f} {cpu:8.1f}   x{wall / today:5.2f}")
    print(f"written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
