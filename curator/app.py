"""The facade: each use case of curator, wiring storage, network and clock once.

This is the only module where I/O meets policy. The CLI and the scheduler call these methods
and nothing else; pure policy (score, plan, dedupe) never sees a session or a socket. Each use
case reads the clock once (`self.now()`) and passes that instant down, so tests can set it.
"""

from __future__ import annotations

import logging
import os
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy.engine import make_url

from curator.config import Settings, load_settings, resolve_database_url
from curator.errors import ExportError, InvalidAction
from curator.outputs.ics import render_calendar
from curator.outputs.ics_http import (
    CalendarResponse,
    calendar_response,
    forbidden,
    not_found,
    token_ok,
)
from curator.store import Database, decisions, repo
from curator.store import ics as store_ics
from curator.types import Decision, DecisionKind, Feed

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


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

    def lines(self) -> list[str]:
        return [f"{s.name:>8}: {s.summary} ({s.seconds:.1f}s)" for s in self.stages]


def write_if_changed(path: Path, body: bytes) -> None:
    """Replace a file atomically, and leave it untouched (mtime included) when nothing changed.

    A file:// subscriber or a sync client never sees half a calendar, and an unchanged plan
    does not look like an update to tools that watch the file.
    """
    try:
        if path.is_file() and path.read_bytes() == body:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(body)
        os.replace(partial, path)
    except OSError as e:
        raise ExportError(f"cannot write the calendar: {e.strerror or e}", path=str(path)) from e


class Curator:
    """One configured curator over one database."""

    def __init__(self, settings: Settings, db: Database, *, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.db = db
        self._clock = clock
        with db.session() as session:
            now = self.now()
            repo.sync_profiles(session, settings.profiles, now)
            repo.sync_feeds(session, settings.feeds, now)

    @classmethod
    def open(
        cls, config_path: Path, db_url: str | None = None, *, clock: Clock = utc_now
    ) -> Curator:
        settings = load_settings(config_path)
        return cls(settings, Database.open(resolve_database_url(db_url, settings)), clock=clock)

    def now(self) -> datetime:
        value = self._clock()
        if value.tzinfo is None:
            raise ValueError("the clock must return aware datetimes")
        return value.astimezone(UTC)

    def close(self) -> None:
        self.db.close()

    # --- feeds ---------------------------------------------------------------------------

    def feeds(self) -> list[Feed]:
        with self.db.session() as session:
            return repo.list_feeds(session)

    # --- review decisions ------------------------------------------------------------------

    def decide(
        self,
        profile: str,
        item_id: int,
        kind: DecisionKind,
        *,
        comment: str | None = None,
        reason: str | None = None,
        snooze_until: datetime | None = None,
    ) -> Decision:
        """Record a review decision; the scorer and the planner see it on their next pass."""
        self.settings.profile(profile)  # NotFound names the known profiles
        now = self.now()
        if kind is DecisionKind.SNOOZE and (snooze_until is None or snooze_until <= now):
            raise InvalidAction(f"snooze date must be in the future, got {snooze_until}")
        with self.db.session() as session:
            repo.get_item(session, item_id)  # NotFound for an unknown id
            previous = decisions.current_for(session, profile, item_id)
            if previous is not None and previous.kind is kind and kind is not DecisionKind.SNOOZE:
                raise InvalidAction(
                    f"item {item_id} is already {previous.kind.value}d for {profile} "
                    f"(on {previous.decided_at:%Y-%m-%d %H:%M} UTC)"
                )
            if kind is DecisionKind.WITHDRAW and (
                previous is None or previous.kind is not DecisionKind.APPROVE
            ):
                raise InvalidAction(f"item {item_id} is not approved for {profile}")
            decision = Decision(
                profile=profile,
                item_id=item_id,
                kind=kind,
                decided_at=now,
                comment=comment,
                reason=reason,
                snooze_until=snooze_until,
            )
            decisions.record(session, decision)
        return decision

    # --- calendar ------------------------------------------------------------------------

    def calendar_ics(self, profile: str, *, keep_cancelled: bool = False) -> bytes:
        """A profile's calendar; what subscribers get (removed slots simply absent)."""
        chosen = self.settings.profile(profile)
        settings = replace(self.settings.calendar, keep_cancelled=keep_cancelled)
        now = self.now()
        with self.db.session() as session:
            data = store_ics.calendar_data(session, chosen.name, with_cancelled=keep_cancelled)
        return render_calendar(
            chosen,
            data.slots,
            data.items,
            data.scores,
            settings,
            now=now,
            cancelled=data.cancelled,
        )

    def calendar_http(
        self, profile: str, *, token: str | None, if_none_match: str | None
    ) -> CalendarResponse:
        """Answer GET /calendar/<profile>.ics (profile as found in the URL path)."""
        if not token_ok(self.settings.serve.token, token):
            return forbidden()
        name = unquote(profile)
        if name not in {p.name for p in self.settings.profiles}:
            return not_found()
        return calendar_response(
            self.calendar_ics(name), if_none_match=if_none_match, filename=f"calendar-{name}.ics"
        )

    def calendar_dir(self) -> Path:
        """Where exported calendars go: `calendar.output_dir`, else beside the SQLite file."""
        if self.settings.calendar.output_dir:
            return Path(self.settings.calendar.output_dir)
        if self.db.dialect == "sqlite":
            database = make_url(self.db.url).database
            if database and database != ":memory:":
                return Path(database).resolve().parent
        return self.settings.data_dir

    def export_ics(
        self,
        profile: str | None = None,
        path: Path | None = None,
        keep_cancelled: bool | None = None,
    ) -> list[Path]:
        """Write calendar-<profile>.ics for one profile or all; `path` is a file or a folder."""
        profiles = self.settings.select_profiles(profile)
        keep = self.settings.calendar.keep_cancelled if keep_cancelled is None else keep_cancelled
        if path is not None and not path.is_dir() and len(profiles) > 1:
            raise InvalidAction(
                f"{path} is one file but there are {len(profiles)} profiles: "
                "name a folder, or choose one with --profile"
            )
        written = []
        for chosen in profiles:
            folder = path if path is not None and path.is_dir() else self.calendar_dir()
            target = path if path is not None and not path.is_dir() else None
            target = target or folder / f"calendar-{chosen.name}.ics"
            write_if_changed(target, self.calendar_ics(chosen.name, keep_cancelled=keep))
            written.append(target)
        return written

    def _export_stage(self) -> tuple[str, dict[str, Any]]:
        paths = self.export_ics()
        return f"wrote {len(paths)} calendar(s)", {"paths": [str(p) for p in paths]}

    # --- the main job --------------------------------------------------------------------

    def run(self) -> RunReport:
        """One full cycle of the main job; each stage is a use case of its own."""
        report = RunReport()
        stages: list[tuple[str, Callable[[], tuple[str, dict[str, Any]]]]] = [
            # Stages are added here in data-flow order: fetch -> score -> plan -> export -> digest.
            ("export", self._export_stage),
        ]
        for name, stage in stages:
            started = _time.perf_counter()
            summary, detail = stage()
            report.stages.append(StageResult(name, _time.perf_counter() - started, summary, detail))
        return report
