"""Opening, migrating and talking to the database.

SQLite is the embedded default (WAL journal so readers never block the writer, foreign keys on,
a busy timeout so the service and a CLI command can share the file); PostgreSQL runs the same
code through `postgresql+psycopg://...`.

Every unit of work is a `Database.session()`, a writing one unless it is opened with
`Database.reading()`. On SQLite a writing unit starts with `BEGIN IMMEDIATE`: it takes the
write lock first, waiting for it up to the busy timeout, like Datasette's write connections.
A deferred `BEGIN` that reads and then writes cannot wait: SQLite refuses its lock upgrade at
once with "database is locked" when another process wrote meanwhile (issue 13). Reading units
keep a plain `BEGIN` and, in WAL mode, never wait for a writer.

Every database failure leaves this module as a StorageError of one line that names the file and
what to do (issue 13): a damaged file, one made by a newer curator, a read-only file or folder,
a lock held past the busy timeout, a full disk.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from curator.errors import StorageError
from curator.i18n import N_, Message

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)


def migrations_dir() -> Path:
    """The Alembic scripts, from a checkout (or editable install) first, else the installed package.

    A checkout keeps them in the top-level `migrations/` folder, where `alembic` and developers
    expect them; a wheel ships the same folder inside the package as `curator/_migrations`.
    """
    root = Path(__file__).resolve().parents[2]
    checkout = root / "migrations"
    # pyproject.toml tells our checkout apart from a site-packages folder where some other
    # distribution happens to have installed a top-level `migrations` package.
    if (root / "pyproject.toml").is_file() and (checkout / "env.py").is_file():
        return checkout
    installed = resources.files("curator") / "_migrations"
    # Alembic reads its scripts from a real folder: a zipped install cannot provide one.
    if isinstance(installed, Path) and (installed / "env.py").is_file():
        return installed
    raise StorageError(
        Message(
            N_(
                "cannot find curator's database migrations (looked in {checkout} and "
                "{installed}): reinstall curator, e.g. pip install --force-reinstall "
                "/path/to/curator"
            ),
            checkout=checkout,
            installed=installed,
        )
    )


def alembic_config() -> Config:
    # Alembic is imported only when a migration may be needed: it costs ~0.2 s of start-up
    # that a command on an up-to-date database (every run after the first) need not pay.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


_REVISION = re.compile(
    r"^(down_revision|revision)\b[^=]*=\s*(?:'([^']*)'|\"([^\"]*)\"|None)\s*$", re.M
)


def _quick_head() -> str | None:
    """The single head revision read from the migration scripts as text, or None when that
    is not certain (a script it cannot read this way, several heads, merge revisions)."""
    try:
        folder = migrations_dir() / "versions"
        revisions: set[str] = set()
        parents: set[str] = set()
        for script in folder.glob("*.py"):
            found = dict(
                (m.group(1), m.group(2) or m.group(3))
                for m in _REVISION.finditer(script.read_text())
            )
            if "revision" not in found or not found["revision"]:
                return None
            revisions.add(found["revision"])
            if found.get("down_revision"):
                parents.add(found["down_revision"])
        heads = revisions - parents
    except (OSError, StorageError, UnicodeDecodeError):
        return None
    return heads.pop() if len(heads) == 1 else None


def _redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


#: How long a SQLite unit of work waits for another process's write lock before giving up;
#: `?timeout=SECONDS` in the database URL changes it (sqlite:///curator.db?timeout=60).
BUSY_TIMEOUT = 30.0

#: The execution option that marks a connection as read-only work (see `Database.reading`).
_READ_ONLY = "curator_read_only"


def _sqlite_pragmas(busy_timeout: float) -> Any:
    def configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # A read-only file or folder cannot switch to WAL: leave it as it is, so that
        # read-only commands still work there (issue 13).
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as e:
            if getattr(e, "sqlite_errorcode", None) not in _READ_ONLY_CODES:
                raise
        # NORMAL is durable across application crashes in WAL mode; only a power loss can roll
        # back the last transactions, never corrupt the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return configure


def _sqlite_begin(conn: Any) -> None:
    # Readers: a plain (deferred) BEGIN, which never waits for a writer in WAL mode. Writers:
    # the write lock up front, waited for up to the busy timeout (issue 13).
    read_only = conn.get_execution_options().get(_READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _immutable_engine(path: Path, busy_timeout: float) -> Engine:
    """A read-only engine over a SQLite file in a folder we cannot write.

    SQLite in WAL mode needs its shared-memory file beside the database even to read, and
    cannot create it there: `immutable=1` reads without it. Nobody can be writing the file
    meanwhile: a writer would have had to create that file in the same folder.
    """
    from urllib.parse import quote

    from sqlalchemy.pool import NullPool

    uri = f"file:{quote(str(path.resolve()))}?immutable=1"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=busy_timeout, check_same_thread=False)

    engine = create_engine("sqlite://", creator=connect, poolclass=NullPool)
    event.listen(engine, "connect", _disable_pysqlite_begin)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def create_db_engine(url: str) -> Engine:
    """An engine for `url`, or StorageError naming what is wrong with the URL."""
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise StorageError(
            Message(
                N_(
                    "malformed database URL {url}: expected e.g. sqlite:///curator.db "
                    "or postgresql+psycopg://user@host/dbname"
                ),
                url=repr(url),
            )
        ) from e
    try:
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                parent = Path(database).expanduser().resolve().parent
                if not parent.is_dir():
                    raise StorageError(
                        Message(
                            N_("cannot open database {url}: folder {folder} does not exist"),
                            url=_redact(url),
                            folder=parent,
                        )
                    )
            busy_timeout = _busy_timeout(url, parsed.query.get("timeout"))
            parsed = parsed.set(query={k: v for k, v in parsed.query.items() if k != "timeout"})
            engine = create_engine(parsed, connect_args={"timeout": busy_timeout})
            event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
            # pysqlite's own transaction handling defers BEGIN past the first SELECT; let
            # SQLAlchemy emit BEGIN itself so a transaction is one unit on SQLite too.
            event.listen(engine, "connect", _disable_pysqlite_begin)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError as e:
        raise StorageError(
            Message(
                N_(
                    "unsupported database URL {url}: use sqlite:///FILE or postgresql+psycopg://..."
                ),
                url=_redact(url),
            )
        ) from e
    except ImportError as e:
        raise StorageError(
            Message(
                N_(
                    "the driver for {url} is not installed ({module}): "
                    "for PostgreSQL install curator[postgres]"
                ),
                url=_redact(url),
                module=e.name,
            )
        ) from e


def _busy_timeout(url: str, raw: str | tuple[str, ...] | None) -> float:
    if raw is None:
        return BUSY_TIMEOUT
    try:
        value = float(raw if isinstance(raw, str) else raw[-1])
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86400:
        raise StorageError(
            Message(
                N_(
                    "database URL {url}: timeout must be a number of seconds from 0 to 86400, "
                    "got {value}"
                ),
                url=_redact(url),
                value=repr(raw),
            )
        )
    return value


def _disable_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


# SQLite's primary result codes (https://sqlite.org/rescode.html), as Python's sqlite3
# reports them in `sqlite_errorcode` (extended codes keep the primary one in the low byte).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN = 10, 11, 13, 14
_SQLITE_NOTADB = 26
_READ_ONLY_CODES = {_SQLITE_READONLY, _SQLITE_READONLY | (1 << 8), _SQLITE_READONLY | (2 << 8)}


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None (another database, or in memory)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database or "").expanduser()


def _first_line(e: BaseException) -> str:
    orig = getattr(e, "orig", None)
    text = str(orig if orig is not None else e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def describe_failure(url: str, e: BaseException) -> str:
    """One line naming the database, what went wrong and what to do, for a driver error."""
    orig = getattr(e, "orig", None) or e
    path = sqlite_path(url)
    if path is None or not isinstance(orig, sqlite3.Error):
        return Message(
            N_("database {database} failed: {reason}"), database=_redact(url), reason=_first_line(e)
        )
    code = (getattr(orig, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (_SQLITE_NOTADB, _SQLITE_CORRUPT):
        return Message(
            N_("{path} is not a curator database or is damaged: restore it from a backup"),
            path=path,
        )
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return Message(
            N_(
                "database {path} is still locked by another program after waiting for it: "
                "try again once the other curator command has finished "
                "(or wait longer with ?timeout=SECONDS in the database URL)"
            ),
            path=path,
        )
    if code == _SQLITE_FULL or (code == _SQLITE_IOERR and _disk_full(path)):
        return Message(
            N_("cannot write to database {path}: the disk is full; free some space and retry"),
            path=path,
        )
    if code in (_SQLITE_READONLY, _SQLITE_CANTOPEN, _SQLITE_IOERR):
        read_only = _read_only_part(path)
        if read_only is not None:
            return Message(
                N_(
                    "cannot write to database {path}: {why}; only commands that read "
                    "(queue list, status, calendar, feeds list) work there"
                ),
                path=path,
                why=read_only,
            )
    if code == _SQLITE_CANTOPEN:
        return Message(
            N_("cannot open database {path}: {reason}"), path=path, reason=_first_line(e)
        )
    return Message(N_("database {database} failed: {reason}"), database=path, reason=_first_line(e))


def _read_only_folder(path: Path, e: DBAPIError) -> bool:
    code = (getattr(e.orig, "sqlite_errorcode", None) or 0) & 0xFF
    return (
        code in (_SQLITE_READONLY, _SQLITE_CANTOPEN)
        and path.is_file()
        and not os.access(path.resolve().parent, os.W_OK)
    )


def _read_only_part(path: Path) -> str | None:
    """Which of the file or its folder the user cannot write, said so, or None."""
    folder = path.resolve().parent
    if path.exists() and not os.access(path, os.W_OK):
        return Message(N_("the file {path} is read-only"), path=path)
    if not os.access(folder, os.W_OK):
        return Message(
            N_("its folder {folder} is read-only (SQLite writes its journal beside the file)"),
            folder=folder,
        )
    return None


def _disk_full(path: Path) -> bool:
    try:
        stats = os.statvfs(path.resolve().parent)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 1 << 20


class Database:
    """An open, migrated database. Sessions go to the functions in `store.repo`."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._reader = engine.execution_options(**{_READ_ONLY: True})
        self._readers = sessionmaker(self._reader, expire_on_commit=False)
        self._inherited: list[Any] = []  # pools of a parent process (`after_fork`)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Database:
        engine = create_db_engine(url)
        db = cls(engine, url)
        try:
            with db._reader.connect() as conn:
                conn.execute(text("SELECT 1"))
            if migrate:
                db.upgrade()
        except DBAPIError as e:
            engine.dispose()
            path = sqlite_path(url)
            if path is not None and _read_only_folder(path, e):
                # Commands that only read still work there (issue 13); writing ones get the
                # one line naming the read-only folder.
                timeout = _busy_timeout(url, make_url(url).query.get("timeout"))
                readonly = cls(_immutable_engine(path, timeout), url)
                try:
                    with readonly._reader.connect() as conn:
                        conn.execute(text("SELECT 1"))
                    at_head = not migrate or readonly._at_head()
                except DBAPIError as again:
                    readonly.close()
                    raise readonly.failure(again) from again
                if not at_head:  # a migration is due, and cannot be written
                    readonly.close()
                    raise readonly.failure(e) from e
                return readonly
            if path is not None:
                raise db.failure(e) from e
            raise StorageError(
                Message(
                    N_("cannot connect to database {url}: {error}"),
                    url=_redact(url),
                    error=_first_line(e),
                )
            ) from e
        except BaseException:
            engine.dispose()
            raise
        return db

    def failure(self, e: BaseException) -> StorageError:
        """The StorageError (one line) for a driver error met on this database."""
        return StorageError(describe_failure(self.url, e))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return _redact(self.url)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self._reader.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(alembic_config()).get_current_head()

    def upgrade(self, revision: str = "head") -> None:
        if revision == "head" and (self._create_if_empty() or self._at_head()):
            return
        from alembic import command

        self._check_known_revision()
        cfg = alembic_config()
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        except DBAPIError as e:
            raise self.failure(e) from e
        except SQLAlchemyError as e:
            raise StorageError(
                Message(N_("migrating {url} failed: {error}"), url=self.display_url, error=e)
            ) from e
        log.info("database %s migrated to %s", self.display_url, self.current_revision())

    def _check_known_revision(self) -> None:
        """StorageError when the stored revision is not one of ours: a newer curator made the
        database (or something else did), and no migration of this version can take it on."""
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError
        from sqlalchemy import inspect

        with self._reader.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        if tables and "alembic_version" not in tables:
            path = sqlite_path(self.url)
            where = str(path) if path is not None else self.display_url
            raise StorageError(
                Message(
                    N_(
                        "{where} is not a curator database or is damaged (it has tables but no "
                        "curator schema version): restore it from a backup, or choose another file"
                    ),
                    where=where,
                )
            )
        stored = self.current_revision()
        if stored is None:
            return
        try:
            ScriptDirectory.from_config(alembic_config()).get_revision(stored)
        except CommandError as e:
            path = sqlite_path(self.url)
            where = str(path) if path is not None else self.display_url
            raise StorageError(
                Message(
                    N_(
                        "database {where} was made by a newer curator (schema revision {revision} "
                        "is unknown to this version): upgrade curator"
                    ),
                    where=where,
                    revision=stored,
                )
            ) from e

    def _create_if_empty(self) -> bool:
        """A database without a single table gets today's schema in one go and is stamped at
        the head revision: Alembic's own recipe for building a database from scratch, and
        ~0.2 s faster than importing Alembic to replay every migration. False (nothing done)
        when the database has tables or the head cannot be read cheaply.

        tests/test_migrations.py checks that the result is the schema the migrations build.
        """
        head = _quick_head()
        if head is None:
            return False
        from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect

        from curator.store.models import Base

        # Alembic's own definition of its version table.
        version = Table(
            "alembic_version",
            MetaData(),
            Column("version_num", String(32), nullable=False),
            PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
        )
        # Looked at first without the write lock: a database with tables (every start but the
        # first) may be read-only, and must not be asked for a lock it cannot give.
        with self._reader.connect() as conn:
            if inspect(conn).get_table_names():
                return False
        try:
            with self.engine.begin() as conn:
                if inspect(conn).get_table_names():
                    return False
                Base.metadata.create_all(conn)
                # What migration 0006 creates beside the models: the workers' queue (issue 17).
                from curator.store.taskqueue import create_queue_schema

                create_queue_schema(conn)
                version.create(conn, checkfirst=True)
                if conn.execute(version.select()).first() is None:
                    conn.execute(version.insert().values(version_num=head))
        except DBAPIError as e:
            raise self.failure(e) from e
        except SQLAlchemyError as e:
            raise StorageError(
                Message(
                    N_("creating the tables of {url} failed: {error}"),
                    url=self.display_url,
                    error=e,
                )
            ) from e
        log.info("database %s created at revision %s", self.display_url, head)
        return True

    def _at_head(self) -> bool:
        """Is the database at the head revision? A cheap check first (the stored revision
        against the scripts' `revision` / `down_revision` lines read as text), then Alembic's
        own answer whenever the cheap one cannot tell."""
        head = _quick_head()
        if head is not None:
            try:
                with self._reader.connect() as conn:
                    stored = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            except SQLAlchemyError:
                stored = None  # no table yet (a new database): Alembic decides
            if stored is not None and [row[0] for row in stored] == [head]:
                return True
        return self.current_revision() == self.head_revision()

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back if it raises.

        A writing unit (the default) holds SQLite's write lock from its first statement to
        its end: keep network and CPU work (fetching, parsing, scoring) outside it.
        `write=False` (or `reading()`) is for units that only read: they never wait for a
        writer, and work on a read-only database file.

        Raises:
            StorageError: one line for any database failure (locked past the busy timeout,
                disk full, damaged file, read-only file...).
        """
        with self._sessions() if write else self._readers() as session:
            try:
                with session.begin():
                    yield session
            except IntegrityError:
                raise  # a constraint: the caller's own business (digests.claim catches it)
            except DBAPIError as e:
                raise self.failure(e) from e

    def reading(self) -> AbstractContextManager[Session]:
        """A unit of work that only reads: see `session`."""
        return self.session(write=False)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def shared(self) -> bool:
        """Whether another connection sees what this one sees (not an in-memory SQLite)."""
        return self.dialect != "sqlite" or sqlite_path(self.url) is not None

    def after_fork(self) -> None:
        """In a process forked from the one that opened the database: open connections of its
        own from now on. The inherited ones belong to the parent (a connection used or even
        closed from two processes breaks): the pool holding them is set aside untouched and
        kept referenced, so that none of them is closed here (SQLAlchemy's "Using Connection
        Pools with Multiprocessing or os.fork()")."""
        self._inherited.append(self.engine.pool)
        self.engine.dispose(close=False)
