"""The database's CPU per fetched feed in the near-duplicate index (`item_sketches`, issue 17).

    python bench/sketch_db.py [--baseline REF] [--stored 50000] [--feeds 500] [--items 10]
                              [--rounds 5] [--backends postgresql,sqlite] [--out FILE]

Two copies of the code side by side in one run: this checkout and REF (default `main`, taken
with `git archive`), each in its own process with its own database (PostgreSQL: databases
`sketchbench_base` and `sketchbench_new` on CURATOR_BENCH_POSTGRES, default
postgresql+psycopg://postgres@127.0.0.1:5432/test, left for EXPLAIN and dropped by the next
run; SQLite: files in a temporary folder), both migrated by their own code. Each database is
padded with the same `--stored` synthetic items (about 150 words each, dated over the last 30
days, a footer shared by the items of a feed: boilerplate shingles found in more than
COMMON_SHINGLE items), sketched by the migration's backfill. Then, round by round (the two
copies take turns, so a change in the machine's load falls on both), each stores `--feeds`
feeds of `--items` new items (one in five a copy of a stored item, so clustering finds
candidates) and runs the clustering pass of a fetch on them (`curator.ingest.service.cluster`:
candidates looked up, sketches stored, clusters written).

Figures per feed: the CPU time (user + system, from /proc/<pid>/stat) of the PostgreSQL
backends connected to the copy's database, for the clustering pass and for the items' insert
beside it (the same code in both copies: a control); the client's CPU (for SQLite, the
database work is in it). The backends' CPU includes the bench's own reading of
pg_stat_activity around each step, the same in both copies. The clusters both copies made
are compared: they must be the same.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

WORKER = r"""
import hashlib, json, os, random, sys, time
from datetime import UTC, datetime, timedelta
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from curator.ingest import dedupe, service
from curator.store import Database
from curator.store import ingest as store
from curator.store.models import FeedRow, ItemRow

url = sys.argv[1]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FEEDS = 500
TICK = os.sysconf("SC_CLK_TCK")
vocabulary = [f"w{n}" for n in range(20000)]
weights = [1 / (n + 1) for n in range(len(vocabulary))]  # Zipf-like: some words are common
footers = [" ".join(random.Random(f"footer{f}").choices(vocabulary, k=25)) for f in range(FEEDS)]

def words(rng, count):
    return " ".join(rng.choices(vocabulary, weights, k=count))

def row(feed, identity, title, content, when):
    return {
        "feed_id": feed + 1, "identity": identity, "title": title, "summary": "",
        "content": content, "content_source": "feed", "published_at": when,
        "fetched_at": when, "content_hash": hashlib.sha1(identity.encode()).hexdigest(),
        "state": "active", "full_text_status": "none",
    }

if url.startswith("postgresql"):
    admin = create_engine(make_url(url).set(database="test"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        name = make_url(url).database
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
db = Database.open(url)
pg = db.engine.dialect.name == "postgresql"

def backend_cpu():
    if not pg:
        return 0.0
    with db.engine.connect() as conn:
        pids = conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        )).scalars().all()
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK

def cpu():
    return time.process_time()

def pad(stored):
    rng = random.Random(1)
    with db.engine.begin() as conn:
        conn.execute(insert(FeedRow), [
            {"url": f"http://feeds.test/{f}.xml", "status": "active", "weight": 1.0,
             "full_text": "never", "error_count": 0, "created_at": NOW, "updated_at": NOW}
            for f in range(FEEDS)])
    for start in range(0, stored, 5000):
        rows = []
        for n in range(start, min(start + 5000, stored)):
            feed = n % FEEDS
            when = NOW - timedelta(minutes=n % (30 * 24 * 60))  # the first 2,880 within 2 days
            rows.append(row(feed, f"pad-{n}", f"Sujet {n}",
                            words(rng, 130) + " " + footers[feed], when))
        with db.engine.begin() as conn:
            conn.execute(insert(ItemRow), rows)
    started = time.perf_counter()
    with db.engine.begin() as conn:
        sketched = store.backfill_sketches(conn, NOW - timedelta(days=31))
    if pg:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return {"sketched": sketched, "seconds": time.perf_counter() - started}

def run(first, last, items, stored):
    rng = random.Random(f"feeds{first}")
    store_db = store_cpu = cluster_db = cluster_cpu = 0.0
    clustered = 0
    for f in range(first, last):
        feed = f % FEEDS
        now = NOW + timedelta(seconds=f)
        rows = []
        for k in range(items):
            if k % 5 == 0:  # a copy of a stored item, with a credit line
                source = rng.randrange(min(stored, 2 * 24 * 60))  # within the window
                with db.reading() as s:
                    content = s.scalar(select(ItemRow.content).where(
                        ItemRow.feed_id == source % FEEDS + 1,
                        ItemRow.identity == f"pad-{source}"))
                text_ = "Repris de notre confrere. " + content
            else:
                text_ = words(rng, 130) + " " + footers[feed]
            rows.append(row(feed, f"new-{f}-{k}", f"Nouveau {f} {k}", text_,
                            now - timedelta(minutes=rng.randrange(600))))
        d0, c0 = backend_cpu(), cpu()
        with db.session() as s:
            ids = list(s.scalars(insert(ItemRow).returning(ItemRow.id), rows))
        d1, c1 = backend_cpu(), cpu()
        clustered += service.cluster(db, ids, now)
        d2, c2 = backend_cpu(), cpu()
        store_db += d1 - d0
        store_cpu += c1 - c0
        cluster_db += d2 - d1
        cluster_cpu += c2 - c1
    return {"store_db": store_db, "store_client": store_cpu, "cluster_db": cluster_db,
            "cluster_client": cluster_cpu, "clustered": clustered}

def clusters():
    with db.reading() as s:
        pairs = s.execute(select(ItemRow.id, ItemRow.identity, ItemRow.cluster_id)).all()
    names = {i: identity for i, identity, _ in pairs}
    digest = hashlib.sha256()
    members = 0
    for _, identity, cluster in sorted(pairs, key=lambda p: p[1]):
        if cluster is not None:
            digest.update(f"{identity}>{names[cluster]}\n".encode())
            members += 1
    with db.reading() as s:
        sketches = s.scalar(text("SELECT count(*) FROM item_sketches"))
    return {"digest": digest.hexdigest(), "members": members, "sketches": sketches}

for line in sys.stdin:
    command, *args = line.split()
    if command == "pad":
        out = pad(int(args[0]))
    elif command == "run":
        out = run(*map(int, args))
    elif command == "clusters":
        out = clusters()
    else:
        break
    print(json.dumps(out), flush=True)
db.close()
"""


class Copy:
    """One copy of the code, answering commands in its own process."""

    def __init__(self, label: str, tree: Path, url: str) -> None:
        self.label = label
        env = dict(os.environ, PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="")
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(tree / "curator")], check=True
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER, url],
            cwd=tree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, *command: object) -> dict[str, float | int | str]:
        self.send(*command)
        return self.answer()

    def send(self, *command: object) -> None:
        assert self.process.stdin
        self.process.stdin.write(" ".join(map(str, command)) + "\n")
        self.process.stdin.flush()

    def answer(self) -> dict[str, float | int | str]:
        assert self.process.stdout
        answer = self.process.stdout.readline()
        if not answer:
            raise SystemExit(f"{self.label}: the worker stopped")
        return dict(json.loads(answer))

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait()


def baseline_tree(ref: str, folder: Path) -> Path:
    tree = folder / "baseline"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "curator", "migrations", "pyproject.toml"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--stored", type=int, default=50000)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    server = os.environ.get("CURATOR_BENCH_POSTGRES", DEFAULT_PG)
    folder = Path(tempfile.mkdtemp(prefix="sketch_db-"))
    trees = {"base": baseline_tree(args.baseline, folder), "new": ROOT}
    report: dict[str, object] = {
        "baseline": args.baseline,
        "stored": args.stored,
        "feeds": args.feeds,
        "items": args.items,
        "load_before": os.getloadavg(),
    }
    for backend in args.backends.split(","):
        copies = {}
        for label, tree in trees.items():
            if backend == "postgresql":
                url = server.rsplit("/", 1)[0] + f"/sketchbench_{label}"
            else:
                url = f"sqlite:///{folder / f'{label}.db'}"
            copies[label] = Copy(label, tree, url)
        figures: dict[str, dict[str, object]] = {}
        for copy in copies.values():  # both at once: padding is not measured
            copy.send("pad", args.stored)
        for label, copy in copies.items():
            figures[label] = {"pad": copy.answer(), "rounds": []}
        per_round = args.feeds // args.rounds
        for r in range(args.rounds):
            # The copies take turns going first: the second may find the machine warmer.
            for label, copy in sorted(copies.items(), reverse=r % 2 == 1):
                answer = copy.ask(
                    "run", r * per_round, (r + 1) * per_round, args.items, args.stored
                )
                rounds = figures[label]["rounds"]
                assert isinstance(rounds, list)
                rounds.append(answer)
                print(backend, label, f"round {r + 1}", json.dumps(answer), flush=True)
        for label, copy in copies.items():
            figures[label]["clusters"] = copy.ask("clusters")
            copy.close()
        report[backend] = figures
        print_table(backend, figures, per_round * args.rounds)
    report["load_after"] = os.getloadavg()
    print("load average before / after:", report["load_before"], report["load_after"])
    out = args.out or folder / "sketch_db.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print("figures:", out)


def print_table(backend: str, figures: dict[str, dict[str, object]], feeds: int) -> None:
    def total(label: str, key: str) -> float:
        rounds = figures[label]["rounds"]
        assert isinstance(rounds, list)
        return sum(r[key] for r in rounds)

    def per_round_ratio(key: str) -> str:
        base, new = figures["base"]["rounds"], figures["new"]["rounds"]
        assert isinstance(base, list) and isinstance(new, list)
        ratios = [n[key] / b[key] for b, n in zip(base, new, strict=True) if b[key]]
        if not ratios:
            return "-"
        return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"

    print(f"\n{backend}: CPU ms per feed (base / new, new:base median of rounds, range)")
    for key in ("cluster_db", "cluster_client", "store_db", "store_client"):
        base, new = total("base", key), total("new", key)
        if not base and not new:
            continue
        base_ms, new_ms = 1000 * base / feeds, 1000 * new / feeds
        print(f"  {key:15} {base_ms:8.2f} {new_ms:8.2f}  {per_round_ratio(key)}")
    same = figures["base"]["clusters"] == figures["new"]["clusters"]
    print("  clusters:", figures["base"]["clusters"], "same" if same else "DIFFERENT:")
    if not same:
        print("           ", figures["new"]["clusters"])


if __name__ == "__main__":
    main()
