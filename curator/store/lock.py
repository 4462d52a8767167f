"""One `curator serve` per database: a file lock for SQLite, an advisory lock for PostgreSQL."""

from __future__ import annotations

import zlib
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from curator.errors import AlreadyRunning
from curator.i18n import N_, Message
from curator.store.db import Database

# A fixed key for pg_try_advisory_lock: the same on every machine pointing at this database.
_PG_LOCK_KEY = zlib.crc32(b"curator serve")


class ServiceLock:
    """Held for the lifetime of the service; released on exit (and by the OS if it crashes)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._file_lock: FileLock | None = None
        self._pg_connection: Connection | None = None

    def __enter__(self) -> ServiceLock:
        if self.db.dialect == "sqlite":
            database = make_url(self.db.url).database or "curator.db"
            path = Path(f"{database}.serve.lock")
            self._file_lock = FileLock(path)
            try:
                self._file_lock.acquire(timeout=0)
            except Timeout:
                raise AlreadyRunning(
                    Message(
                        N_(
                            "another `curator serve` is already running on {database} "
                            "(lock file {path}); stop it first"
                        ),
                        database=self.db.display_url,
                        path=path,
                    )
                ) from None
        else:
            connection = self.db.engine.connect()
            locked = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": _PG_LOCK_KEY}
            ).scalar()
            # A session-level lock outlives the transaction: end it so the connection is not
            # left "idle in transaction" (which servers may time out) for the service's life.
            connection.commit()
            if not locked:
                connection.close()
                raise AlreadyRunning(
                    Message(
                        N_(
                            "another `curator serve` is already running on {database} "
                            "(PostgreSQL advisory lock held); stop it first"
                        ),
                        database=self.db.display_url,
                    )
                )
            self._pg_connection = connection
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._file_lock is not None:
            self._file_lock.release()
        if self._pg_connection is not None:
            # Unlock explicitly: closing only returns the connection to the pool, whose session
            # (and so the advisory lock) would live on. If the process dies instead, PostgreSQL
            # ends the session and releases the lock itself.
            self._pg_connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY}
            )
            self._pg_connection.commit()
            self._pg_connection.close()
            self._pg_connection = None
