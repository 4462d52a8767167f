"""A `curator fetch` killed with SIGKILL mid-way, then run again: nothing lost, nothing
stored twice, and the SQLite file passes its integrity check."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.http import FeedServer, Route
from tests.support.ingest import config_text, rss

ROOT = Path(__file__).resolve().parents[1]
FEEDS = 24
PER_FEED = 15
ARTICLE = (
    "<html><head><title>Article</title></head><body><article>"
    + "<p>Un long article sur le recrutement des profils data, ses méthodes et ses pièges.</p>" * 40
    + "</article></body></html>"
).encode()


def count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not created or not migrated yet


def descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except FileNotFoundError:
            continue  # the process ended meanwhile
        for task in tasks:
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except FileNotFoundError:
                continue  # a thread (or the process) ended between the listing and the read
            found += children
            stack += children
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_mid_fetch_then_rerun(tmp_path: Path) -> None:
    with FeedServer() as server:
        feeds = []
        for f in range(FEEDS):
            entries = [
                {
                    "title": f"Item {f}-{i}",
                    "link": server.url(f"/page/{f}/{i}"),
                    "guid": f"{f}-{i}",
                    "description": "Un début d'article… Lire la suite",
                }
                for i in range(PER_FEED)
            ]
            # Slow answers so the kill lands while feeds and pages are still in flight.
            url = server.route(f"/feed{f}.xml", Route(body=rss(entries), delay=0.25))
            feeds.append({"url": url, "full_text": "always" if f % 2 else "never"})
            for i in range(PER_FEED):
                server.route(
                    f"/page/{f}/{i}",
                    Route(body=ARTICLE, delay=0.05, headers={"Content-Type": "text/html"}),
                )
        config = tmp_path / "feeds.yaml"
        config.write_text(config_text(feeds, fetch={"timeout": 10}), encoding="utf-8")
        db = tmp_path / "curator.db"
        command = [
            sys.executable,
            "-m",
            "curator",
            "--config",
            str(config),
            "--db",
            f"sqlite:///{db}",
            "fetch",
            "--all",
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        while count(db, "SELECT count(*) FROM items") < 2 * PER_FEED:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the fetch never stored anything"
            time.sleep(0.02)
        workers = descendants(proc.pid)
        assert workers, "the fetch runs no worker process"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        # Its workers go with it, instead of waiting forever for work that never comes.
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers):
            assert time.monotonic() < deadline, f"workers outlived their parent: {workers}"
            time.sleep(0.05)
        if proc.stderr:
            proc.stderr.close()
        stored_before = count(db, "SELECT count(*) FROM items")
        assert 0 < stored_before < FEEDS * PER_FEED, "the kill did not land mid-way"

        rerun = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr.decode()

    assert count(db, "SELECT count(*) FROM items") == FEEDS * PER_FEED
    assert count(db, "SELECT count(DISTINCT link) FROM items") == FEEDS * PER_FEED
    assert count(db, "SELECT count(*) FROM items WHERE full_text_status = 'pending'") == 0
    extracted = "SELECT count(*) FROM items WHERE content_source = 'extracted'"
    assert count(db, extracted) == (FEEDS // 2) * PER_FEED
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


SERVICE_LIKE = """
import sys, threading, time
from curator.ingest.pipeline import make_workers

# A thread already runs (as the service's scheduler does): the workers come from a fork server.
threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
workers = make_workers(8)
workers.parse.submit(int).result()
workers.languages.submit(int).result()
print("ready", flush=True)
time.sleep(600)
"""


def test_workers_of_a_service_end_when_it_is_killed() -> None:
    """The service's workers come from a fork server, not from the service itself: killing the
    service outright must still leave no worker (nor the fork server) behind."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVICE_LIKE],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        spawned = descendants(proc.pid)
        assert len(spawned) >= 3, spawned  # the fork server and its workers
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in spawned):
        assert time.monotonic() < deadline, f"outlived the service: {spawned}"
        time.sleep(0.05)


FORKS_ALONE = """
import os, threading
from curator.ingest.pipeline import make_workers

# Threads alive in this process each time it forks (a fork server starts by fork + exec,
# which cannot inherit a held lock, and is not counted).
threads_at_fork = []
os.register_at_fork(before=lambda: threads_at_fork.append(threading.active_count()))
with make_workers(8) as workers:
    workers.parse.submit(int).result()
    workers.languages.submit(int).result()
print(threads_at_fork, flush=True)
"""


def test_workers_are_forked_only_while_no_other_thread_runs() -> None:
    """A child forked while another thread of its parent holds a lock inherits that lock held,
    forever: a language worker forked after the parse pool's threads had started once hung
    loading numpy, and `curator fetch` with it. Every fork of `make_workers` must happen
    while the command runs a single thread."""
    done = subprocess.run(
        [sys.executable, "-c", FORKS_ALONE],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    threads_at_fork = [int(n) for n in done.stdout.strip().strip("[]").split(",") if n.strip()]
    assert threads_at_fork, "make_workers forked no worker"
    assert set(threads_at_fork) == {1}, threads_at_fork
