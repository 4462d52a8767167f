"""What following a colleague's picks costs (issue 17): figures side by side, in one run.

    python bench/follow.py [--items 20000] [--picks 500] [--repeat 5]

One SQLite file holds `--items` scored items for two profiles; alice approves `--picks` of them
(with comments) and bob follows her. The same calls are timed for bob without and with the
follow (two facades over the same file, only feeds.yaml differs):

* the pending query and its count (`curator status`);
* the facade's queue (`queue list`: the query, then the picks and their reasons);
* re-planning bob (his approvals are among alice's picks; the team rule holds with or
  without the follow, so both sides read alice's planned relays: a check that the follow
  itself adds nothing there).

CPU time (user+sys of this process) is printed next to wall time, and the ratio of each with
the follow to without it. JSON on stdout with `--json`. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curator.app import Curator
from curator.config import load_settings
from curator.store import Database
from curator.store import queue as queue_store
from curator.store.models import DecisionRow, ItemRow, ScoreRow
from curator.types import DecisionKind

CONFIG = """\
profiles:
  - name: alice
    objective: Recrutement de profils data et développeurs.
    timezone: Europe/Paris
    schedule:
      slots:
        - {{day: mon, time: "08:30"}}
        - {{day: wed, time: "08:30"}}
        - {{day: fri, time: "12:00"}}
  - name: bob
    objective: Recrutement de profils data et développeurs.
    timezone: Europe/Paris
{follow}    schedule:
      slots:
        - {{day: mon, time: "08:30"}}
        - {{day: wed, time: "08:30"}}
        - {{day: fri, time: "12:00"}}
feeds:
  - url: http://127.0.0.1:9/a.xml
  - url: http://127.0.0.1:9/b.xml
"""
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def build(folder: Path, items: int, picks: int) -> str:
    url = f"sqlite:///{folder / 'b.db'}"
    path = folder / "plain.yaml"
    path.write_text(CONFIG.format(follow=""), encoding="utf-8")
    app = Curator(load_settings(path), Database.open(url), clock=lambda: NOW)
    feeds = [f.id for f in app.feeds()]
    step = max(items // max(picks, 1), 1)
    with app.db.session() as session:
        for i in range(items):
            body = f"Article {i} sur le recrutement data et les développeurs."
            digest = hashlib.sha256(body.encode()).hexdigest()
            row = ItemRow(
                feed_id=feeds[i % len(feeds)],
                identity=f"hash:{digest}",
                url=f"https://example.org/{i}",
                title=f"Article {i}",
                summary=body,
                content=body,
                language="fr",
                published_at=NOW - timedelta(hours=i % 96),
                fetched_at=NOW - timedelta(hours=i % 96),
                content_hash=digest,
            )
            session.add(row)
            session.flush()
            for profile in ("alice", "bob"):
                session.add(
                    ScoreRow(
                        profile=profile,
                        item_id=row.id,
                        final=1.0 - i / items,
                        relevance=0.5,
                        why=[["recrutement", 0.3]],
                        rank=i + 1,
                        computed_at=NOW,
                    )
                )
            if i % step == 0 and i // step < picks:
                session.add(
                    DecisionRow(
                        profile="alice",
                        item_id=row.id,
                        kind=DecisionKind.APPROVE.value,
                        comment=f"Pourquoi l'article {i} compte pour l'équipe.",
                        decided_at=NOW - timedelta(minutes=i),
                    )
                )
    app.plan("alice")
    app.close()
    return url


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and CPU (user+sys) seconds of `repeat` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpus.append(after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--picks", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = build(folder, args.items, args.picks)
        apps = {}
        for label, follow in (("plain", ""), ("follow", "    follow: [alice]\n")):
            path = folder / f"{label}.yaml"
            path.write_text(CONFIG.format(follow=follow), encoding="utf-8")
            apps[label] = Curator(load_settings(path), Database.open(url), clock=lambda: NOW)

        def calls(app: Curator) -> dict[str, Callable[[], object]]:
            followed = [f.profile for f in app.settings.profile("bob").follow]

            def pending() -> object:
                with app.db.reading() as session:
                    return queue_store.pending(session, "bob", NOW, followed=followed)

            def count() -> object:
                with app.db.reading() as session:
                    return queue_store.count_pending(session, "bob", NOW, followed=followed)

            return {
                "pending query": pending,
                "pending count": count,
                "facade queue": lambda: app.queue("bob"),
                "plan bob": lambda: app.plan("bob", starters=False),
            }

        # Bob approves the first picks, so his plan has a story alice relays.
        with apps["plain"].db.session() as session:
            for row in session.query(DecisionRow).filter_by(profile="alice").limit(5).all():
                session.add(
                    DecisionRow(
                        profile="bob",
                        item_id=row.item_id,
                        kind=DecisionKind.APPROVE.value,
                        comment="Relayé aussi par Bob, avec son angle.",
                        decided_at=NOW,
                    )
                )
        results: dict[str, dict[str, float]] = {}
        plain, follow = calls(apps["plain"]), calls(apps["follow"])
        sizes = {label: len(apps[label].queue("bob")) for label in apps}
        for name_ in plain:
            # Warmed up, then interleaved: both sides see the same caches and the same load on
            # a shared machine.
            plain[name_]()
            follow[name_]()
            wall_a, cpu_a = timed(plain[name_], args.repeat)
            wall_b, cpu_b = timed(follow[name_], args.repeat)
            results[name_] = {
                "plain_wall_ms": wall_a * 1000,
                "plain_cpu_ms": cpu_a * 1000,
                "follow_wall_ms": wall_b * 1000,
                "follow_cpu_ms": cpu_b * 1000,
                "wall_ratio": wall_b / wall_a if wall_a else 0.0,
                "cpu_ratio": cpu_b / cpu_a if cpu_a else 0.0,
            }
        for app in apps.values():
            app.close()
    report = {"items": args.items, "picks": args.picks, "queue_sizes": sizes, "calls": results}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{args.items} items, alice picks {args.picks}; bob's queue: {sizes}")
    print(f"{'':16}{'plain wall/cpu ms':>20}{'follow wall/cpu ms':>22}{'ratio wall/cpu':>17}")
    for name_, r in results.items():
        print(
            f"{name_:16}{r['plain_wall_ms']:10.1f}/{r['plain_cpu_ms']:<9.1f}"
            f"{r['follow_wall_ms']:12.1f}/{r['follow_cpu_ms']:<9.1f}"
            f"{r['wall_ratio']:8.2f}/{r['cpu_ratio']:.2f}"
        )


if __name__ == "__main__":
    main()
