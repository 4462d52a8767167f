"""`curator worker` and `curator serve --workers N` on PostgreSQL: the only procrastinate import.

The twin of `scheduler.py` (APScheduler, one process) for a team's shared PostgreSQL database
(issue 17). Tasks are thin calls into the facade; every piece of state lives in the database, so
delivery can be at least once: a task that runs twice, or again after its worker was killed,
does the right thing (a fetch upserts on the item's key, a digest claims its outbox row, a plan
keeps its slots).

- `tick` (periodic, deferred once per period across all workers): one `fetch_feed` task per due
  feed (`queueing_lock` and `lock` `feed:<id>`: no pile-up, never two fetches of one feed at
  once) and one `digest` task per profile whose digest is due (`digest:<profile>:<day>`).
- `fetch_feed` holds one of the host's `fetch.per_host` slots, shared by every worker through
  PostgreSQL advisory locks (a killed worker's connection closes and frees its slot), and
  fetches one request at a time inside it. When it stored something new it defers `rescore`.
- `rescore` (at most one waiting, so the changes stored meanwhile are scored together; one at
  a time) scores every profile incrementally in one pass, then defers `plan_profile` per profile.
- `retry_stalled`: tasks of a worker that stopped sending heartbeats (killed, machine gone) go
  back to the queue for another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import procrastinate
import psycopg
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.engine import make_url

from curator.errors import InvalidAction, StorageError
from curator.i18n import N_, Message
from curator.outputs import outbox
from curator.store.taskqueue import SCHEMA, analyze_jobs, create_queue_schema

if TYPE_CHECKING:
    from curator.app import Curator
    from curator.types import Feed

log = logging.getLogger("curator.service")

QUEUE = "curator"
DEFER_BATCH = 500  # fetch tasks deferred by the tick in one statement
# Higher first (procrastinate picks by priority, then age): a first refresh of 10,000 feeds
# queues 10,000 fetch tasks, and what came after them (putting back a dead worker's tasks,
# the next tick, scoring, a digest due at its time) waited until all of them had run.
PRIORITY_SWEEP = 30
PRIORITY_DIGEST = 20
PRIORITY_SCORE = 10
PRIORITY_FETCH = 0
ANALYZE_AFTER = 500  # tasks deferred at once past which the queue's statistics are refreshed
#: A full pass even with nothing new: freshness decays and the horizon moves (as the service).
FULL_PASS_CRON = "7 * * * *"


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    concurrency: int = 8  # tasks run at once by one worker process (threads: fetches wait on I/O)
    tick_seconds: int = 60  # how often due feeds are looked for
    name: str | None = None
    heartbeat_seconds: float = 5.0
    stalled_after_seconds: float = 20.0  # no heartbeat for this long: its tasks are retried


def tick_cron(seconds: int) -> str:
    """procrastinate's cron for a tick of `seconds` (a 6th field counts seconds)."""
    if seconds < 60:
        if 60 % seconds:
            raise InvalidAction(
                Message(N_("--tick {seconds}: below a minute it must divide 60"), seconds=seconds)
            )
        return f"* * * * * */{seconds}"
    if seconds % 60 or 60 % (seconds // 60):
        raise InvalidAction(
            Message(
                N_("--tick {seconds}: from a minute up it must be 60, 120, ... 3600"),
                seconds=seconds,
            )
        )
    return f"*/{seconds // 60} * * * *"


def conninfo(url: str) -> str:
    """libpq connection string for a SQLAlchemy PostgreSQL URL, the queue's schema first."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise InvalidAction(
            Message(
                N_("workers need a PostgreSQL database (--db postgresql+psycopg://...), not {url}"),
                url=parsed,
            )
        )
    params: dict[str, Any] = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
        **{k: v for k, v in parsed.query.items() if isinstance(v, str)},
    }
    params["options"] = f"-c search_path={SCHEMA},public"
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v is not None})


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class HostSlots:
    """`fetch.per_host` slots per host, shared by every worker on the database: slot i of
    host h is the advisory lock (crc32(h), i), held on this thread's own connection."""

    def __init__(self, dsn: str, per_host: int) -> None:
        self.dsn = dsn
        self.per_host = max(per_host, 1)
        self._local = threading.local()

    def _connection(self) -> psycopg.Connection[Any]:
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self.dsn, autocommit=True)
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def hold(self, host: str) -> Iterator[int]:
        key = zlib.crc32(host.encode()) - (1 << 31)  # int4, as pg_advisory_lock(int, int) takes
        conn = self._connection()
        slots = list(range(self.per_host))
        random.shuffle(slots)
        held = None
        for slot in slots:
            row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (key, slot)).fetchone()
            if row and row[0]:
                held = slot
                break
        if held is None:  # all taken: wait for one (the server wakes us, no polling)
            held = slots[0]
            conn.execute("SELECT pg_advisory_lock(%s, %s)", (key, held))
        try:
            yield held
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", (key, held))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()


def ensure_queue(curator: Curator) -> None:
    """The queue's schema, when `curator db upgrade` ran before procrastinate was installed."""
    with curator.db.engine.begin() as conn:
        if create_queue_schema(conn):
            log.info("%s", json.dumps({"event": "queue-created", "schema": SCHEMA}))


def refresh_statistics(curator: Curator) -> None:
    with curator.db.engine.begin() as conn:
        analyze_jobs(conn)


def build(curator: Curator, options: WorkerOptions) -> tuple[procrastinate.App, HostSlots]:
    """The procrastinate app with curator's tasks bound to one facade."""
    dsn = conninfo(curator.db.url)
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=dsn),
        periodic_defaults={"max_delay": 600},
    )
    slots = HostSlots(dsn, curator.settings.fetch.per_host)
    # No RetryStrategy: a failed task is deferred again by what deferred it (the next tick for
    # a feed still due or a digest still unsent, the next change for scoring), and procrastinate
    # cannot put a failed task back while its queueing lock is taken by the next one.

    def log_task(name: str, detail: dict[str, Any]) -> None:
        log.info("%s", json.dumps({"task": name, **detail}, default=str, ensure_ascii=False))

    @app.task(name="curator.fetch_feed", queue=QUEUE)
    def fetch_feed(feed_id: int, host: str) -> None:
        started = time.monotonic()
        with slots.hold(host):
            waited = time.monotonic() - started
            report = curator.fetch_feed(feed_id, per_host=1)
        detail = {"feed": feed_id, "host": host, "new": report.new_items,
                  "waited": round(waited, 3), "seconds": round(report.seconds, 3)}  # fmt: skip
        log_task("fetch_feed", detail)
        if report.new_items + report.updated_items + report.clustered:
            defer_rescore()

    def defer_rescore() -> None:
        # At most one waiting: the changes stored while it waits are scored together. Not
        # `schedule_in`: procrastinate would date it with this process's clock and compare it
        # with the database's.
        with contextlib.suppress(AlreadyEnqueued):
            rescore.configure(
                queueing_lock="rescore", lock="score", priority=PRIORITY_SCORE
            ).defer()

    @app.task(name="curator.rescore", queue=QUEUE)
    def rescore() -> None:
        # One scoring pass for every profile: the items are vectorized once, and the pass
        # writes the corpus statistics all profiles share, so two at once would collide
        # (`lock="score"`). Planning, per profile, runs on every worker in parallel.
        started = time.monotonic()
        scored = curator.score(incremental=True)
        seconds = round(time.monotonic() - started, 3)
        log_task("rescore", {"score": scored.summary(), "seconds": seconds})
        for profile in curator.settings.profiles:
            with contextlib.suppress(AlreadyEnqueued):
                plan_profile.configure(
                    queueing_lock=f"plan:{profile.name}",
                    lock=f"plan:{profile.name}",
                    priority=PRIORITY_SCORE,
                ).defer(profile=profile.name)
        if len(curator.settings.profiles) >= ANALYZE_AFTER:
            refresh_statistics(curator)

    @app.periodic(cron=FULL_PASS_CRON, periodic_id="full-pass", priority=PRIORITY_SCORE)
    @app.task(name="curator.full_pass", queue=QUEUE, queueing_lock="full-pass")
    def full_pass(timestamp: int) -> None:
        defer_rescore()

    @app.task(name="curator.plan_profile", queue=QUEUE)
    def plan_profile(profile: str) -> None:
        started = time.monotonic()
        planned = curator.plan(profile)
        seconds = round(time.monotonic() - started, 3)
        detail = {"profile": profile, "plan": planned.summary(), "seconds": seconds}
        log_task("plan_profile", detail)

    @app.task(name="curator.digest", queue=QUEUE)
    def digest(profile: str, day: str) -> None:
        report = curator.send_due_digest(profile, catch_up=True)
        outcomes = [[o.day.isoformat(), o.outcome] for o in report.outcomes]
        log_task("digest", {"profile": profile, "day": day, "outcomes": outcomes})

    async def open_fetches() -> set[int]:
        rows = await app.connector.execute_query_all_async(
            f"SELECT (args->>'feed_id')::bigint AS feed_id FROM {SCHEMA}.procrastinate_jobs "
            "WHERE task_name = 'curator.fetch_feed' AND status IN ('todo', 'doing')"
        )
        return {int(row["feed_id"]) for row in rows}

    async def defer_fetches(feeds: list[Feed]) -> int:
        deferred = 0
        for start in range(0, len(feeds), DEFER_BATCH):
            jobs = [
                fetch_feed.configure(
                    queueing_lock=f"feed:{feed.id}", lock=f"feed:{feed.id}", priority=PRIORITY_FETCH
                ).make_new_job(feed_id=feed.id, host=host_of(feed.url))
                for feed in feeds[start : start + DEFER_BATCH]
            ]
            try:
                await app.job_manager.batch_defer_jobs_async(jobs)
                deferred += len(jobs)
                continue
            except AlreadyEnqueued:
                pass  # one was deferred meanwhile (a stalled task retried): one by one
            for job in jobs:
                with contextlib.suppress(AlreadyEnqueued):
                    await app.job_manager.defer_job_async(job)
                    deferred += 1
        return deferred

    @app.periodic(cron=tick_cron(options.tick_seconds), periodic_id="tick", priority=PRIORITY_SWEEP)
    @app.task(name="curator.tick", queue=QUEUE, queueing_lock="tick")
    async def tick(timestamp: int) -> None:
        started = time.monotonic()
        feeds = await asyncio.to_thread(curator.due_feeds)
        # Feeds whose fetch is waiting or running are left out, read in one query: a running
        # task no longer holds its queueing lock, so deferring again fetched the feed a second
        # time right after, and each refused deferral was a round trip (10,000 per tick at
        # 10,000 due feeds). The others are deferred in batches.
        waiting = await open_fetches()
        deferred = await defer_fetches([f for f in feeds if f.id not in waiting])
        if deferred >= ANALYZE_AFTER:
            await asyncio.to_thread(refresh_statistics, curator)
        now = curator.now()
        settings = curator.settings
        catchup = settings.serve.digest_catchup_hours
        digests = 0
        if settings.smtp is not None:  # without SMTP the workers write no digest files
            for p in settings.profiles:
                day = outbox.due_day(p, now, catchup) if p.digest.to else None
                if day is None:
                    continue
                with contextlib.suppress(AlreadyEnqueued):
                    await digest.configure(
                        queueing_lock=f"digest:{p.name}:{day}", priority=PRIORITY_DIGEST
                    ).defer_async(profile=p.name, day=day.isoformat())
                    digests += 1
        seconds = round(time.monotonic() - started, 3)
        detail = {"due": len(feeds), "deferred": deferred, "digests": digests, "seconds": seconds}
        log_task("tick", detail)

    # A run is deferred every 5 s; one that overran (a loaded machine) runs beside the next,
    # and both may retry the same dead task: the second passes over what the first put back
    # (below). No `lock`: a run killed with its worker stays "doing" on the dead worker, and
    # its lock would keep every later run from starting, so nothing would ever be put back.
    @app.periodic(cron="* * * * * */5", periodic_id="retry-stalled", priority=PRIORITY_SWEEP)
    @app.task(name="curator.retry_stalled", queue=QUEUE, queueing_lock="retry-stalled")
    async def retry_stalled(timestamp: int) -> None:
        stalled = list(
            await app.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=options.stalled_after_seconds
            )
        )
        if not stalled:
            return
        # Put back to run now by the database's clock: procrastinate's default is this
        # process's clock, and a process whose clock runs ahead of the database's would put
        # the task back in the future, out of every worker's reach.
        now = (await app.connector.execute_query_one_async("SELECT now() AS now"))["now"]
        for job in stalled:
            try:
                await app.job_manager.retry_job(job, retry_at=now)
                outcome = "retried"
            except procrastinate.exceptions.UniqueViolation:
                # The tick already deferred the same work (same queueing lock) while this job
                # held its lock: end the dead one so the waiting one runs.
                await app.job_manager.finish_job(
                    job, procrastinate.jobs.Status.ABORTED, delete_job=False
                )
                outcome = "replaced"
            except procrastinate.exceptions.ConnectorException as e:
                # No longer running (retried or ended by another worker's run since the list
                # was read): nothing left to do for it, the others still are.
                if "invalid status to retry" not in str(e.__cause__ or e):
                    raise
                outcome = "gone"
            log_task("retry_stalled", {"job": job.id, "name": job.task_name, "outcome": outcome})

    return app, slots


def run(curator: Curator, options: WorkerOptions) -> None:
    """Run one worker until SIGTERM or SIGINT (its running tasks finish first)."""
    ensure_queue(curator)
    app, slots = build(curator, options)
    # procrastinate's own warnings and task failures (with their tracebacks) beside our lines.
    engine_log = logging.getLogger("procrastinate")
    if not engine_log.handlers:
        engine_log.handlers = list(log.handlers)
        engine_log.setLevel(logging.WARNING)
        engine_log.propagate = not log.handlers
    log.info("%s", json.dumps({"event": "worker-started", "db": curator.db.display_url,
                               "concurrency": options.concurrency}))  # fmt: skip
    try:
        app.run_worker(
            queues=[QUEUE],
            name=options.name,
            concurrency=options.concurrency,
            fetch_job_polling_interval=1.0,
            update_heartbeat_interval=options.heartbeat_seconds,
            stalled_worker_timeout=options.stalled_after_seconds,
            delete_jobs="successful",
        )
    except procrastinate.exceptions.ConnectorException as e:
        raise StorageError(Message(N_("worker: the task queue failed: {error}"), error=e)) from e
    finally:
        curator.request_stop()
        slots.close()


class WorkerPool:
    """`curator serve --workers N`: N `curator worker` processes beside the service, the same
    program that other machines run against the database."""

    def __init__(self, curator: Curator, count: int, options: WorkerOptions) -> None:
        conninfo(curator.db.url)  # refuse SQLite before starting anything
        ensure_queue(curator)
        self.command = [
            sys.executable, "-m", "curator", "--config", str(curator.settings.path),
            "worker", "--concurrency", str(options.concurrency),
            "--tick", str(options.tick_seconds),
        ]  # fmt: skip
        # The URL through the environment: a password in it would show in `ps` as an argument.
        self.env = {**os.environ, "CURATOR_DB": curator.db.url}
        self.count = count
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        for _ in range(self.count):
            self.processes.append(subprocess.Popen(self.command, env=self.env))

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM: each worker finishes its running tasks, then exits."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
