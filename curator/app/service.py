"""The service's use cases: health, status, the main job (`curator run`) and the tick."""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from curator import plan as planner
from curator.app.calendar import CalendarUseCases
from curator.app.core import Clock, log
from curator.app.digest import _DIGEST_FILE_KEY, DigestUseCases, last_digest_file
from curator.app.ingest import IngestUseCases
from curator.app.plan import PlanUseCases
from curator.app.score import ScoreUseCases, _decided_since_pass
from curator.errors import CuratorError
from curator.i18n import Language, language
from curator.store import decisions, digests, jobs, repo
from curator.store import queue as queue_store
from curator.store import slots as slot_store


@dataclass(slots=True)
class StageResult:
    """What one stage of a run did, for the run summary and the service's job log."""

    name: str
    seconds: float
    summary: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RunReport:
    stages: list[StageResult] = field(default_factory=list)

    def lines(self, t: Language | None = None) -> list[str]:
        """The run, stage by stage, in `t`'s language (English by default)."""
        t = t or language("en")
        lines = []
        for s in self.stages:
            seconds = t.format_decimal(s.seconds, "0.0")
            lines.append(f"{t.word(s.name):>8}: {t.say(s.summary)} ({seconds} s)")
            lines += [f"          {problem}" for problem in s.detail.get("problems", ())]
        return lines


class ServiceUseCases(
    DigestUseCases, IngestUseCases, ScoreUseCases, PlanUseCases, CalendarUseCases
):
    """What the service and `curator run` do with the other use cases."""

    # --- service bookkeeping -------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        """The clock this facade reads: a job's process reopens the facade with it."""
        return self._clock

    def task_queue(self) -> dict[str, Any] | None:
        """The workers' queue (tasks waiting, running, failed, per worker) for `curator status`
        and `/healthz`; None without one (SQLite, or PostgreSQL before any worker, issue 17)."""
        from curator.store.taskqueue import read_queue

        with self.db.reading() as session:
            queue = read_queue(session.connection())
        return queue.as_dict() if queue is not None else None

    def record_job_run(
        self,
        job: str,
        started_at: datetime,
        finished_at: datetime,
        status: str,
        detail: dict[str, Any],
    ) -> None:
        with self.db.session() as session:
            jobs.record_run(session, job, started_at, finished_at, status, detail)

    def health(self, next_runs: dict[str, datetime | None]) -> dict[str, Any]:
        """What `/healthz` answers: ok / degraded / failing with the reasons (`curator.health`),
        each job's last and next run, and failing feeds. `http_status` is 503 when failing."""
        from curator.health import HealthStatus, JobOutcome
        from curator.health import assess as assess_health

        now = self.now()
        try:
            with self.db.reading() as session:
                last = jobs.last_runs(session)
                feeds = repo.list_feeds(session)
                recent = [
                    d
                    for d in digests.recent(session, limit=2 * len(self.settings.profiles) + 2)
                    if (now.date() - d.day).days <= _HEALTH_DIGEST_DAYS
                ]
        except Exception as e:  # the database cannot be read: nothing works
            log.warning("health: cannot read the state: %s", e)
            return {
                "status": HealthStatus.FAILING.value,
                "http_status": 503,
                "reasons": [str(e)],
                "now": now.isoformat(),
            }
        verdict = assess_health(
            feeds,
            {name: JobOutcome(run.status, run.detail.get("error")) for name, run in last.items()},
            recent,
        )
        names = sorted(set(last) | set(next_runs))
        return {
            "status": verdict.status.value,
            "http_status": verdict.http_status,
            "reasons": list(verdict.reasons),
            "now": now.isoformat(),
            "jobs": {
                name: {
                    "last_run": last[name].as_dict() if name in last else None,
                    "next_run": (run.isoformat() if (run := next_runs.get(name)) else None),
                }
                for name in names
            },
            "feeds": len(feeds),
            "failing_feeds": sum(1 for f in feeds if f.failing),
        }

    def status(self) -> dict[str, Any]:
        """What `curator status` shows: jobs, failing feeds, queue sizes, next slots, digests."""
        now = self.now()
        with self.db.reading() as session:
            last = jobs.last_runs(session)
            feeds = repo.list_feeds(session)
            profiles = {}
            digest_folder = self._beside_database()
            for p in self.settings.profiles:
                upcoming = slot_store.list_slots(session, p.name, since=now)[:5]
                recent = digests.recent(session, p.name, limit=1)
                written = last_digest_file(
                    digest_folder,
                    p.name,
                    recorded=repo.get_meta(session, _DIGEST_FILE_KEY.format(profile=p.name)),
                )
                profiles[p.name] = {
                    "queue": queue_store.count_pending(
                        session, p.name, now, followed=[f.profile for f in p.follow]
                    ),
                    "next_slots": [
                        {
                            "id": s.id,
                            "start": s.starts_at.astimezone(planner.zone(p.timezone)).isoformat(),
                            "kind": s.kind.value,
                            "status": s.status.value,
                        }
                        for s in upcoming
                    ],
                    "last_digest": (
                        {
                            "day": recent[0].day.isoformat(),
                            "state": recent[0].state.value,
                            "sent_at": recent[0].sent_at.isoformat() if recent[0].sent_at else None,
                            "last_error": recent[0].last_error,
                        }
                        if recent
                        else None
                    ),
                    # Digests written to file (no SMTP, or no recipient) never enter the outbox:
                    # the newest such file, so status does not claim there is no digest at all.
                    "last_digest_file": (
                        {
                            "day": written[0].isoformat(),
                            "path": str(written[1]),
                            "written_at": datetime.fromtimestamp(
                                written[1].stat().st_mtime, UTC
                            ).isoformat(),
                        }
                        if written
                        else None
                    ),
                }
        failing = [
            {"url": f.url, "name": f.display_name, "status": f.status.value,
             "errors": f.error_count, "last_error": f.disabled_reason or f.last_error}
            for f in feeds
            if f.failing
        ]  # fmt: skip
        return {
            "now": now.isoformat(),
            "database": self.db.display_url,
            "jobs": {name: run.as_dict() for name, run in sorted(last.items())},
            "feeds": len(feeds),
            "failing_feeds": failing,
            "profiles": profiles,
        }

    #: Even with nothing new, the service re-scores and re-plans this often: freshness decays and
    #: the planning horizon moves forward with the calendar.
    REFRESH_EVERY = timedelta(hours=1)
    _LAST_FULL_REFRESH = "service.last_full_refresh"

    def refresh(self) -> dict[str, Any]:
        """The service's tick: fetch the feeds that are due, then re-score, re-plan and re-export
        the calendars when something changed (or an hour has passed since the last time)."""
        report = self.fetch()
        detail: dict[str, Any] = report.to_dict(per_feed=False)
        now = self.now()
        with self.db.reading() as session:
            last = repo.get_meta(session, self._LAST_FULL_REFRESH)
            # Decisions made by the queue commands since the last pass are learned now: they
            # re-score nothing themselves (issue 19).
            decided = any(
                _decided_since_pass(
                    repo.get_meta(session, self._PASS_KEY.format(profile=p.name)),
                    decisions.current_ids(session, p.name),
                )
                for p in self.settings.profiles
            )
        stale = last is None or now - datetime.fromisoformat(last) >= self.REFRESH_EVERY
        changed = report.new_items or report.updated_items or report.clustered or decided
        if not (changed or stale):
            return detail
        for name, stage in (
            ("score", self._score_stage),
            ("plan", self._plan_stage),
            ("export", self._export_stage),
        ):
            if self.stopping.is_set():
                detail["stopped"] = True
                return detail
            detail[name], _ = stage()
        with self.db.session() as session:
            repo.set_meta(session, self._LAST_FULL_REFRESH, now.isoformat(), now)
        return detail

    def release_memory(self) -> None:
        """Give back what the last job built (the service calls it between jobs, issue 19)."""
        from curator import memory

        memory.release()

    # --- the main job --------------------------------------------------------------------

    def run(self) -> RunReport:
        """One full cycle of the main job; each stage is a use case of its own."""
        report = RunReport()
        stages: list[tuple[str, Callable[[], tuple[str, dict[str, Any]]]]] = [
            # Stages are added here in data-flow order: fetch -> score -> plan -> export -> digest.
            ("fetch", self._fetch_stage),
            ("score", self._score_stage),
            ("plan", self._plan_stage),
            ("export", self._export_stage),
            ("digest", self._digest_stage),
        ]
        began = self.now()
        try:
            for name, stage in stages:
                started = _time.perf_counter()
                summary, detail = stage()
                report.stages.append(
                    StageResult(name, _time.perf_counter() - started, summary, detail)
                )
        except CuratorError as e:
            self.record_job_run(RUN_JOB, began, self.now(), "error", {"error": str(e)})
            raise
        # Recorded like the service's jobs, so `curator status` shows cron-driven runs too.
        stages_done = {s.name: s.summary for s in report.stages}
        self.record_job_run(RUN_JOB, began, self.now(), "ok", stages_done)
        return report


RUN_JOB = "run"  # `curator run`, as `curator status` lists it beside the service's jobs


_HEALTH_DIGEST_DAYS = 2  # outbox rows older than this no longer make /healthz degraded
