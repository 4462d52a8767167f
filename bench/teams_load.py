"""Load test of the PostgreSQL workers (issue 17): not a test, a bench that prints a table.

A loopback feed server answers on 50 addresses (127.0.0.2 ... 127.0.0.51, one "host" each) for
generated feeds (items of about 1 KB of full content, ETags and 304s, a few slow, a few failing,
new items every round), and an SMTP server on 127.0.0.1 takes the digests of the first
`--digest-profiles` profiles (due from the start, sent even when empty). For 1, 2 and 4
`curator worker` processes, each on a fresh PostgreSQL database with the same feeds and
profiles, it measures:

- round 1, every feed new: time for the full refresh, feeds per second;
- round 2, new items in a third of the feeds, every feed due again: the same;
- with 2 or more workers, one of them is SIGKILLed a third of the way through each round (a
  replacement starts, as systemd would restart it); after each round every feed must have been
  fetched, every item stored, no task failed or left running on the dead worker, and no digest
  reached the SMTP server twice;
- publication to score: from round 2's publication to the first scoring pass of the first
  profile that began after the new item was stored (seen by polling, so up to a second late);
- the largest number of requests ever in flight to one host, counted by the server (must never
  exceed `fetch.per_host`);
- the CPU time of the workers (each process and its children) and of the database server's
  processes for this database, beside wall time and the machine's load average;
- the database size.

`--budget` bounds one configuration (default 25 minutes): a round still running then is
stopped, its partial figures reported with the tasks the queue still held.

    python bench/teams_load.py                      # reduced size (this machine is shared)
    python bench/teams_load.py --feeds 10000 --profiles 1000   # the issue's size

Needs PostgreSQL (CURATOR_BENCH_POSTGRES, default postgresql+psycopg://postgres@127.0.0.1:5432/
postgres: a database per run is created and dropped), the `teams` extra and aiosmtpd (dev).
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
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
HOSTS = [f"127.0.0.{n}" for n in range(2, 52)]
ZONE = "Europe/Paris"
_TEXT = (
    "recrutement data développeurs salaires télétravail cloud sécurité ingénieurs produit "
    "startup financement marketing vente prospection IA modèles formation management équipe "
    "hiring engineers remote pay cloud security product funding sales growth training"
)
WORDS = _TEXT.split()
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Site:
    """Generated feeds, a round counter and the in-flight counts per host."""

    def __init__(self, feeds: int, items: int, seed: int = 17) -> None:
        self.feeds = feeds
        self.items = items
        self.port = 0
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

    def expected_items(self) -> int:
        """Distinct items the working feeds have listed up to this round."""
        working = [f for f in range(self.feeds) if f not in self.failing]
        later = sum(self.new_in(f, r) for r in range(2, self.round + 1) for f in working)
        return len(working) * self.items + later

    def body(self, feed: int) -> tuple[bytes, str]:
        parts = [
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>',
            f"<title>Feed {feed}</title><link>http://{self.host_of(feed)}:{self.port}/</link>",
        ]
        for guid, round_ in self.entries(feed):
            # Each item's own text, the same in every round (a text drawn in sequence would
            # move to the next item when a new one arrives: every item edited, new ones
            # duplicating old ones).
            rng = random.Random(guid)
            words = " ".join(rng.choice(WORDS) for _ in range(120))  # ~1 KB of text per item
            when = format_datetime(datetime.fromtimestamp(self.published[round_], UTC), usegmt=True)
            # The whole article in the feed (content:encoded, as most full-text feeds): a
            # summary alone would make curator fetch every article page.
            parts.append(
                f"<item><title>{escape(' '.join(words.split()[:8]))}</title>"
                f"<link>http://{self.host_of(feed)}:{self.port}/a/{guid}</link>"
                f"<guid>{guid}</guid><pubDate>{when}</pubDate>"
                f"<description>{escape(' '.join(words.split()[:30]))}</description>"
                f"<content:encoded>{escape('<p>' + words + '.</p>')}</content:encoded></item>"
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
            if not self.path.startswith("/feed/") or not 0 <= feed < site.feeds:
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

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            # A worker killed mid-request resets its connections: not the server's failure.
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    servers = []
    port = 0
    for host in HOSTS:
        server = Server((host, port), Handler)
        port = server.server_address[1]  # the same port on every address
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    site.port = port
    return servers


class _Controller(Controller):  # type: ignore[misc]
    """Binds port 0 and learns the port the system picked before checking it answers."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Mailbox:
    """An SMTP server on 127.0.0.1 that keeps each accepted message's Message-ID."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: list[str] = []
        self.controller = _Controller(self, hostname="127.0.0.1", port=0)
        self.controller.start()
        self.port = self.controller.port

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self.lock:
                    self.ids.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"

    def take(self) -> list[str]:
        with self.lock:
            ids, self.ids = self.ids, []
            return ids

    def stop(self) -> None:
        self.controller.stop()


def config_text(
    site: Site, profiles: int, per_host: int, digests: int, smtp_port: int, digest_at: str
) -> str:
    rng = random.Random(3)
    lines = ["profiles:"]
    for p in range(profiles):
        objective = " ".join(rng.sample(WORDS, 8))
        lines += [
            f"  - name: p{p}",
            f"    objective: Je partage des analyses sur {objective}.",
            "    language: fr",
            f"    timezone: {ZONE}",
        ]
        if p < digests:
            lines.append(
                f'    digest: {{time: "{digest_at}", to: [p{p}@example.org], min_score: 0.0, '
                "send_when_empty: true}"
            )
    lines += [
        f"smtp: {{host: 127.0.0.1, port: {smtp_port}, from: curator@example.org}}",
        "fetch:",
        "  allow_private_addresses: true",
        "  timeout: 10",
        f"  per_host: {per_host}",
        "feeds:",
    ]
    for f in range(site.feeds):
        lines.append(f"  - url: http://{site.host_of(f)}:{site.port}/feed/{f}.xml")
    return "\n".join(lines) + "\n"


def _proc_table() -> dict[int, tuple[int, float]]:
    """Every process's (parent, user + system CPU seconds) from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rpartition(b")")[2].split()
        except OSError:
            continue
        table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return table


class Meter:
    """CPU seconds of the workers' process trees and of the database's server processes,
    sampled: each process counts with the last value seen, so one that ends between two
    samples loses at most a sample's interval."""

    def __init__(self) -> None:
        self.last: dict[int, tuple[str, float]] = {}  # pid -> (group, CPU seconds)
        self.loads: list[float] = []

    def sample(self, roots: dict[int, str]) -> None:
        table = _proc_table()
        children: dict[int, list[int]] = {}
        for pid, (parent, _) in table.items():
            children.setdefault(parent, []).append(pid)
        for root, group in roots.items():
            stack = [root]
            while stack:
                pid = stack.pop()
                if pid in table:
                    self.last[pid] = (group, table[pid][1])
                    stack += children.get(pid, [])
        self.loads.append(os.getloadavg()[0])

    def totals(self) -> dict[str, float]:
        sums: Counter[str] = Counter()
        for group, seconds in self.last.values():
            sums[group] += seconds
        return dict(sums)

    def load(self) -> dict[str, float]:
        if not self.loads:
            return {}
        return {"min": min(self.loads), "mean": statistics.fmean(self.loads),
                "max": max(self.loads)}  # fmt: skip


class Run:
    def __init__(
        self, server_url: str, config: Path, workers: int, concurrency: int, tick: int
    ) -> None:
        self.name = f"curator_bench_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = make_url(server_url).set(database=self.name).render_as_string(False)
        self.engine = create_engine(self.url)
        self.config = config
        self.concurrency = concurrency
        self.tick = tick
        self.procs: list[subprocess.Popen[bytes]] = []
        self.meter = Meter()
        self.logs = Path(tempfile.mkdtemp(prefix="teams-load-"))
        started = time.time()
        subprocess.run(self._cmd("db", "upgrade"), check=True, cwd=REPO)
        # The configuration stored once before the workers start (each would store it).
        subprocess.run(self._cmd("status"), check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        self.setup_seconds = time.time() - started
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
                    str(self.tick),
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

    def kill_one(self) -> None:
        """SIGKILL the oldest live worker (its CPU sampled just before) and start another."""
        victim = next(p for p in self.procs if p.poll() is None)
        self.sample()
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.start_worker()

    def sample(self) -> None:
        roots = {p.pid: "workers" for p in self.procs if p.poll() is None}
        with self.engine.connect() as conn:
            backends = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            ).scalars()
            roots.update(dict.fromkeys(backends, "database"))
        self.meter.sample(roots)

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

    def queue(self) -> dict[str, int]:
        """Tasks by name and status, e.g. {"fetch_feed todo": 812, "rescore doing": 1}."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT task_name, status::text, count(*) "
                    "FROM procrastinate.procrastinate_jobs GROUP BY 1, 2"
                )
            ).all()
        return {f"{task.rsplit('.', 1)[-1]} {status}": int(n) for task, status, n in rows}

    def failed(self) -> int:
        return sum(n for key, n in self.queue().items() if key.endswith(" failed"))

    def orphans(self) -> int:
        """Tasks still marked running on a worker that no longer sends heartbeats."""
        return int(
            self.scalar(
                "SELECT count(*) FROM procrastinate.procrastinate_jobs j "
                "LEFT JOIN procrastinate.procrastinate_workers w ON w.id = j.worker_id "
                "WHERE j.status = 'doing' AND (w.id IS NULL OR "
                "w.last_heartbeat < now() - interval '30 seconds')"
            )
        )

    def task_log(self) -> dict[str, dict[str, float]]:
        """From the workers' logs: how many of each task ran and their seconds in total."""
        counts: Counter[str] = Counter()
        seconds: Counter[str] = Counter()
        for log in self.logs.glob("w*.log"):
            for line in log.read_text(errors="replace").splitlines():
                if not line.startswith('{"task"'):
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                counts[entry["task"]] += 1
                seconds[entry["task"]] += float(entry.get("seconds") or 0)
        return {task: {"count": counts[task], "seconds": round(seconds[task], 1)}
                for task in counts}  # fmt: skip

    def stop(self) -> None:
        self.sample()
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.engine.dispose()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


class ScoreWatch:
    """When each new item of a round was first seen stored, and when the first profile's
    scoring passes (the instant each one began: the `through` of its state) became visible."""

    def __init__(self, run: Run, published: float, pattern: str = "%") -> None:
        self.run = run
        self.published = published
        self.pattern = pattern
        self.seen: dict[int, float] = {}
        self.passes: list[tuple[float, float]] = []  # (seen at, began at)
        self.low = 0

    def poll(self) -> None:
        with self.run.engine.connect() as conn:
            # Ids grow with each insert; transactions commit out of order, but never 5,000
            # items apart.
            ids = conn.execute(
                text("SELECT id FROM items WHERE id > :low AND guid LIKE :p"),
                {"low": self.low, "p": self.pattern},
            ).scalars()
            state = conn.execute(text("SELECT value FROM meta WHERE key = 'score.pass.p0'"))
            value = state.scalar()
        now = time.time()
        for item in ids:
            self.seen.setdefault(item, now)
        if self.seen:
            self.low = max(0, max(self.seen) - 5000)
        if value:
            began = datetime.fromisoformat(value["through"]).timestamp()
            if not self.passes or self.passes[-1][1] != began:
                self.passes.append((now, began))

    def scored_at(self, item: int) -> float | None:
        stored = self.seen[item]
        return next((seen for seen, began in self.passes if began >= stored), None)

    def all_scored(self) -> bool:
        return bool(self.seen) and all(self.scored_at(i) is not None for i in self.seen)

    def figures(self) -> dict[str, Any]:
        pairs = [(self.seen[i], self.scored_at(i)) for i in self.seen]
        done = [(stored, scored) for stored, scored in pairs if scored is not None]
        published = [scored - self.published for _, scored in done]
        waited = [scored - stored for stored, scored in done]

        def spread(values: list[float]) -> str | None:
            if not values:
                return None
            return f"{statistics.median(values):.0f} / {max(values):.0f}"

        return {
            "items_seen": len(pairs),
            "items_scored_p0": len(done),
            "publication_to_score_s": spread(published),  # median / max
            "stored_to_score_s": spread(waited),
            "scoring_passes_p0": len(self.passes),
        }


def wait_round(
    run: Run,
    site: Site,
    started: float,
    deadline: float,
    kill_after: float | None,
    watches: list[ScoreWatch],
) -> dict:
    """Until every feed was fetched (or failed) since `started`, or the deadline. With
    `kill_after`, SIGKILL one worker once a third of the feeds are done or `kill_after` seconds
    have passed, whichever comes first, and start a replacement."""
    killed = None
    next_sample = 0.0
    while True:
        done = run.fetched_since(started)
        late = kill_after is not None and time.time() - started >= kill_after
        if kill_after is not None and killed is None and (done >= site.feeds / 3 or late):
            run.kill_one()
            killed = done
        if time.time() >= next_sample:
            run.sample()
            for watch in watches:
                watch.poll()
            next_sample = time.time() + 2
        if done >= site.feeds or time.time() > deadline:
            break
        time.sleep(0.5)
    seconds = time.time() - started
    run.sample()
    complete = done >= site.feeds
    return {"seconds": seconds, "fetched": done, "killed_at": killed, "complete": complete}


def round_checks(
    run: Run, site: Site, started: float, mailbox: Mailbox, sent: Counter[str], first: bool
) -> dict:
    """What a round lost, if anything: feeds left without a task, items not stored, tasks
    failed or left running on a dead worker, digests sent twice. Works on a round stopped
    early too: the items are those of the feeds fetched so far (round 1)."""
    time.sleep(15)  # past --stalled-after: the dead worker's tasks are retried by then
    sent.update(mailbox.take())
    moment = datetime.fromtimestamp(started, UTC)
    if first:
        # Our server sends an ETag with every 200: a feed with one was stored at least once.
        fetched = run.scalar("SELECT count(*) FROM feeds WHERE etag IS NOT NULL")
        expected = int(fetched) * site.items
    else:
        expected = site.expected_items()
    return {
        "feeds_without_task": int(
            run.scalar(
                "SELECT count(*) FROM feeds f WHERE f.next_fetch_at <= :t AND NOT EXISTS ("
                "SELECT 1 FROM procrastinate.procrastinate_jobs j WHERE j.task_name = "
                "'curator.fetch_feed' AND j.status IN ('todo', 'doing') "
                "AND (j.args->>'feed_id')::bigint = f.id)",
                t=moment,
            )
        ),
        "items_stored": int(run.scalar("SELECT count(*) FROM items")),
        "items_expected": expected,
        "failed_tasks": run.failed(),
        "orphan_tasks": run.orphans(),
        "digests_sent": len(sent),
        "digests_sent_twice": sum(1 for n in sent.values() if n > 1),
    }


def bench(
    args: argparse.Namespace, workers: int, site: Site, server_url: str, mailbox: Mailbox
) -> dict:
    config = Path(tempfile.mkdtemp(prefix="teams-cfg-")) / "feeds.yaml"
    digest_at = (datetime.now(ZoneInfo(ZONE)) - timedelta(minutes=5)).strftime("%H:%M")
    config.write_text(
        config_text(site, args.profiles, args.per_host, args.digest_profiles, mailbox.port,
                    digest_at),
        encoding="utf-8",
    )  # fmt: skip
    site.round = 1
    site.published = {1: time.time()}
    site.peak = dict.fromkeys(HOSTS, 0)
    site.not_modified = 0
    mailbox.take()
    sent: Counter[str] = Counter()
    begun = time.time()
    deadline = begun + args.budget
    bench_cpu = time.process_time()
    run = Run(server_url, config, workers, args.concurrency, args.tick)
    result: dict[str, Any] = {"workers": workers, "setup_s": round(run.setup_seconds, 1)}
    kill_after = args.budget / 3 if workers >= 2 else None
    try:
        first_start = time.time()
        site.published[1] = first_start
        first_watch = ScoreWatch(run, first_start, "%-h%")
        first = wait_round(run, site, first_start, deadline, kill_after, [first_watch])
        part = result["round_1"] = {
            "seconds": round(first["seconds"], 1),
            "feeds_fetched": first["fetched"],
            "feeds_per_s": round(first["fetched"] / first["seconds"], 1),
            "killed_at_feed": first["killed_at"],
            "complete": first["complete"],
            "cpu_s": {k: round(v, 1) for k, v in run.meter.totals().items()},
        }
        if not first["complete"]:
            part["queue_at_stop"] = run.queue()
        part.update(round_checks(run, site, first_start, mailbox, sent, True))
        first_watch.poll()
        part.update(first_watch.figures())
        if not first["complete"] or time.time() > deadline - 60:
            return result
        # Round 2: new items in a third of the feeds, every feed due again.
        before = run.meter.totals()
        started = site.publish()
        with run.engine.begin() as conn:
            conn.execute(
                text("UPDATE feeds SET next_fetch_at = :t"),
                {"t": datetime.fromtimestamp(started, UTC)},
            )
        watch = ScoreWatch(run, started, "%-r2")
        kill_after = (deadline - started) / 3 if workers >= 2 else None
        second = wait_round(run, site, started, deadline, kill_after, [watch, first_watch])
        part = result["round_2"] = {
            "seconds": round(second["seconds"], 1),
            "feeds_fetched": second["fetched"],
            "feeds_per_s": round(second["fetched"] / second["seconds"], 1),
            "killed_at_feed": second["killed_at"],
            "complete": second["complete"],
            "cpu_s": {k: round(v - before.get(k, 0), 1) for k, v in run.meter.totals().items()},
            "not_modified": site.not_modified,
        }
        if not second["complete"]:
            part["queue_at_stop"] = run.queue()
        else:
            while not watch.all_scored() and time.time() < deadline:
                run.sample()
                watch.poll()
                first_watch.poll()
                time.sleep(1)
        part.update(watch.figures())
        # Round 1's items scored since, during round 2.
        result["round_1"].update(first_watch.figures())
        part.update(round_checks(run, site, started, mailbox, sent, False))
        return result
    finally:
        result["max_in_flight_per_host"] = max(site.peak.values())
        result["per_host_limit"] = args.per_host
        try:
            result["db_mb"] = round(
                run.scalar("SELECT pg_database_size(current_database())") / 2**20, 1
            )
            result["score_rows"] = int(run.scalar("SELECT count(*) FROM scores"))
            result["tasks"] = run.task_log()
        finally:
            run.stop()
        result["cpu_s"] = {k: round(v, 1) for k, v in run.meter.totals().items()}
        result["cpu_s"]["bench_and_feed_server"] = round(time.process_time() - bench_cpu, 1)
        result["wall_s"] = round(time.time() - begun, 1)
        result["load_average"] = {k: round(v, 1) for k, v in run.meter.load().items()}
        result["logs"] = str(run.logs)


def _cell(r: dict, key: str) -> str:
    part = r.get(key)
    if not part:
        return "not reached"
    cpu = part["cpu_s"]
    text_ = f"{part['seconds']} s ({part['feeds_per_s']} feeds/s"
    text_ += f"; CPU workers {cpu.get('workers', 0)} s, database {cpu.get('database', 0)} s)"
    if not part["complete"]:
        text_ += f", stopped at {part['feeds_fetched']} feeds"
    if part["killed_at_feed"]:
        text_ += f", killed at {part['killed_at_feed']}"
    return text_


def table(results: list[dict]) -> str:
    rows = [
        "| workers | round 1: all new | round 2: a third new | lost (feeds without a task / "
        "items / tasks failed or orphaned / digests sent twice) | publication to score, first "
        "profile (median / max; round 1, round 2) | most in flight to one host | database | "
        "load average |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lost, latency = [], []
        for key in ("round_1", "round_2"):
            part = r.get(key) or {}
            if "items_expected" in part:
                lost.append(
                    f"{part['feeds_without_task']} / "
                    f"{part['items_expected'] - part['items_stored']} / "
                    f"{part['failed_tasks'] + part['orphan_tasks']} / {part['digests_sent_twice']}"
                )
            if part.get("publication_to_score_s"):
                latency.append(
                    f"{part['publication_to_score_s']} s ({part['items_scored_p0']} of "
                    f"{part['items_seen']})"
                )
        load = r.get("load_average", {})
        rows.append(
            f"| {r['workers']} | {_cell(r, 'round_1')} | {_cell(r, 'round_2')} | "
            f"{'; '.join(lost) or 'not checked'} | {'; '.join(latency) or 'not measured'} | "
            f"{r['max_in_flight_per_host']} (limit {r['per_host_limit']}) | {r.get('db_mb')} MB | "
            f"{load.get('min')} to {load.get('max')} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=10, help="items per feed")
    parser.add_argument("--profiles", type=int, default=20)
    parser.add_argument("--digest-profiles", type=int, default=20)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--concurrency", type=int, default=8, help="tasks per worker at once")
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--tick", type=int, default=5, help="seconds between the workers' ticks")
    parser.add_argument("--budget", type=float, default=1500, help="seconds per configuration")
    parser.add_argument("--output", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    server_url = os.environ.get(
        "CURATOR_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    site = Site(args.feeds, args.items)
    servers = serve(site)
    mailbox = Mailbox()
    print(
        f"{args.feeds} feeds on {len(HOSTS)} hosts, {args.items} items each, {args.profiles} "
        f"profiles ({min(args.digest_profiles, args.profiles)} with digests), "
        f"per_host {args.per_host}, "
        f"{len(site.slow)} slow, {len(site.failing)} failing",
        flush=True,
    )
    results = []
    try:
        for n in (int(x) for x in args.workers.split(",")):
            result = bench(args, n, site, server_url, mailbox)
            results.append(result)
            print(json.dumps(result), flush=True)
            if args.output:
                record = {"command": " ".join(sys.argv), "runs": results}
                args.output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    finally:
        for server in servers:
            server.shutdown()
        mailbox.stop()
    print()
    print(table(results))


if __name__ == "__main__":
    main()
