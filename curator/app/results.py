"""Results of published posts and the advice drawn from them (issue 15)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from curator import plan as planner
from curator.app.plan import PlanUseCases
from curator.config import load_settings
from curator.errors import InvalidAction
from curator.i18n import N_, Message

# The results rules are imported by the methods that apply them: every command loads this
# module with the facade, and `status` or a queue decision never needs them (issue 19).
if TYPE_CHECKING:
    from curator import results

# Guards each facade's browser activity log: web requests run in worker threads.
_ACTIVITY_LOCK = threading.Lock()


class ResultsUseCases(PlanUseCases):
    """What published posts earned and took; the advice it leads to re-plans."""

    # --- results and efficiency (issue 15) ------------------------------------------------

    def record_results(
        self,
        slot_id: str,
        changes: dict[str, int | None],
        *,
        note: str | None = None,
        origin: str = "cli",
        minutes: int | None = None,
    ) -> results.Post:
        """Enter or change a published post's results (or the minutes it took); each change is
        kept with its date.

        Raises:
            NotFound: the slot was never marked published.
            InvalidAction: a negative count.
        """
        from curator.store import results as results_store

        with self.db.session() as session:
            post, _ = results_store.set_results(
                session, slot_id, changes, self.now(), note=note, origin=origin, minutes=minutes
            )
        return post

    def results_posts(
        self, profile: str | None = None
    ) -> list[tuple[results.Post, list[results.ResultChange]]]:
        """The profile's published posts, oldest first, each with its dated result changes."""
        from curator.store import results as results_store

        p = self.choose_profile(profile)
        with self.db.reading() as session:
            posts = results_store.list_posts(session, p.name)
            history = results_store.changes(session, [x.slot_id for x in posts])
        return [(x, history.get(x.slot_id, [])) for x in posts]

    def latest_posts(self, profile: str | None = None, *, limit: int = 20) -> list[results.Post]:
        """The profile's most recently published posts, newest first, without their history
        (the web page's results forms)."""
        from curator.store import results as results_store

        p = self.choose_profile(profile)
        with self.db.reading() as session:
            return results_store.latest_posts(session, p.name, limit)

    def published_post(self, profile: str, slot_id: str) -> results.Post:
        """One of the profile's published posts with its current results (the form that
        changes them).

        Raises:
            NotFound: no such published post in this profile.
        """
        from curator.errors import NotFound
        from curator.store import results as results_store

        p = self.choose_profile(profile)
        with self.db.reading() as session:
            post = results_store.get_post(session, slot_id)
        if post.profile != p.name:
            raise NotFound("published post", slot_id)
        return post

    def record_active_time(
        self, profile: str, started_at: datetime, seconds: int, *, activity: str = "review"
    ) -> None:
        """Keep time curator measured itself (a review session's active time)."""
        from curator import results
        from curator.store import results as results_store

        if seconds <= 0:
            return
        self.settings.profile(profile)
        with self.db.session() as session:
            results_store.add_span(
                session, results.ActiveSpan(profile, activity, started_at, int(seconds))
            )

    def record_activity(self, profile: str, session_key: str, *, activity: str = "review") -> int:
        """A browser session did something in the review now: keep the active time since its
        previous action (idle gaps excluded, as the terminal review counts, issue 15). Returns
        the seconds counted. The last action of each session is kept in this process only: a
        restart forgets it, which loses at most one gap of `results.IDLE_AFTER`.

        Raises:
            NotFound: no such profile.
        """
        from curator import results

        self.settings.profile(profile)
        now = self.now()
        with _ACTIVITY_LOCK:
            log: results.ActivityLog = self.__dict__.setdefault(
                "_activity_log", results.ActivityLog()
            )
            started_at, gap = log.touch(f"{profile}\n{activity}\n{session_key}", now)
        seconds = round(gap.total_seconds())
        self.record_active_time(profile, started_at, seconds, activity=activity)
        return max(seconds, 0)

    def import_results(self, path: Path, *, profile: str | None = None) -> results.ImportReport:
        """Import post metrics from a CSV or XLSX file keyed by post URL, in one transaction:
        a malformed row refuses the whole file; unknown URLs are reported, not stored.

        Raises:
            ImportFileError: the file cannot be read, or a row is malformed (file and line).
        """
        from curator import results
        from curator.results_import import read_metrics
        from curator.store import results as results_store

        if profile is not None:
            self.settings.profile(profile)
        table = read_metrics(path)
        now = self.now()
        updated: list[str] = []
        unchanged = 0
        unknown: list[tuple[int, str]] = []
        with self.db.session() as session:
            known = results_store.posts_by_url(session, profile)
            for row in table.rows:
                posts = known.get(results.normalize_url(row.url), [])
                if not posts:
                    unknown.append((row.line, row.url))
                    continue
                for post in posts:
                    _, changed = results_store.set_results(
                        session,
                        post.slot_id,
                        row.counts,
                        now,
                        note=row.note,
                        origin=f"import {path.name}",
                    )
                    if changed:
                        updated.append(post.slot_id)
                    else:
                        unchanged += 1
        return results.ImportReport(
            str(path), tuple(updated), unchanged, tuple(unknown), table.ignored_columns
        )

    def apply_advice(self, profile: str, n: int, *, weeks: int = 12) -> str:
        """Apply advice `n` of `results advice` to feeds.yaml (comments kept), then re-plan.

        Raises:
            InvalidAction: no such advice, or it changes no schedule.
        """
        from curator.config_edit import change_schedule

        report = self.results_report(profile, weeks=weeks)
        if not 1 <= n <= len(report.advice):
            raise InvalidAction(
                Message(
                    N_("no advice {n}: there are {count} (see `curator results advice`)"),
                    n=n,
                    count=len(report.advice),
                )
            )
        advice = report.advice[n - 1]
        if advice.change is None:
            raise InvalidAction(
                Message(N_("advice {n} changes no schedule: {advice}"), n=n, advice=advice.text)
            )
        change = advice.change
        before = change_schedule(
            self.settings.path,
            profile,
            change.action,
            change.kind.value,
            change.to.value if change.to else None,
        )
        self.settings = load_settings(self.settings.path)
        self.plan(profile)
        if change.action == "convert" and change.to is not None:
            return f"{self.settings.path}: slot {before} is now {change.to.value}; plan updated"
        return f"{self.settings.path}: slot {before} removed; plan updated"

    def results_report(
        self, profile: str | None = None, *, weeks: int = 4
    ) -> results.ResultsReport:
        """The weekly figures, per kind/source/topic figures, trend, best posts and advice."""
        from curator import results
        from curator.outputs.words import profile_language
        from curator.store import results as results_store

        p = self.choose_profile(profile)
        now = self.now()
        tz = planner.zone(p.timezone)
        since = planner.local_midnight(
            planner.local_week(now, tz) - timedelta(weeks=max(weeks, results.TREND_WEEKS)), tz
        )
        with self.db.reading() as session:
            posts = results_store.list_posts(session, p.name, since=since)
            spans = results_store.list_spans(session, p.name, since=since)
            slots = results_store.slots_for_weekly_log(session, p.name, since=since, until=now)
        planned = {w.week: w.planned for w in planner.results_log(slots, tz, p.schedule, now)}
        return results.build_report(
            p.name,
            posts,
            spans,
            planned,
            p.schedule,
            tz,
            now,
            weeks=weeks,
            language=profile_language(p),
        )
