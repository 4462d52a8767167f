"""The second fetch as the database grows, beside reader, and `curator serve`'s memory (issue 19).

    python bench/fetch_scale.py [--corpus DIR] [--sizes 3000,100000] [--repeat N] [--out FILE]
    python bench/fetch_scale.py --serve-memory [--size 100000] [--ticks 4] [--out FILE]

Fetch mode. Serves the 149 real feeds of ../shared/corpus/feeds/fastfeedparser/real_feeds on
127.0.0.1 (ETags on nine in ten, as bench/ingest.py), fetches them once with `curator fetch
--all` and once with reader (`update_feeds`), then changes one feed in ten (one new entry
each, dated now; some copy another new entry or a stored article, so clustering has work) and
times the second fetch of each, side by side in one run. Curator's database is padded with
synthetic items (published over a year, fetched over the last four weeks, texts from the
Le Monde ranking corpus) up to each size; reader's keeps what it fetched. Each second fetch starts
from a copy of the same database, so the runs are alike. Figures: whole process (wall, CPU
user+sys with the parse workers) and the fetch call alone inside the process; best of N.

Serve mode. Pads a database to --size items, then runs `curator serve --tick 5` on it and
reads its resident memory (VmRSS) after each tick (a tick is done when its job_runs row is),
and beside it the resident memory of the processes it started that are still there between
jobs (the fork server each job's process comes from).

Both write their figures as JSON (--out, default bench/fetch_scale.json / serve_memory.json
in the temporary folder printed) and print a table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.content import corpus_root  # noqa: E402
from tests.support.http import (  # noqa: E402
    FeedServer,
    bench_etag,
    conditional_feed,
    real_feeds_config,
)

CHANGED_EVERY = 10  # one feed in ten has a new entry on the second round

CURATOR_SECOND = """
import json, resource, sys, time
from pathlib import Path
from curator.app import Curator
app = Curator.open(Path(sys.argv[1]), sys.argv[2])
def cpu():
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
               resource.getrusage(resource.RUSAGE_CHILDREN)))
before, started = cpu(), time.perf_counter()
report = app.fetch(all=True)
wall, used = time.perf_counter() - started, cpu() - before
print(json.dumps({"wall": wall, "cpu": used, "new": report.new_items,
                  "clustered": report.clustered, "fetched": report.fetched,
                  "not_modified": report.not_modified}))
app.close()
"""

READER_FETCH = """
import json, resource, sys, time
from reader import make_reader
reader = make_reader(sys.argv[1])
for url in sys.argv[2:]:
    reader.add_feed(url, exist_ok=True)
def cpu():
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
               resource.getrusage(resource.RUSAGE_CHILDREN)))
before_entries = reader.get_entry_counts().total
before, started = cpu(), time.perf_counter()
reader.update_feeds(workers=8, scheduled=False)  # every feed, as fetch --all
wall, used = time.perf_counter() - started, cpu() - before
print(json.dumps({"wall": wall, "cpu": used,
                  "new": reader.get_entry_counts().total - before_entries}))
reader.close()
"""


def run(argv: list[str]) -> tuple[float, float, dict[str, object]]:
    """Whole-process wall and CPU (children included), and the JSON the process printed."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT))
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    usage = proc.returncode
    if usage != 0:
        sys.exit(f"{argv[:4]} failed:\n{err.decode(errors='replace')[-3000:]}")
    text = out.decode().strip()
    try:
        printed = json.loads(text)
    except json.JSONDecodeError:  # a script's last line
        printed = json.loads(text.splitlines()[-1])
    return wall, _children_cpu_since(), printed


_cpu_seen = 0.0


def _children_cpu_since() -> float:
    """CPU of the children reaped since the last call (os.times is cumulative)."""
    global _cpu_seen
    times = os.times()
    total = times.children_user + times.children_system
    used, _cpu_seen = total - _cpu_seen, total
    return used


# --- the feeds -------------------------------------------------------------------------------


def with_new_entry(body: bytes, title: str, text: str, guid: str, now: datetime) -> bytes | None:
    """`body` with one more entry before its first one (RSS or Atom), or None."""
    safe = escape(text).encode("ascii", "xmlcharrefreplace")
    name = escape(title).encode("ascii", "xmlcharrefreplace")
    link = f"https://bench.invalid/{guid}".encode()
    for marker, entry in (
        (
            b"<item>",
            b"<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate>"
            b"<description>%s</description></item>",
        ),
        (
            b"<entry>",
            b"<entry><title>%s</title><link href='%s'/><id>%s</id><updated>%s</updated>"
            b"<summary>%s</summary></entry>",
        ),
    ):
        at = body.find(marker)
        if at < 0:
            continue
        when = (
            now.strftime("%a, %d %b %Y %H:%M:%S +0000")
            if marker == b"<item>"
            else now.strftime("%Y-%m-%dT%H:%M:%SZ")
        ).encode()
        return body[:at] + entry % (name, link, link, when, safe) + body[at:]
    return None


def articles(corpus: Path) -> list[str]:
    path = corpus / "ranking" / "lemonde_fr" / "lemonde_2017.jsonl"
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]


def opening(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


def second_round_texts(texts: list[str], count: int) -> list[str]:
    """New entries: distinct stories; every third copies the one before it (another feed
    reposting it); every third other is an excerpt of a stored article (see `pad`)."""
    result = []
    for k in range(count):
        if k % 3 == 1 and result:
            result.append("Repris d'un autre site. " + result[-1])
        elif k % 3 == 2:
            result.append(opening(texts[100 + k], 90) + " […]")
        else:
            result.append(opening(texts[k], 220))
    return result


# --- padding the database --------------------------------------------------------------------


def pad(db_url: str, total: int, texts: list[str], now: datetime, seed: int = 7) -> int:
    """Add synthetic items (dated over the last year) until the database holds `total`; the
    stored originals of the excerpts of `second_round_texts` among them, dated yesterday.
    Sketched as the migration does it, when this version of curator has sketches."""
    from sqlalchemy import func, insert, select

    from curator.ingest import dedupe
    from curator.store import Database
    from curator.store import ingest as store
    from curator.store.models import FeedRow, ItemRow

    rng = random.Random(seed)
    database = Database.open(db_url)
    try:
        with database.session() as session:
            have = int(session.scalar(select(func.count()).select_from(ItemRow)) or 0)
            feeds = list(session.scalars(select(FeedRow.id)))
        rows = []
        for n in range(max(total - have, 0)):
            if n < CHANGED_EVERY * 2 and n % 3 == 2:
                text, when = texts[100 + n], now - timedelta(days=1)
                fetched = when
            else:
                words = rng.choice(texts[200:]).split()
                start = rng.randrange(max(len(words) - 150, 1))
                text = " ".join(words[start : start + 150])
                # Fetched over the last four weeks (a year of archives imported recently, as
                # bench/history.py builds it), published over the year.
                fetched = now - timedelta(seconds=rng.randrange(28 * 86400))
                when = min(fetched, now - timedelta(seconds=rng.randrange(365 * 86400)))
            rows.append(
                {
                    "feed_id": feeds[n % len(feeds)],
                    "identity": f"guid:pad-{n}",
                    "guid": f"pad-{n}",
                    "title": f"Synthetic item {n}",
                    "summary": "",
                    "content": text,
                    "content_source": "feed",
                    "published_at": when,
                    "fetched_at": fetched,
                    "content_hash": hashlib.sha1(text.encode()).hexdigest(),
                    "state": "active",
                    "full_text_status": "none",
                }
            )
        with database.engine.begin() as conn:
            for start in range(0, len(rows), 5000):
                conn.execute(insert(ItemRow), rows[start : start + 5000])
            backfill = getattr(store, "backfill_sketches", None)
            if backfill is not None:
                backfill(conn, now - dedupe.LOOKBACK - dedupe.DEFAULT_WINDOW)
        with database.session() as session:
            return int(session.scalar(select(func.count()).select_from(ItemRow)) or 0)
    finally:
        database.close()


def copy_db(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(source, target)


# --- fetch mode ------------------------------------------------------------------------------


def fetch_mode(args: argparse.Namespace, corpus: Path, tmp: Path) -> dict[str, object]:
    folder = corpus / "feeds" / "fastfeedparser" / "real_feeds"
    files = sorted(p for p in folder.iterdir() if p.name != "MANIFEST.tsv")
    texts = articles(corpus)
    python = sys.executable
    now = datetime.now(UTC)
    results: dict[str, object] = {"feeds": len(files), "cpus": os.cpu_count(), "sizes": []}
    with FeedServer() as server:
        bodies = [p.read_bytes() for p in files]
        for i, (path, body) in enumerate(zip(files, bodies, strict=True)):
            server.route(f"/{path.name}", conditional_feed(body, bench_etag(body, i)))
        urls = [server.url("/" + p.name) for p in files]
        config = tmp / "feeds.yaml"
        config.write_text(real_feeds_config(urls), encoding="utf-8")

        base = tmp / "base.db"
        cmd = [python, "-m", "curator", "--config", str(config), "--db", f"sqlite:///{base}"]
        run([*cmd, "fetch", "--all", "--json"])
        reader_base = tmp / "reader-base.db"
        run([python, "-c", READER_FETCH, str(reader_base), *urls])

        # The second round: one feed in ten gets a new entry.
        changed = [i for i in range(len(files)) if i % CHANGED_EVERY == 0]
        new_texts = second_round_texts(texts, len(changed))
        served_changed = 0
        for k, i in enumerate(changed):
            body = with_new_entry(bodies[i], f"Nouvel article {k}", new_texts[k], f"n{k}", now)
            if body is None:
                continue
            served_changed += 1
            etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
            server.route(f"/{files[i].name}", conditional_feed(body, etag))
        results["changed_feeds"] = served_changed

        for size in args.sizes:
            sized = tmp / f"curator-{size}.db"
            copy_db(base, sized)
            stored = pad(f"sqlite:///{sized}", size, texts, now)
            best: dict[str, dict[str, float]] = {}
            detail: dict[str, object] = {}
            for _ in range(max(args.repeat, 1)):
                work, reader_work = tmp / "run.db", tmp / "reader-run.db"
                copy_db(sized, work)
                copy_db(reader_base, reader_work)
                for name, argv in (
                    ("curator", [python, "-c", CURATOR_SECOND, str(config), f"sqlite:///{work}"]),
                    ("reader", [python, "-c", READER_FETCH, str(reader_work), *urls]),
                ):
                    wall, cpu, inside = run(argv)
                    figures = {
                        "process_wall": wall,
                        "process_cpu": cpu,
                        "fetch_wall": float(inside["wall"]),  # type: ignore[arg-type]
                        "fetch_cpu": float(inside["cpu"]),  # type: ignore[arg-type]
                    }
                    if name not in best or figures["fetch_wall"] < best[name]["fetch_wall"]:
                        best[name] = figures
                        detail[name] = inside
            results["sizes"].append(  # type: ignore[attr-defined]
                {"stored_items": stored, "best": best, "detail": detail}
            )
            c, r = best["curator"], best["reader"]
            print(
                f"{stored:>8} items stored: curator fetch {c['fetch_wall']:.2f} s wall "
                f"{c['fetch_cpu']:.2f} s CPU (process {c['process_wall']:.2f} / "
                f"{c['process_cpu']:.2f}); reader {r['fetch_wall']:.2f} / {r['fetch_cpu']:.2f} "
                f"(process {r['process_wall']:.2f} / {r['process_cpu']:.2f}); "
                f"ratio fetch wall {c['fetch_wall'] / r['fetch_wall']:.2f}, "
                f"process wall {c['process_wall'] / r['process_wall']:.2f}; "
                f"{detail['curator']}",
                flush=True,
            )
    sizes = results["sizes"]
    assert isinstance(sizes, list)
    if len(sizes) >= 2:
        small, large = sizes[0]["best"]["curator"], sizes[-1]["best"]["curator"]
        results["large_over_small_fetch_wall"] = large["fetch_wall"] / small["fetch_wall"]
        print(
            f"largest / smallest database, curator's fetch: "
            f"{results['large_over_small_fetch_wall']:.2f}x (target <= 1.2)"
        )
    return results


# --- serve mode ------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    """The processes started by `pid`, at any depth (the fork server, a job's process)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def serve_mode(args: argparse.Namespace, corpus: Path, tmp: Path) -> dict[str, object]:
    texts = articles(corpus)
    now = datetime.now(UTC)
    python = sys.executable
    with FeedServer() as server:
        # A few small feeds, so every tick has a fetch to do (most answer 304).
        feeds = []
        for i in range(20):
            items = "".join(
                f"<item><title>Article {i}-{k}</title><link>https://bench.invalid/{i}/{k}</link>"
                f"<guid>{i}-{k}</guid><description>{escape(opening(texts[i * 10 + k], 150))}"
                "</description></item>"
                for k in range(10)
            )
            body = f"<rss version='2.0'><channel><title>F{i}</title>{items}</channel></rss>"
            server.route(f"/f{i}.xml", conditional_feed(body.encode(), f'"{i}"'))
            feeds.append(server.url(f"/f{i}.xml"))
        config = tmp / "feeds.yaml"
        lines = [
            "profiles:",
            *[
                f"  - name: p{p}\n    objective: politique, économie, entreprises, culture {p}"
                for p in range(5)
            ],
            "fetch:",
            "  allow_private_addresses: true",
            "feeds:",
            *[f"  - url: {u}\n    full_text: never" for u in feeds],
        ]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        db = tmp / "serve.db"
        url = f"sqlite:///{db}"
        cmd = [python, "-m", "curator", "--config", str(config), "--db", url]
        run([*cmd, "fetch", "--all", "--json"])
        stored = pad(url, args.size, texts, now)
        print(f"{stored} items stored; starting curator serve", flush=True)
        proc = subprocess.Popen(
            [*cmd, "serve", "--port", "0", "--tick", str(args.tick)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=str(ROOT),
        )
        samples: list[dict[str, float]] = []
        try:
            seen = 0
            started = time.monotonic()
            while len(samples) < args.ticks and time.monotonic() - started < args.timeout:
                time.sleep(0.5)
                if proc.poll() is not None:
                    sys.exit(f"curator serve stopped:\n{proc.stderr.read().decode()[-3000:]}")  # type: ignore[union-attr]
                with sqlite3.connect(db) as conn:
                    done = conn.execute(
                        "SELECT count(*) FROM job_runs WHERE job = 'refresh' "
                        "AND finished_at IS NOT NULL"
                    ).fetchone()[0]
                if done > seen:
                    seen = done
                    time.sleep(1.0)  # between jobs: the tick has returned
                    # The service itself, and beside it what it started that is still there
                    # between jobs (the fork server its jobs come from, issue 19).
                    others = {p: rss_mb(p) for p in descendants(proc.pid)}
                    samples.append(
                        {
                            "tick": done,
                            "rss_mb": rss_mb(proc.pid),
                            "children_rss_mb": round(sum(others.values()), 1),
                            "children": len(others),
                            "at": time.monotonic() - started,
                        }
                    )
                    print(
                        f"  after tick {done}: {samples[-1]['rss_mb']:.0f} MB, "
                        f"its {len(others)} other processes {sum(others.values()):.0f} MB",
                        flush=True,
                    )
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return {"stored_items": stored, "profiles": 5, "samples": samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="the shared corpus folder")
    parser.add_argument(
        "--sizes",
        default="3000,100000",
        type=lambda s: [int(x) for x in s.split(",")],
        help="stored items of the databases compared",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, best kept")
    parser.add_argument("--serve-memory", action="store_true", help="measure curator serve")
    parser.add_argument("--size", type=int, default=100_000, help="serve mode: items stored")
    parser.add_argument("--ticks", type=int, default=4, help="serve mode: ticks to sample")
    parser.add_argument("--tick", type=float, default=5.0, help="serve mode: seconds per tick")
    parser.add_argument("--timeout", type=float, default=900.0, help="serve mode: give up after")
    parser.add_argument("--out", type=Path, help="where to write the figures (JSON)")
    parser.add_argument("--workdir", type=Path, help="keep the databases in this folder")
    args = parser.parse_args()
    corpus = corpus_root(args.corpus, expect="feeds")
    if corpus is None:
        sys.exit("the shared corpus is not on this machine (pass --corpus or set CURATOR_CORPUS)")
    with tempfile.TemporaryDirectory(prefix="curator-bench-") as folder:
        tmp = args.workdir or Path(folder)
        tmp.mkdir(parents=True, exist_ok=True)
        if args.serve_memory:
            results = serve_mode(args, corpus, tmp)
        else:
            results = fetch_mode(args, corpus, tmp)
    out = args.out or Path(tempfile.gettempdir()) / (
        "serve_memory.json" if args.serve_memory else "fetch_scale.json"
    )
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {out}")


if __name__ == "__main__":
    main()
