"""The calendar: the .ics of each profile, as a file and over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from curator import plan as planner
from curator.app.core import CuratorCore
from curator.app.plan import _THEME_WINDOW
from curator.errors import ExportError, InvalidAction
from curator.i18n import N_, Message, Plural
from curator.store import ics as store_ics
from curator.store import repo
from curator.store import slots as slot_store
from curator.types import Item, Slot

if TYPE_CHECKING:
    from curator.outputs.ics_http import CalendarResponse


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
        raise ExportError(
            Message(N_("cannot write the calendar: {reason}"), reason=e.strerror or str(e)),
            path=str(path),
        ) from e


class CalendarUseCases(CuratorCore):
    """Each profile's plan as an .ics: written to files, or answered over HTTP."""

    # --- calendar ------------------------------------------------------------------------

    def calendar_ics(self, profile: str, *, keep_cancelled: bool | None = None) -> bytes:
        """A profile's calendar; removed slots kept as cancelled events with `keep_cancelled`
        (default: `calendar.keep_cancelled`, which is for file exports)."""
        return self._calendar(profile, keep_cancelled)[0]

    def _calendar(self, profile: str, keep_cancelled: bool | None) -> tuple[bytes, datetime]:
        """The calendar's bytes and when they last changed (HTTP Last-Modified)."""
        from curator.outputs.ics import last_modified, render_calendar

        chosen = self.settings.profile(profile)
        keep = self.settings.calendar.keep_cancelled if keep_cancelled is None else keep_cancelled
        settings = replace(self.settings.calendar, keep_cancelled=keep)
        now = self.now()
        with self.db.reading() as session:
            data = store_ics.calendar_data(session, chosen.name, with_cancelled=keep)
            behind = self._topic_items(session, chosen.name, data.slots, now)
        body = render_calendar(
            chosen,
            data.slots,
            data.items,
            data.scores,
            settings,
            now=now,
            cancelled=data.cancelled,
            behind=behind,
        )
        return body, last_modified(data.slots, data.cancelled, now)

    def _topic_items(
        self, session: Any, profile: str, slots: Iterable[Slot], now: datetime
    ) -> dict[str, list[Item]]:
        """By slot id, the items behind each upcoming original post's topic (issue 16)."""
        upcoming = [
            s for s in slots if s.kind.value == "original" and s.topic and s.starts_at > now
        ]
        if not upcoming:
            return {}
        top = slot_store.recent_top_scores(session, profile, since=now - _THEME_WINDOW)
        wanted = {s.id: planner.topic_items(s.topic or "", top) for s in upcoming}
        ids = {i for found in wanted.values() for i in found}
        items = {i.id: i for i in repo.list_items(session, state=None, ids=ids)} if ids else {}
        return {sid: [items[i] for i in found if i in items] for sid, found in wanted.items()}

    def calendar_http(
        self,
        profile: str,
        *,
        token: str | None,
        if_none_match: str | None,
        if_modified_since: str | None = None,
    ) -> CalendarResponse:
        """Answer GET /calendar/<profile>.ics (profile as found in the URL path)."""
        from curator.outputs.ics_http import calendar_response, forbidden, not_found, token_ok

        if not token_ok(self.settings.serve.token, token):
            return forbidden()
        name = unquote(profile)
        if name not in {p.name for p in self.settings.profiles}:
            return not_found()
        # Subscribers get removed slots simply absent, whatever file exports keep.
        body, modified = self._calendar(name, keep_cancelled=False)
        return calendar_response(
            body,
            if_none_match=if_none_match,
            filename=f"calendar-{name}.ics",
            last_modified=modified,
            if_modified_since=if_modified_since,
        )

    def calendar_dir(self) -> Path:
        """Where exported calendars go: `calendar.output_dir`, else beside the SQLite file."""
        if self.settings.calendar.output_dir:
            return Path(self.settings.calendar.output_dir)
        return self._beside_database()

    def export_ics(
        self,
        profile: str | None = None,
        path: Path | None = None,
        keep_cancelled: bool | None = None,
    ) -> list[Path]:
        """Write calendar-<profile>.ics for one profile or all; `path` is a file or a folder."""
        profiles = self.settings.select_profiles(profile)
        if path is not None and not path.is_dir() and len(profiles) > 1:
            raise InvalidAction(
                Message(
                    N_(
                        "{path} is one file but there are {n} profiles: "
                        "name a folder, or choose one with --profile"
                    ),
                    path=path,
                    n=len(profiles),
                )
            )
        written = []
        for chosen in profiles:
            folder = path if path is not None and path.is_dir() else self.calendar_dir()
            target = path if path is not None and not path.is_dir() else None
            target = target or folder / f"calendar-{chosen.name}.ics"
            write_if_changed(target, self.calendar_ics(chosen.name, keep_cancelled=keep_cancelled))
            written.append(target)
        return written

    def _export_stage(self) -> tuple[str, dict[str, Any]]:
        paths = self.export_ics()
        wrote = Plural("wrote {n} calendar", "wrote {n} calendars", len(paths), n=len(paths))
        return wrote, {"paths": [str(p) for p in paths]}
