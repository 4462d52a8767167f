"""The Alembic history: one head, upgrade from empty everywhere, and models == migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from curator.store import Database
from curator.store.db import alembic_config
from curator.store.models import Base

EXPECTED_TABLES = {
    "profiles", "feeds", "feed_urls", "items", "scores", "decisions", "slots", "digests",
    "job_runs", "meta",
}  # fmt: skip


def test_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}; add a merge migration"


def _assert_matches_models(database: Database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == [], f"models and migrations disagree: {diff}"


def test_upgrade_from_empty_sqlite(tmp_path) -> None:
    database = Database.open(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert set(inspect(database.engine).get_table_names()) >= EXPECTED_TABLES
        assert database.current_revision() == database.head_revision()
        _assert_matches_models(database)
        with database.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        database.close()


def test_upgrade_from_empty_postgresql(pg_url: str) -> None:
    database = Database.open(pg_url)
    try:
        assert set(inspect(database.engine).get_table_names()) >= EXPECTED_TABLES
        assert database.current_revision() == database.head_revision()
        _assert_matches_models(database)
    finally:
        database.close()


def test_reopening_is_a_no_op(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'again.db'}"
    Database.open(url).close()
    database = Database.open(url)
    try:
        assert database.current_revision() == database.head_revision()
    finally:
        database.close()


def test_downgrade_to_base_and_back(tmp_path) -> None:
    from alembic import command

    database = Database.open(f"sqlite:///{tmp_path / 'down.db'}")
    try:
        cfg = alembic_config()
        with database.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert "items" not in inspect(database.engine).get_table_names()
        database.upgrade()
        assert "items" in inspect(database.engine).get_table_names()
    finally:
        database.close()
