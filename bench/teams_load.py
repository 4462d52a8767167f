"""Load test of the PostgreSQL workers (issue 17): not a test, a bench that prints a table.

A loopback feed server answers on 50 addresses (127.0.0.2 ... 127.0.0.51, one "host" each) for
generated feeds (realistic sizes, ETags and 304s, a few slow, a few failing, new items every
round). For 1, 2 and 4 `curator worker` processes, each on a fresh PostgreSQL database with the
same feeds and profiles, it measures:

- round 1, every feed new: time for the full refresh, feeds per second;
- round 2, new items in a third of the feeds, every feed due again: the same, and with 2 or more
  workers one of them is SIGKILLed a third of the way through; afterwards every feed must have
  been fetched and every new item stored (a replacement worker is started, as systemd would);
- publication to score: from the round's publication to `computed_at` of the new items' scores
  for the first profile (median and max over its new items that were scored);
- the largest number of requests ever in flight to one host, counted by the server (must never
  exceed `fetch.per_host`);
- the database size.

    python bench/teams_load.py                      # reduced size (this machine is shared)
    python bench/teams_load.py --feeds 10000 --profiles 1000   # the issue's size

Needs PostgreSQL (CURATOR_BENCH_POSTGRES, default postgresql+psycopg://postgres@127.0.0.1:5432/
postgres: a database per run is created and dropped) and the `teams` extra.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
HOSTS = [f"127.0.0.{n}" for n in range(2, 52)]
_TEXT = (
    "recrutement data développeurs salaires télétravail cloud sécurité ingénieurs produit "
    "startup financement marketing vente prospection IA modèles formation management équipe "
    "hiring engineers remote pay cloud security product funding sales growth training"
)
WORDS = _TEXT.split()


class Site:
    """Generated feeds, a round counter and the in-flight counts per host."""

    def __init__(self, feeds: int, items: int, seed: int = 17) -> None:
        self.feeds = feeds
        self.items = items
        self.round = 1
        self.published: dict[int, float] = {1: time.time()}
        rng = random.Random(seed)
        self.slow = {i for i in range(feeds) if rng.random() < 0.03}
        self.failing = {i for i in range(feeds) if rng.random() < 0.02}
        self.lock = threading.Lock()
        self.in_flight: dict[str, int] = dict.fromkeys(HOSTS, 0)
        self.peak: dict[str, int] = dict.fromkeys(HOSTS, 0)
        self.requests = 0
        self.not_modified = 0

    def host_of(self, feed: int) -> str:
        return HOSTS[feed % len(HOSTS)]

    def new_in(self, feed: int, round_: int) -> bool:
        """Round 1 publishes every feed's history; later rounds add an item to a third."""
        return round_ == 1 or (feed + round_) % 3 == 0

    def entries(self, feed: int) -> list[tuple[str, int]]:
        """(guid, round) of the items the feed lists now, newest first."""
        listed = [(f"f{feed}-r{r}", r) for r in range(self.round, 1, -1) if self.new_in(feed, r)]
        listed += [(f"f{feed}-h{n}", 1) for n in range(self.items)]
        return listed[: self.items]

    def body(self, feed: int) -> tuple[bytes, str]:
        parts = [
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>',
            f"<title>Feed {feed}</title><link>http://{self.host_of(feed)}/</link>",
        ]
        for guid, round_ in self.entries(feed):
            # Each item's own text, the same in every round (a text drawn in sequence would
            # move to the next item when a new one arrives: every item edited, new ones
            # duplicating old ones).
            rng = random.Random(guid)
            words = " ".join(rng.choice(WORDS) for _ in range(120))  # ~1 KB of text per item
            when = format_datetime(datetime.fromtimestamp(self.published[round_], UTC), usegmt=True)
            parts.append(
                f"<item><title>{escape(' '.join(words.split()[:8]))}</title>"
                f"<link>http://{self.host_of(feed)}/a/{guid}</link><guid>{guid}</guid>"
                f"<pubDate>{when}</pubDate><description>{escape(words)}</description></item>"
            )
        parts.append("</channel></rss>")
        body = "".join(parts).encode()
        return body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"'

    def publish(self) -> float:
        with self.lock:
            self.round += 1
            self.published[self.round] = time.time()
            return self.published[self.round]


def serve(site: Site) -> list[ThreadingHTTPServer]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            host = self.server.server_address[0]
            with site.lock:
                site.requests += 1
                site.in_flight[host] += 1
                site.peak[host] = max(site.peak[host], site.in_flight[host])
            try:
                self._answer()
            finally:
                with site.lock:
                    site.in_flight[host] -= 1

        def _answer(self) -> None:
            try:
                feed = int(self.path.rsplit("/", 1)[-1].split(".")[0])
            except ValueError:
                feed = -1
            if not 0 <= feed < site.feeds:
                return self._send(404, b"not found")
            if feed in site.slow:
                time.sleep(1.5)
            if feed in site.failing:
                return self._send(500, b"server error")
            body, etag = site.body(feed)
            if self.headers.get("If-None-Match") == etag:
                with site.lock:
                    site.not_modified += 1
                return self._send(304, b"", etag=etag)
            return self._send(200, body, etag=etag)

        def _send(self, status: int, body: bytes, etag: str | None = None) -> None:
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
            if status == 200:
                self.send_header("Content-Type", "application/rss+xml")
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

    servers = []
    port = 0
    for host in HOSTS:
        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        port = server.server_address[1]  # the same port on every address
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def config_text(site: Site, port: int, profiles: int, per_host: int) -> str:
    rng = random.Random(3)
    lines = ["profiles:"]
    for p in range(profiles):
        objective = " ".join(rng.sample(WORDS, 8))
        lines += [
            f"  - name: p{p}",
            f"    objective: Je partage des analyses sur {objective}.",
            "    language: fr",
            "    timezone: Europe/Paris",
        ]
    lines += [
        "fetch:",
        "  allow_private_addresses: true",
        "  timeout: 10",
        f"  per_host: {per_host}",
        "feeds:",
    ]
    for f in range(site.feeds):
        lines.append(f"  - url: http://{site.host_of(f)}:{port}/feed/{f}.xml")
    return "\n".join(lines) + "\n"


class Run:
    def __init__(self, server_url: str, config: Path, workers: int, concurrency: int) -> None:
        self.name = f"curator_bench_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = make_url(server_url).set(database=self.name).render_as_string(False)
        self.engine = create_engine(self.url)
        self.config = config
        self.concurrency = concurrency
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs = Path(tempfile.mkdtemp(prefix="teams-load-"))
        subprocess.run(self._cmd("db", "upgrade"), check=True, cwd=REPO)
        # The configuration stored once before the workers start (each would store it).
        subprocess.run(self._cmd("status"), check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        for _ in range(workers):
            self.start_worker()

    def _cmd(self, *args: str, quiet: bool = True) -> list[str]:
        return [sys.executable, "-m", "curator", *(["-q"] if quiet else []), "--config",
                str(self.config), "--db", self.url, *args]  # fmt: skip

    def start_worker(self) -> None:
        log = (self.logs / f"w{len(self.procs)}.log").open("wb")
        self.procs.append(
            subprocess.Popen(
                self._cmd(
                    "worker",
                    "--tick",
                    "5",
                    "--concurrency",
                    str(self.concurrency),
                    "--stalled-after",
                    "10",
                    quiet=False,
                ),
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )

    def scalar(self, sql: str, **params: object) -> float:
        with self.engine.connect() as conn:
            return float(conn.execute(text(sql), params).scalar() or 0)

    def fetched_since(self, moment: float) -> int:
        return int(
            self.scalar(
                # Fetched or failed: either way its next fetch time moved past the round's start.
                "SELECT count(*) FROM feeds WHERE next_fetch_at > :t",
                t=datetime.fromtimestamp(moment, UTC),
            )
        )

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        self.engine.dispose()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def wait_round(run: Run, site: Site, started: float, timeout: float, kill_at: float | None) -> dict:
    """Until every feed was fetched (or failed) since `started`; SIGKILL one worker once
    `kill_at` of them are done, and start a replacement."""
    killed = None
    while True:
        done = run.fetched_since(started)
        if kill_at is not None and killed is None and done >= kill_at * site.feeds:
            victim = run.procs[0]
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            killed = done
            run.start_worker()
        if done >= site.feeds or time.time() - started > timeout:
            break
        time.sleep(0.5)
    seconds = time.time() - started
    return {"seconds": seconds, "fetched": done, "killed_at": killed}


def score_latency(run: Run, site: Site, round_: int, timeout: float) -> dict:
    """Publication to score of the round's new items for p0 (those its scores keep)."""
    published = site.published[round_]
    expected = sum(1 for f in range(site.feeds) if f not in site.failing and site.new_in(f, round_))
    deadline = time.time() + timeout
    delays: list[float] = []
    while time.time() < deadline:
        with run.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT s.computed_at FROM scores s JOIN items i ON i.id = s.item_id "
                    "WHERE s.profile = 'p0' AND i.guid LIKE :pattern"
                ),
                {"pattern": f"%-r{round_}"},
            ).all()
        delays = [r[0].timestamp() - published for r in rows]
        if len(delays) >= expected:
            break
        time.sleep(2)
    stored = int(run.scalar("SELECT count(*) FROM items WHERE guid LIKE :p", p=f"%-r{round_}"))
    return {
        "new_items": expected,
        "stored": stored,
        "scored_p0": len(delays),
        "median_s": statistics.median(delays) if delays else None,
        "max_s": max(delays) if delays else None,
    }


def bench(args: argparse.Namespace, workers: int, site: Site, port: int, server_url: str) -> dict:
    config = Path(tempfile.mkdtemp(prefix="teams-cfg-")) / "feeds.yaml"
    config.write_text(config_text(site, port, args.profiles, args.per_host), encoding="utf-8")
    site.round = 1
    site.published = {1: time.time()}
    site.peak = dict.fromkeys(HOSTS, 0)
    run = Run(server_url, config, workers, args.concurrency)
    try:
        first_start = time.time()
        first = wait_round(run, site, first_start, args.timeout, None)
        # Round 2: new items in a third of the feeds, every feed due again.
        started = site.publish()
        with run.engine.begin() as conn:
            conn.execute(
                text("UPDATE feeds SET next_fetch_at = :t"),
                {"t": datetime.fromtimestamp(started, UTC)},
            )
        second = wait_round(run, site, started, args.timeout, 0.33 if workers >= 2 else None)
        latency = score_latency(run, site, 2, args.score_timeout)
        missing = int(
            run.scalar(
                "SELECT count(*) FROM feeds WHERE next_fetch_at <= :t",
                t=datetime.fromtimestamp(started, UTC),
            )
        )
        queue = subprocess.run(
            run._cmd("status", "--json"), cwd=REPO, capture_output=True, text=True, check=False
        )
        task_queue = json.loads(queue.stdout).get("task_queue", {}) if queue.stdout else {}
        size = run.scalar("SELECT pg_database_size(current_database())")
        return {
            "workers": workers,
            "first_refresh_s": round(first["seconds"], 1),
            "first_feeds_per_s": round(first["fetched"] / first["seconds"], 1),
            "second_refresh_s": round(second["seconds"], 1),
            "second_feeds_per_s": round(second["fetched"] / second["seconds"], 1),
            "killed_at_feed": second["killed_at"],
            "feeds_not_fetched_in_round_2": missing,
            "new_items": latency["new_items"],
            "new_items_stored": latency["stored"],
            "publication_to_score_median_s": latency["median_s"] and round(latency["median_s"], 1),
            "publication_to_score_max_s": latency["max_s"] and round(latency["max_s"], 1),
            "scored_for_p0": latency["scored_p0"],
            "max_in_flight_per_host": max(site.peak.values()),
            "per_host_limit": args.per_host,
            "db_mb": round(size / 2**20, 1),
            "failed_tasks": task_queue.get("failed"),
        }
    finally:
        run.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20, help="items per feed")
    parser.add_argument("--profiles", type=int, default=20)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--concurrency", type=int, default=8, help="tasks per worker at once")
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per round at most")
    parser.add_argument("--score-timeout", type=float, default=180)
    args = parser.parse_args()
    server_url = os.environ.get(
        "CURATOR_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    site = Site(args.feeds, args.items)
    servers = serve(site)
    port = servers[0].server_address[1]
    print(
        f"{args.feeds} feeds on {len(HOSTS)} hosts, {args.items} items each, {args.profiles} "
        f"profiles, per_host {args.per_host}, {len(site.slow)} slow, {len(site.failing)} failing",
        flush=True,
    )
    results = []
    for n in (int(x) for x in args.workers.split(",")):
        result = bench(args, n, site, port, server_url)
        results.append(result)
        print(json.dumps(result), flush=True)
    for server in servers:
        server.shutdown()
    print()
    print("| workers | full refresh | feeds/s | round 2 (SIGKILL) | feeds/s | not fetched | "
          "new items stored | publication to score (p0, median / max) | max in flight per host "
          "| DB size |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        killed = f", killed at {r['killed_at_feed']}" if r["killed_at_feed"] else ""
        print(
            f"| {r['workers']} | {r['first_refresh_s']} s | {r['first_feeds_per_s']} | "
            f"{r['second_refresh_s']} s{killed} | {r['second_feeds_per_s']} | "
            f"{r['feeds_not_fetched_in_round_2']} | {r['new_items_stored']}/{r['new_items']} | "
            f"{r['publication_to_score_median_s']} / {r['publication_to_score_max_s']} s "
            f"({r['scored_for_p0']} scored) | {r['max_in_flight_per_host']} "
            f"(limit {r['per_host_limit']}) | {r['db_mb']} MB |"
        )


if __name__ == "__main__":
    main()
