"""curator used the normal way, all at once, on one database (issue 13 §2).

The service refreshing, two `curator run` started together and 200 `queue approve / reject /
snooze` commands, all real processes, while the 149 real feeds of the corpus are fetched from
a local HTTP server: no command fails, no job crashes, every decision is stored, and the
database ends up with the same items as one `curator run` alone. On a SQLite file and on
PostgreSQL.

The figures (commands fired, failed, decisions stored, items against a run alone) are printed:
`pytest -s tests/test_concurrency.py` shows them.

A queue command records its decision and re-plans, re-scoring nothing (issue 19), so the full
200 take 80 to 100 seconds per database on 2 quiet cores. `CURATOR_CROWD` changes the count:
`make test-clocks`, which runs the suite again under shifted clocks for date bugs, fires 12.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.http import FeedServer, Route


@pytest.fixture(autouse=True)
def commands_on_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command opens the database itself, as without a service: while `curator serve`
    runs, the quick commands would otherwise be answered by it (curator.cli.relay), one after
    another, and the database would not meet them all at once."""
    monkeypatch.setenv("CURATOR_RELAY", "0")


SEEDED_FEEDS = 40  # fetched and scored before the crowd arrives, so there is a queue to triage
DECISIONS = int(os.environ.get("CURATOR_CROWD", "200"))
AT_ONCE = 4  # queue commands in flight at any moment (the machine has few cores)


@dataclass(frozen=True)
class Command:
    args: list[str]
    returncode: int
    stderr: str


@pytest.fixture(scope="module")
def real_feeds() -> Iterator[list[str]]:
    """The URLs of the 149 real feeds, served on 127.0.0.1 for the whole module."""
    from tests.support.content import corpus_root

    root = corpus_root()
    if root is None:
        pytest.skip("the shared corpus (../shared/corpus) is not on this machine")
    folder = root / "feeds" / "fastfeedparser" / "real_feeds"
    files = sorted(p for p in folder.iterdir() if p.name != "MANIFEST.tsv")
    with FeedServer() as server:
        for path in files:
            server.route(f"/{path.name}", Route(body=path.read_bytes()))
        yield [server.url(f"/{path.name}") for path in files]


def _config(folder: Path, urls: list[str]) -> Path:
    lines = [
        "profiles:",
        "  - name: claire",
        "    objective: software engineering, programming languages, open source, the web",
        "    language: en",
        "    timezone: Europe/Paris",
        "fetch:",
        "  allow_private_addresses: true",
        "  concurrency: 8",
        "  per_host: 8",
        "feeds:",
    ]
    for url in urls:
        lines += [f"  - url: {url}", "    full_text: never"]
    path = folder / "feeds.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _curator(config: Path, db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "curator", "--config", str(config), "--db", db_url, *args]


def _run(args: list[str], cwd: Path) -> Command:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
    return Command(args, done.returncode, done.stderr)


def _items(db_url: str) -> set[tuple[str, str]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT f.url, i.identity FROM items i JOIN feeds f ON f.id = i.feed_id")
            )
            return {(url, identity) for url, identity in rows}
    finally:
        engine.dispose()


def _query(db_url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def items_of_a_run_alone(
    real_feeds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> set[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("alone")
    url = f"sqlite:///{folder / 'alone.db'}"
    done = _run(_curator(_config(folder, real_feeds), url, "run"), folder)
    assert done.returncode == 0, done.stderr
    items = _items(url)
    assert len(items) > 1000  # the corpus' real feeds: thousands of entries
    return items


class Service:
    """`curator serve` in a process of its own, refreshing every second."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self.started = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self.started.wait(120):
            self.proc.kill()
            raise AssertionError("curator serve did not start:\n" + "".join(self.lines))

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            if "listening on" in line:
                self.started.set()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(120)
        self._reader.join(10)
        return code


def _crowd(real_feeds: list[str], folder: Path, db_url: str, alone: set[tuple[str, str]]) -> None:
    # A queue to triage: the first feeds fetched and scored by one run.
    seed = _run(_curator(_config(folder, real_feeds[:SEEDED_FEEDS]), db_url, "run"), folder)
    assert seed.returncode == 0, seed.stderr
    config = _config(folder, real_feeds)
    listed = subprocess.run(
        _curator(config, db_url, "queue", "list", "--all", "--json"),
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    pending = [entry["id"] for entry in json.loads(listed.stdout)]
    assert len(pending) >= DECISIONS, f"only {len(pending)} pending items to decide on"
    asked = {}
    for n, item_id in enumerate(pending[:DECISIONS]):
        asked[item_id] = ("approve", "reject", "snooze")[n % 3]

    def decide(item_id: int) -> Command:
        kind = asked[item_id]
        extra = {
            "approve": ["--comment", "Worth reading for anyone who ships software."],
            "reject": ["--reason", "off topic"],
            "snooze": ["--until", "+3d"],
        }[kind]
        return _run(_curator(config, db_url, "queue", kind, str(item_id), *extra), folder)

    started = time.perf_counter()
    service = Service(_curator(config, db_url, "-v", "serve", "--port", "0", "--tick", "1"), folder)
    try:
        with ThreadPoolExecutor(2 + AT_ONCE) as pool:
            runs = [pool.submit(_run, _curator(config, db_url, "run"), folder) for _ in range(2)]
            decisions = list(pool.map(decide, asked))
            done_runs = [r.result() for r in runs]
    finally:
        service_code = service.stop()
    seconds = time.perf_counter() - started

    failed = [c for c in decisions + done_runs if c.returncode != 0]
    crashed_lines = [line for line in service.lines if "crashed" in line or "Traceback" in line]
    job_runs = _query(db_url, "SELECT job, status FROM job_runs")
    bad_jobs = [(job, status) for job, status in job_runs if status not in ("ok", "skipped")]
    stored = dict(
        _query(
            db_url,
            "SELECT d.item_id, d.kind FROM decisions d WHERE d.id IN "
            "(SELECT max(id) FROM decisions WHERE profile = 'claire' GROUP BY item_id)",
        )
    )
    missing = {i: kind for i, kind in asked.items() if stored.get(i) != kind}
    items = _items(db_url)
    print(
        f"\n{db_url.split(':')[0]}: {len(decisions)} queue commands and 2 runs fired during "
        f"`curator serve` in {seconds:.0f}s: {len(failed)} failed, "
        f"{len(asked) - len(missing)}/{len(asked)} decisions stored, "
        f"{len(job_runs)} job runs ({len(bad_jobs)} not ok), "
        f"{len(items)} items against {len(alone)} for a run alone "
        f"({len(items - alone)} extra, {len(alone - items)} missing)"
    )
    assert [(c.args[-3:], c.stderr[-2000:]) for c in failed] == []
    assert service_code == 0, "".join(service.lines[-50:])
    assert crashed_lines == [], "".join(service.lines[-50:])
    assert bad_jobs == []
    assert missing == {}
    assert items == alone


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_service_two_runs_and_200_decisions_at_once_on_sqlite(
    real_feeds: list[str], items_of_a_run_alone: set[tuple[str, str]], tmp_path: Path
) -> None:
    _crowd(real_feeds, tmp_path, f"sqlite:///{tmp_path / 'curator.db'}", items_of_a_run_alone)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_service_two_runs_and_200_decisions_at_once_on_postgresql(
    real_feeds: list[str],
    items_of_a_run_alone: set[tuple[str, str]],
    pg_url: str,
    tmp_path: Path,
) -> None:
    _crowd(real_feeds, tmp_path, pg_url, items_of_a_run_alone)
