"""Opening, migrating and talking to the database.

SQLite is the embedded default (WAL journal so readers never block the writer, foreign keys on,
a busy timeout so the service and a CLI command can share the file); PostgreSQL runs the same
code through `postgresql+psycopg://...`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from curator.errors import StorageError

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
        f"cannot find curator's database migrations (looked in {checkout} and {installed}): "
        "reinstall curator, e.g. pip install --force-reinstall /path/to/curator"
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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable across application crashes in WAL mode; only a power loss can roll
    # back the last transactions, never corrupt the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for `url`, or StorageError naming what is wrong with the URL."""
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise StorageError(
            f"malformed database URL {url!r}: expected e.g. sqlite:///curator.db "
            "or postgresql+psycopg://user@host/dbname"
        ) from e
    try:
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                parent = Path(database).expanduser().resolve().parent
                if not parent.is_dir():
                    raise StorageError(
                        f"cannot open database {_redact(url)}: folder {parent} does not exist"
                    )
            engine = create_engine(parsed, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            # pysqlite's own transaction handling defers BEGIN past the first SELECT; let
            # SQLAlchemy emit BEGIN itself so a transaction is one unit on SQLite too.
            event.listen(engine, "connect", _disable_pysqlite_begin)
            event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError as e:
        raise StorageError(
            f"unsupported database URL {_redact(url)}: use sqlite:///FILE "
            "or postgresql+psycopg://..."
        ) from e
    except ImportError as e:
        raise StorageError(
            f"the driver for {_redact(url)} is not installed ({e.name}): "
            "for PostgreSQL install curator[postgres]"
        ) from e


def _disable_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


class Database:
    """An open, migrated database. Sessions go to the functions in `store.repo`."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Database:
        engine = create_db_engine(url)
        db = cls(engine, url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as e:
            engine.dispose()
            reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
            raise StorageError(f"cannot connect to database {_redact(url)}: {reason}") from e
        if migrate:
            db.upgrade()
        return db

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return _redact(self.url)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(alembic_config()).get_current_head()

    def upgrade(self, revision: str = "head") -> None:
        if revision == "head" and (self._create_if_empty() or self._at_head()):
            return
        from alembic import command

        cfg = alembic_config()
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        except SQLAlchemyError as e:
            raise StorageError(f"migrating {self.display_url} failed: {e}") from e
        log.info("database %s migrated to %s", self.display_url, self.current_revision())

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
        try:
            with self.engine.begin() as conn:
                if inspect(conn).get_table_names():
                    return False
                Base.metadata.create_all(conn)
                version.create(conn, checkfirst=True)
                if conn.execute(version.select()).first() is None:
                    conn.execute(version.insert().values(version_num=head))
        except SQLAlchemyError as e:
            raise StorageError(f"creating the tables of {self.display_url} failed: {e}") from e
        log.info("database %s created at revision %s", self.display_url, head)
        return True

    def _at_head(self) -> bool:
        """Is the database at the head revision? A cheap check first (the stored revision
        against the scripts' `revision` / `down_revision` lines read as text), then Alembic's
        own answer whenever the cheap one cannot tell."""
        head = _quick_head()
        if head is not None:
            try:
                with self.engine.connect() as conn:
                    stored = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            except SQLAlchemyError:
                stored = None  # no table yet (a new database): Alembic decides
            if stored is not None and [row[0] for row in stored] == [head]:
                return True
        return self.current_revision() == self.head_revision()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()
