"""Workers on PostgreSQL (issue 17): real `curator worker` processes, a real PostgreSQL database,
a feed server on 127.0.0.1 that counts the requests in flight, and a real SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from tests.support.http import FeedServer, Request, Route
from tests.support.ingest import config_text, rfc822, rss
from tests.support.serve import wait_for
from tests.support.smtp import smtp_server

pytestmark = [pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]


class InFlight:
    """Answers each feed after `delay` seconds, counting the requests in flight at once."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.now = 0
        self.peak = 0
        self.requests = 0
        self.first_seen = threading.Event()
        self._lock = threading.Lock()

    def feed(self, index: int, *, slow_once: float = 0.0) -> Callable[[Request], Route]:
        served = {"n": 0}

        def answer(_request: Request) -> Route:
            with self._lock:
                self.now += 1
                self.requests += 1
                self.peak = max(self.peak, self.now)
                served["n"] += 1
                first = served["n"] == 1
            self.first_seen.set()
            try:
                time.sleep(slow_once if first and slow_once else self.delay)
            finally:
                with self._lock:
                    self.now -= 1
            when = datetime.now(UTC) - timedelta(hours=1)
            items = [
                {"title": f"Recrutement data {index}-{n}", "guid": f"f{index}-{n}",
                 "link": f"http://127.0.0.1/a/{index}/{n}", "date": rfc822(when),
                 "description": "Recrutement de profils data et développeurs."}
                for n in range(2)
            ]  # fmt: skip
            return Route(body=rss(items), headers={"Content-Type": "application/rss+xml"})

        return answer


_STORED: set[tuple[Path, str]] = set()


def store_config(config: Path, url: str) -> None:
    """feeds.yaml stored once before the workers start, as `curator serve --workers` does:
    workers started at the same instant on a new configuration would each insert it."""
    from curator.app import Curator
    from curator.config import load_settings
    from curator.store import Database

    if (config, url) not in _STORED:
        Curator(load_settings(config), Database.open(url)).close()
        _STORED.add((config, url))


class Worker:
    def __init__(self, config: Path, url: str, *extra: str) -> None:
        store_config(config, url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
        self.log = config.parent / f"worker-{time.monotonic_ns()}.log"
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "curator", "--config", str(config), "--db", url, "worker",
             "--tick", "2", "--concurrency", "4", "--stalled-after", "6", *extra],
            cwd=REPO, env=env, stdout=self._out, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def text(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()
        return self.proc.returncode


@pytest.fixture
def workers(pg_url: str) -> Iterator[list[Worker]]:
    from curator.store import Database

    Database.open(pg_url).close()  # `curator db upgrade` before the workers start, as documented
    started: list[Worker] = []
    yield started
    for w in started:
        w.stop()


def scalar(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar() or 0)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_two_workers_share_the_feeds_within_the_per_host_limit(
    tmp_path: Path, pg_url: str, workers: list[Worker]
) -> None:
    counter = InFlight(delay=0.4)
    with FeedServer() as server:
        urls = [server.route(f"/f{i}.xml", counter.feed(i)) for i in range(12)]
        config = tmp_path / "feeds.yaml"
        config.write_text(config_text(urls, fetch={"per_host": 2}), encoding="utf-8")
        # Two workers, four tasks each at once: without a limit shared between them, eight
        # requests could reach the host together.
        workers += [Worker(config, pg_url, "--name", "a"), Worker(config, pg_url, "--name", "b")]
        wait_for(lambda: scalar(pg_url, "SELECT count(*) FROM items") == 24, 240, "every item")
    assert 1 <= counter.peak <= 2, f"{counter.peak} requests in flight to one host"

    def fetched() -> list[int]:
        return [w.text().count('"task": "fetch_feed"') for w in workers]

    # A task's log line follows the commit of its items: wait for the last ones to be written.
    wait_for(lambda: sum(fetched()) >= 12, 60, "the fetch tasks' log lines")
    assert all(fetched()), f"fetch tasks per worker: {fetched()}"
    wait_for(lambda: scalar(pg_url, "SELECT count(*) FROM scores") == 24, 240, "the scores")

    status = subprocess.run(
        [sys.executable, "-m", "curator", "--config", str(config), "--db", pg_url, "status"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert "Task queue:" in status.stdout and "worker " in status.stdout


@pytest.mark.postgres
def test_a_feed_being_fetched_is_not_deferred_again(
    tmp_path: Path, pg_url: str, workers: list[Worker]
) -> None:
    # The feed answers after 5 s: two ticks (every 2 s) pass while its task runs. A running
    # task no longer holds its queueing lock, so a tick that deferred every due feed fetched
    # it a second time as soon as the first fetch ended.
    counter = InFlight(delay=5.0)
    with FeedServer() as server:
        url = server.route("/slow.xml", counter.feed(0))
        config = tmp_path / "feeds.yaml"
        config.write_text(config_text([url], fetch={"timeout": 30}), encoding="utf-8")
        worker = Worker(config, pg_url)
        workers.append(worker)
        wait_for(lambda: scalar(pg_url, "SELECT count(*) FROM items") == 2, 90, "the items")
        # the task logs once it has ended, a moment after its items are stored
        wait_for(lambda: '"task": "fetch_feed"' in worker.text(), 60, "the fetch's end")
        ticks = worker.text().count('"task": "tick"')
        wait_for(lambda: worker.text().count('"task": "tick"') >= ticks + 3, 60, "more ticks")
    assert counter.requests == 1, f"{counter.requests} fetches of one feed"
    assert worker.text().count('"task": "fetch_feed"') == 1


@pytest.mark.postgres
def test_a_killed_worker_loses_nothing(tmp_path: Path, pg_url: str, workers: list[Worker]) -> None:
    counter = InFlight(delay=0.1)
    with FeedServer() as server:
        url = server.route("/slow.xml", counter.feed(0, slow_once=15.0))
        config = tmp_path / "feeds.yaml"
        config.write_text(config_text([url], fetch={"timeout": 30}), encoding="utf-8")
        doomed = Worker(config, pg_url, "--name", "doomed")
        workers.append(doomed)
        assert counter.first_seen.wait(60), "the first worker never fetched the feed"
        doomed.proc.send_signal(signal.SIGKILL)  # mid-task: its request is still in flight
        doomed.proc.wait(10)
        assert scalar(pg_url, "SELECT count(*) FROM items") == 0
        # The only worker so far: every running task is its own.
        held = "SELECT min(worker_id) FROM procrastinate.procrastinate_jobs WHERE status = 'doing'"
        dead = scalar(pg_url, held)
        assert dead, "the killed worker held no task"
        rescuer = Worker(config, pg_url, "--name", "rescuer")
        workers.append(rescuer)
        wait_for(lambda: scalar(pg_url, "SELECT count(*) FROM items") == 2, 90, "the items")
    assert '"task": "retry_stalled"' in rescuer.text(), rescuer.text()[-2000:]
    # Every task the killed worker held is retried or replaced, none is left running forever.
    still = "SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE status = 'doing' AND "
    orphan = f"(worker_id = {int(dead)} OR worker_id IS NULL)"  # NULL: its row was pruned
    wait_for(lambda: scalar(pg_url, still + orphan) == 0, 60, "its tasks")


@pytest.mark.postgres
def test_no_digest_is_sent_twice(tmp_path: Path, pg_url: str, workers: list[Worker]) -> None:
    from curator.app import Curator
    from curator.config import load_settings
    from curator.store import Database

    zone = "Europe/Paris"
    due = (datetime.now(ZoneInfo(zone)) - timedelta(minutes=2)).strftime("%H:%M")
    counter = InFlight(delay=0.0)
    with FeedServer() as server, smtp_server() as smtp:
        url = server.route("/f.xml", counter.feed(0))
        config = tmp_path / "feeds.yaml"
        config.write_text(
            config_text([url]).replace(
                "    timezone: Europe/Paris\n",
                f"    timezone: {zone}\n"
                f'    digest: {{time: "{due}", to: [claire@example.org], min_score: 0.0}}\n',
            )
            + f"smtp: {{host: 127.0.0.1, port: {smtp.port}, from: curator@example.org}}\n",
            encoding="utf-8",
        )
        # Items stored and scored first: a digest with nothing in it is recorded, not sent.
        app = Curator(load_settings(config), Database.open(pg_url))
        try:
            app.fetch(all=True)
            app.score()
        finally:
            app.close()
        workers += [Worker(config, pg_url), Worker(config, pg_url)]
        wait_for(lambda: len(smtp.messages) >= 1, 90, "the digest")
        # Every tick (2 s) defers the digest task again while it is due; the outbox claim makes
        # the others do nothing.
        wait_for(
            lambda: sum(w.text().count('"task": "digest"') for w in workers) >= 3, 60,
            "more digest tasks",
        )  # fmt: skip
        # On failure, what was sent and what each digest task did, to tell a race from the rest.
        sent = [(m["Message-ID"], m["To"], m["Date"]) for m in smtp.messages]
        digest_tasks = [
            line for w in workers for line in w.text().splitlines() if '"task": "digest"' in line
        ]
        assert len(smtp.messages) == 1, (sent, digest_tasks)


@pytest.mark.parametrize("command", [["worker"], ["serve", "--workers", "2", "--port", "0"]])
def test_workers_refuse_sqlite_in_one_line(tmp_path: Path, command: list[str]) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text(config_text(["http://127.0.0.1:9/feed.xml"]), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
    result = subprocess.run(
        [sys.executable, "-m", "curator", "--config", str(config), "--db",
         f"sqlite:///{tmp_path / 'curator.db'}", *command],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "workers need a PostgreSQL database" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.postgres
def test_serve_with_workers_shows_their_queue(tmp_path: Path, pg_url: str) -> None:
    import re

    import httpx

    from curator.store import Database

    Database.open(pg_url).close()
    counter = InFlight(delay=0.0)
    with FeedServer() as server:
        url = server.route("/f.xml", counter.feed(0))
        config = tmp_path / "feeds.yaml"
        config.write_text(config_text([url]), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
        log = (tmp_path / "serve.log").open("w+b")
        proc = subprocess.Popen(
            [sys.executable, "-m", "curator", "--config", str(config), "--db", pg_url, "serve",
             "--port", "0", "--tick", "2", "--workers", "2"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            address: list[str] = []

            def listening() -> bool:
                found = re.search(r"listening on (http://[\d.]+:\d+)", Path(log.name).read_text())
                address[:] = [found.group(1)] if found else []
                return bool(found)

            wait_for(listening, 60, "the service")
            wait_for(lambda: scalar(pg_url, "SELECT count(*) FROM items") == 2, 90, "the items")
            wait_for(
                lambda: scalar(pg_url, "SELECT count(*) FROM procrastinate.procrastinate_workers")
                == 2,
                60, "two workers",
            )  # fmt: skip
            health = httpx.get(f"{address[0]}/healthz", timeout=10).json()
            assert len(health["task_queue"]["workers"]) == 2
            assert {"waiting", "running", "failed"} <= set(health["task_queue"])
            assert "refresh" not in health["jobs"]  # APScheduler runs nothing then
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(60)
            log.close()
        assert code == 0, Path(log.name).read_text()[-3000:]
        # The workers stopped with the service, cleanly (a stopped worker removes its row).
        assert scalar(pg_url, "SELECT count(*) FROM procrastinate.procrastinate_workers") == 0


@pytest.mark.postgres
def test_the_queue_schema_comes_with_the_migrations(pg_url: str) -> None:
    from alembic import command

    from curator.store import Database
    from curator.store.db import alembic_config

    queue = "SELECT count(*) FROM pg_tables WHERE schemaname = 'procrastinate'"
    database = Database.open(pg_url)  # a new database: created from the models in one go
    try:
        assert scalar(pg_url, queue) >= 4
        cfg = alembic_config()
        with database.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005")
        assert scalar(pg_url, queue) == 0
        with database.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        assert scalar(pg_url, queue) >= 4
        assert scalar(pg_url, "SELECT count(*) FROM items") == 0  # curator's tables untouched
    finally:
        database.close()


def test_sqlite_has_no_queue(tmp_path: Path) -> None:
    from curator.store import Database

    database = Database.open(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        assert database.current_revision() == database.head_revision()  # 0006 and after
        with database.engine.connect() as conn:
            from curator.store.taskqueue import read_queue

            assert read_queue(conn) is None
    finally:
        database.close()


@pytest.fixture
def sweep_app(tmp_path: Path, pg_url: str) -> Iterator[Any]:
    """The engine's app, in this process, for a one-feed configuration whose workers count as
    stalled after 1 s without a heartbeat: the stalled-task sweep's tests call its tasks."""
    from curator import workers as engine
    from curator.app import Curator
    from curator.config import load_settings
    from curator.store import Database

    config = tmp_path / "feeds.yaml"
    config.write_text(config_text(["http://127.0.0.1:9/f.xml"]), encoding="utf-8")
    curator = Curator(load_settings(config), Database.open(pg_url))
    engine.ensure_queue(curator)
    app, slots = engine.build(curator, engine.WorkerOptions(stalled_after_seconds=1.0))
    try:
        yield app
    finally:
        slots.close()
        curator.close()


@pytest.mark.postgres
def test_two_runs_retrying_the_same_stalled_tasks_both_succeed(pg_url: str, sweep_app: Any) -> None:
    import asyncio

    app = sweep_app
    retry_stalled = app.tasks["curator.retry_stalled"].func

    async def scenario() -> None:
        async with app.open_async():
            ids = [
                await app.tasks["curator.fetch_feed"].defer_async(feed_id=n, host="h")
                for n in range(1, 6)
            ]
            # Five tasks running on a worker whose heartbeat stopped a minute ago.
            dead = await app.connector.execute_query_one_async(
                "INSERT INTO procrastinate.procrastinate_workers (last_heartbeat) "
                "VALUES (now() - interval '1 minute') RETURNING id"
            )
            await app.connector.execute_query_async(
                "UPDATE procrastinate.procrastinate_jobs SET status = 'doing', "
                "worker_id = %(worker)s WHERE id = ANY(%(ids)s)",
                worker=dead["id"],
                ids=ids,
            )
            # Two runs at once (one overran its 5 s period): both read the same list, and the
            # second finds tasks the first already put back.
            await asyncio.gather(retry_stalled(timestamp=0), retry_stalled(timestamp=0))

    asyncio.run(scenario())
    waiting = "SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE status = 'todo'"
    assert scalar(pg_url, waiting) == 5


@pytest.mark.postgres
def test_a_sweep_killed_with_its_worker_does_not_stop_the_next(sweep_app: Any) -> None:
    """The sweep that puts back a dead worker's tasks can itself die with that worker: it
    stays "doing" there, and the next sweep must still start (a shared lock would block it
    forever, and the dead worker's tasks with it)."""
    import asyncio

    app = sweep_app
    sweep = app.tasks["curator.retry_stalled"]

    async def scenario() -> int | None:
        async with app.open_async():
            killed = await sweep.defer_async(timestamp=0)
            dead = await app.connector.execute_query_one_async(
                "INSERT INTO procrastinate.procrastinate_workers (last_heartbeat) "
                "VALUES (now() - interval '1 minute') RETURNING id"
            )
            await app.connector.execute_query_async(
                "UPDATE procrastinate.procrastinate_jobs SET status = 'doing', "
                "worker_id = %(worker)s WHERE id = %(id)s",
                worker=dead["id"],
                id=killed,
            )
            await sweep.defer_async(timestamp=5)
            alive = await app.connector.execute_query_one_async(
                "INSERT INTO procrastinate.procrastinate_workers DEFAULT VALUES RETURNING id"
            )
            job = await app.job_manager.fetch_job(queues=None, worker_id=alive["id"])
            return None if job is None else job.task_kwargs["timestamp"]

    assert asyncio.run(scenario()) == 5, "the next sweep can start"


@pytest.mark.postgres
def test_a_tick_deferring_many_feeds_refreshes_the_queue_statistics(
    tmp_path: Path, pg_url: str
) -> None:
    import asyncio

    from curator import workers as engine
    from curator.app import Curator
    from curator.config import load_settings
    from curator.store import Database

    # Planned from an empty table's statistics, procrastinate's pick of the next job (which
    # checks each waiting job's lock against the others) took 10 s with 10,000 waiting.
    config = tmp_path / "feeds.yaml"
    urls = [f"http://127.0.0.1:9/f{n}.xml" for n in range(engine.ANALYZE_AFTER)]
    config.write_text(config_text(urls), encoding="utf-8")
    curator = Curator(load_settings(config), Database.open(pg_url))
    engine.ensure_queue(curator)
    app, slots = engine.build(curator, engine.WorkerOptions())
    analysed = (
        "SELECT analyze_count FROM pg_stat_user_tables "
        "WHERE schemaname = 'procrastinate' AND relname = 'procrastinate_jobs'"
    )

    async def tick() -> None:
        async with app.open_async():
            await app.tasks["curator.tick"].func(timestamp=0)

    try:
        before = scalar(pg_url, analysed)
        asyncio.run(tick())
        waiting = "SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE status = 'todo'"
        assert scalar(pg_url, waiting) == engine.ANALYZE_AFTER
        assert scalar(pg_url, analysed) == before + 1
    finally:
        slots.close()
        curator.close()


@pytest.mark.postgres
def test_a_due_digest_is_picked_before_the_waiting_fetches(tmp_path: Path, pg_url: str) -> None:
    import asyncio

    from curator import workers as engine
    from curator.app import Curator
    from curator.config import load_settings
    from curator.store import Database

    # At 10,000 feeds the first tick queues 10,000 fetch tasks: a digest due at its time (or
    # a dead worker's tasks put back, the next tick, scoring) waited behind all of them.
    zone = "Europe/Paris"
    due = (datetime.now(ZoneInfo(zone)) - timedelta(minutes=2)).strftime("%H:%M")
    urls = [f"http://127.0.0.1:9/f{n}.xml" for n in range(5)]
    config = tmp_path / "feeds.yaml"
    config.write_text(
        config_text(urls).replace(
            "    timezone: Europe/Paris\n",
            f'    timezone: {zone}\n    digest: {{time: "{due}", to: [claire@example.org]}}\n',
        )
        + "smtp: {host: 127.0.0.1, port: 9, from: curator@example.org}\n",
        encoding="utf-8",
    )
    curator = Curator(load_settings(config), Database.open(pg_url))
    engine.ensure_queue(curator)
    app, slots = engine.build(curator, engine.WorkerOptions())
    picked: list[str] = []

    async def tick_then_pick() -> None:
        async with app.open_async():
            await app.tasks["curator.tick"].func(timestamp=0)
            worker = await app.connector.execute_query_one_async(
                "INSERT INTO procrastinate.procrastinate_workers DEFAULT VALUES RETURNING id"
            )
            job = await app.job_manager.fetch_job(queues=None, worker_id=worker["id"])
            assert job is not None
            picked.append(job.task_name)

    try:
        asyncio.run(tick_then_pick())
        waiting = "SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE status = 'todo'"
        assert scalar(pg_url, waiting) == 5  # the fetches, deferred before the digest
        assert picked == ["curator.digest"]
    finally:
        slots.close()
        curator.close()
