"""Ingestion throughput: feedparser alone vs `curator fetch --all`, first run and 304 run.

Serves the 149 real feeds of ../shared/corpus/feeds/fastfeedparser/real_feeds on 127.0.0.1
(TCP_NODELAY set, ETags on most of them) and times, side by side in one run:

  (a) feedparser alone parsing the same bytes from memory, in one process (the parsing floor);
  (b) `curator fetch --all` into a fresh SQLite database, full text off (every feed
      `full_text: never`), a subprocess like a user would run it;
  (c) the same command again: feeds with an ETag answer 304 (the others re-send the very
      same bytes, which are recognised and not parsed again);
  (d) the pass of (c) inside a process that is already running, as `curator serve` does it
      every tick: what the 304 work itself costs, without Python's start-up;
  (e) for scale: Python starting and importing SQLAlchemy and httpx, nothing else. No
      `curator` command can take less, so it bounds what (c) can reach.

Each is a subprocess; wall time, CPU time (user+sys, worker processes included) and peak RSS
(the whole process tree, sampled from /proc) are printed with the ratios b/a and c/b.

    python bench/ingest.py [--corpus DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.content import corpus_root  # noqa: E402
from tests.support.http import (  # noqa: E402
    FeedServer,
    bench_etag,
    conditional_feed,
    real_feeds_config,
)

FEEDPARSER_ALONE = """
import os, sys, feedparser
folder = sys.argv[1]
names = sorted(n for n in os.listdir(folder) if n != "MANIFEST.tsv")
bodies = [open(os.path.join(folder, n), "rb").read() for n in names]
print(sum(len(feedparser.parse(b).entries) for b in bodies))
"""


IN_PROCESS = """
import json, resource, sys, time
from pathlib import Path
from curator.app import Curator
app = Curator.open(Path(sys.argv[1]), sys.argv[2])
app.fetch(all=True)  # an earlier tick: imports done, connections open
before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
started = time.perf_counter()
report = app.fetch(all=True)
wall = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))
print(json.dumps({"wall": wall, "cpu": cpu, "not_modified": report.not_modified,
                  "fetched": report.fetched}))
app.close()
"""


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    rss_mb: float
    items: int
    output: str = ""


def _tree_rss_kb(pid: int) -> int:
    """Memory of a process and all its descendants, from /proc: the sum of their PSS
    (proportional set size: a page shared by the forked workers is counted once, not once per
    process as plain RSS would)."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    stack += [int(p) for p in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def measure(name: str, argv: list[str], env: dict[str, str] | None = None) -> Run:
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(ROOT)
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{name} failed ({proc.returncode}):\n{err.decode(errors='replace')[-3000:]}")
    # ru_maxrss of the child covers its reaped workers too (the largest one, not a sum).
    peak = max(peak, usage.ru_maxrss)
    return Run(name, wall, usage.ru_utime + usage.ru_stime, peak / 1024, 0, out.decode())


def count_items(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="the shared corpus folder")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, best kept")
    args = parser.parse_args()
    corpus = corpus_root(args.corpus, expect="feeds")
    if corpus is None:
        sys.exit("the shared corpus is not on this machine (pass --corpus or set CURATOR_CORPUS)")
    folder = corpus / "feeds" / "fastfeedparser" / "real_feeds"
    files = sorted(p for p in folder.iterdir() if p.name != "MANIFEST.tsv")
    python = sys.executable

    with FeedServer() as server, tempfile.TemporaryDirectory(prefix="curator-bench-") as tmp:
        for i, path in enumerate(files):
            body = path.read_bytes()
            server.route(f"/{path.name}", conditional_feed(body, bench_etag(body, i)))
        config = Path(tmp) / "feeds.yaml"
        urls = [server.url("/" + path.name) for path in files]
        config.write_text(real_feeds_config(urls), encoding="utf-8")

        best: dict[str, Run] = {}
        for _ in range(max(args.repeat, 1)):
            db = Path(tmp) / f"bench-{time.monotonic_ns()}.db"
            cmd = [python, "-m", "curator", "--config", str(config), "--db", f"sqlite:///{db}"]
            runs = [
                measure("(a) feedparser alone", [python, "-c", FEEDPARSER_ALONE, str(folder)]),
                measure("(b) curator fetch --all", [*cmd, "fetch", "--all", "--json"]),
                measure("(c) second fetch (304)", [*cmd, "fetch", "--all", "--json"]),
            ]
            runs[0].items = int(runs[0].output.strip() or 0)
            inside = measure(
                "(d) (c) in a running process",
                [python, "-c", IN_PROCESS, str(config), f"sqlite:///{db}"],
            )
            timed = json.loads(inside.output)
            inside.wall, inside.cpu, inside.items = timed["wall"], timed["cpu"], count_items(db)
            inside.output = (
                f"fetched {timed['fetched']}, not modified {timed['not_modified']} "
                "(the pass alone, after an untimed first one)"
            )
            runs.append(inside)
            runs.append(
                measure(
                    "(e) import sqlalchemy, httpx",
                    [python, "-c", "import sqlalchemy.orm, httpx"],
                )
            )
            for run in runs[1:3]:
                summary = json.loads(run.output)
                run.items = count_items(db)
                run.output = (
                    f"fetched {summary['fetched']}, not modified {summary['not_modified']}, "
                    f"failed {summary['failed']}, new {summary['new_items']}"
                )
            for run in runs:
                if run.name not in best or run.wall < best[run.name].wall:
                    best[run.name] = run

    a, b, c, d, e = best.values()
    print(
        f"{len(files)} feeds, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB, "
        f"{os.cpu_count()} CPUs, best of {max(args.repeat, 1)}"
    )
    print(f"{'':28} {'wall s':>7} {'CPU s':>7} {'peak MB':>12} {'items':>7}")
    for run in (a, b, c, d, e):
        print(
            f"{run.name:28} {run.wall:7.2f} {run.cpu:7.2f} {run.rss_mb:12.0f} {run.items:7d}"
            + (f"   {run.output}" if run is not a else " entries parsed")
        )
    print(
        f"b/a wall {b.wall / a.wall:.2f} (target <= 1)   c/b wall {c.wall / b.wall:.3f} "
        f"(target <= 0.1)   d/b wall {d.wall / b.wall:.3f}   e/b wall {e.wall / b.wall:.3f}   "
        f"peak memory {max(b.rss_mb, c.rss_mb):.0f} MB (target < 300)"
    )
    print(f"b/a CPU {b.cpu / a.cpu:.2f} (for information: the targets above are in wall time)")
    print(
        "(c) includes starting Python and importing the libraries (e); (d) is the same work "
        "in a process already running (the service)"
    )
    print(
        "peak MB: the sum of the process tree's PSS, sampled every 10 ms, or the largest "
        "single process's maximum RSS if that is larger"
    )


if __name__ == "__main__":
    main()
