"""The PostgreSQL task queue of the workers (procrastinate's tables), seen from curator.

procrastinate's schema lives in a PostgreSQL schema of its own, `procrastinate`, beside
curator's tables in `public`: `curator db upgrade` creates it (migration 0006), the models
never see it, and dropping it drops the queue and nothing else (issue 17). The workers'
connections put it first on their `search_path`, which its functions rely on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

SCHEMA = "procrastinate"


def queue_schema_sql() -> str | None:
    """procrastinate's own schema SQL, or None when the `teams` extra is not installed."""
    try:
        from importlib import resources

        return (resources.files("procrastinate.sql") / "schema.sql").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        return None


def has_queue_schema(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    found = conn.execute(
        text("SELECT to_regclass(:name) IS NOT NULL"), {"name": f"{SCHEMA}.procrastinate_jobs"}
    ).scalar()
    return bool(found)


def create_queue_schema(conn: Connection) -> bool:
    """Create procrastinate's schema on PostgreSQL (nothing elsewhere, nothing if it exists or
    procrastinate is not installed); True when created. Runs inside the caller's transaction."""
    if conn.dialect.name != "postgresql" or has_queue_schema(conn):
        return False
    sql = queue_schema_sql()
    if sql is None:
        log.info("procrastinate is not installed: the workers' queue is created on first use")
        return False
    previous = conn.execute(text("SHOW search_path")).scalar()
    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    conn.execute(text(f"SET LOCAL search_path TO {SCHEMA}"))
    # The driver's connection, without parameters: the file holds many statements and `%`s.
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(sql)
    conn.execute(text("SELECT set_config('search_path', :path, true)"), {"path": previous})
    return True


def drop_queue_schema(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))


@dataclass(frozen=True, slots=True)
class WorkerLoad:
    worker: int
    running: int
    last_heartbeat: str | None


@dataclass(frozen=True, slots=True)
class TaskQueue:
    """Tasks waiting, running and failed, by task name and by worker."""

    waiting: int = 0
    running: int = 0
    failed: int = 0
    succeeded: int = 0
    by_task: dict[str, dict[str, int]] = field(default_factory=dict)
    workers: tuple[WorkerLoad, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "waiting": self.waiting,
            "running": self.running,
            "failed": self.failed,
            "succeeded": self.succeeded,
            "by_task": self.by_task,
            "workers": [
                {"id": w.worker, "running": w.running, "last_heartbeat": w.last_heartbeat}
                for w in self.workers
            ],
        }


_STATES = {"todo": "waiting", "doing": "running", "failed": "failed", "succeeded": "succeeded"}


def read_queue(conn: Connection) -> TaskQueue | None:
    """The queue's state; None where there is no queue (SQLite, or never created)."""
    if not has_queue_schema(conn):
        return None
    totals = dict.fromkeys(_STATES.values(), 0)
    by_task: dict[str, dict[str, int]] = {}
    rows = conn.execute(
        text(
            f"SELECT task_name, status::text, count(*) FROM {SCHEMA}.procrastinate_jobs "
            "GROUP BY task_name, status"
        )
    )
    for task, status, count in rows:
        state = _STATES.get(status)
        if state is None:
            continue
        totals[state] += count
        per_task = by_task.setdefault(task.rsplit(".", 1)[-1], dict.fromkeys(_STATES.values(), 0))
        per_task[state] += count
    workers = tuple(
        WorkerLoad(int(w), int(n), beat.isoformat() if beat else None)
        for w, n, beat in conn.execute(
            text(
                f"SELECT w.id, count(j.id), w.last_heartbeat FROM {SCHEMA}.procrastinate_workers w "
                f"LEFT JOIN {SCHEMA}.procrastinate_jobs j ON j.worker_id = w.id "
                "AND j.status = 'doing' GROUP BY w.id, w.last_heartbeat ORDER BY w.id"
            )
        )
    )
    return TaskQueue(by_task=by_task, workers=workers, **totals)


def analyze_jobs(conn: Connection) -> None:
    """Fresh planner statistics for the jobs table, after many tasks were deferred at once.

    procrastinate picks each job with a query that looks, for every waiting job, for an
    earlier one holding the same `lock`. Planned from the statistics of a near-empty table
    (autovacuum had not analysed it yet), that check ran as one index scan per waiting job:
    with 10,000 fetch tasks waiting, picking a job took 10 s; analysed, 0.3 ms (issue 17).
    """
    conn.execute(text(f"ANALYZE {SCHEMA}.procrastinate_jobs"))
