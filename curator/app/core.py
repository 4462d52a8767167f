"""What every use case of the facade stands on: the settings, the database and the clock.

This package is the only place where I/O meets policy. The CLI and the scheduler call the
methods of `Curator` (`curator.app.facade`) and nothing else; pure policy (score, plan, dedupe)
never sees a session or a socket. Each use case reads the clock once (`self.now()`) and passes
that instant down, so tests can set it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from sqlalchemy.engine import make_url

from curator.config import Settings, load_settings, resolve_database_url
from curator.errors import ConfigError, InvalidAction, StorageError
from curator.i18n import N_, Message
from curator.store import Database, repo
from curator.types import Profile

log = logging.getLogger("curator.app")  # the name the facade's lines have always had

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class CuratorCore:
    """The configured settings, the database and the clock every use case reads."""

    def __init__(self, settings: Settings, db: Database, *, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.db = db
        self._clock = clock
        # Set by the service on SIGTERM: long use cases stop at their next unit of work
        # (the current feed's transaction completes or rolls back, never half written).
        self.stopping = threading.Event()
        # Looked at before writing: most commands start with the configuration already stored,
        # and need no write lock for it (nor a writable database file, issue 13).
        with db.reading() as session:
            stored = repo.in_sync(session, settings.profiles, settings.feeds)
        if not stored:
            try:
                with db.session() as session:
                    now = self.now()
                    repo.sync_profiles(session, settings.profiles, now)
                    repo.sync_feeds(session, settings.feeds, now)
            except StorageError as e:
                # A read-only database still serves the commands that read; those that write
                # meet the same one-line error when they do.
                log.warning("feeds.yaml changes not stored: %s", e)

    @classmethod
    def open(cls, config_path: Path, db_url: str | None = None, *, clock: Clock = utc_now) -> Self:
        settings = load_settings(config_path)
        return cls(settings, Database.open(resolve_database_url(db_url, settings)), clock=clock)

    def now(self) -> datetime:
        value = self._clock()
        if value.tzinfo is None:
            raise ValueError("the clock must return aware datetimes")
        return value.astimezone(UTC)

    def close(self) -> None:
        self.db.close()

    def request_stop(self) -> None:
        self.stopping.set()

    # --- shared by the use cases ----------------------------------------------------------

    def choose_profile(self, name: str | None) -> Profile:
        """The profile named, else the only one; with several, an error listing them."""
        if name:
            return self.settings.profile(name)
        if len(self.settings.profiles) == 1:
            return self.settings.profiles[0]
        if not self.settings.profiles:
            raise ConfigError(
                Message(
                    N_("no profile in {path}: add one under `profiles:`"), path=self.settings.path
                )
            )
        names = ", ".join(p.name for p in self.settings.profiles)
        raise InvalidAction(
            Message(N_("several profiles ({names}): choose one with --profile"), names=names)
        )

    def _beside_database(self) -> Path:
        """The folder of the SQLite database file, where calendars and digest files go by
        default; the data folder for PostgreSQL or an in-memory database."""
        if self.db.dialect == "sqlite":
            database = make_url(self.db.url).database
            if database and database != ":memory:":
                return Path(database).resolve().parent
        return self.settings.data_dir
