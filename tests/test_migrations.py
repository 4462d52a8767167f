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
    "job_runs", "meta", "posts", "post_result_changes", "active_time", "ideas", "item_sketches",
    "item_embeddings", "item_terms",
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


def _schema(database: Database) -> dict[str, object]:
    """Every table's columns, keys, indexes and constraints as the database reports them
    (column order aside: a migration adds columns at the end)."""
    inspector = inspect(database.engine)
    schema: dict[str, object] = {}
    for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        schema[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in inspector.get_columns(table)
            ),
            "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign keys": sorted(
                (
                    f["name"],
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                    str(f.get("options")),
                )
                for f in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
        }
    return schema


def _replay_migrations(database: Database, target: str) -> None:
    from alembic import command

    cfg = alembic_config()
    with database.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        if target == "base":
            command.downgrade(cfg, "base")
        else:
            command.upgrade(cfg, target)


def _new_database_equals_replayed_migrations(url: str) -> None:
    """A new database is created from the models in one go and stamped at the head: it must
    be exactly what replaying every migration builds, and migrations must work on it."""
    database = Database.open(url)
    try:
        assert database.current_revision() == database.head_revision()
        created = _schema(database)
        assert set(created) == EXPECTED_TABLES
        _replay_migrations(database, "base")  # every downgrade runs on the created schema
        assert _schema(database) == {}
        _replay_migrations(database, "head")  # the alembic_version table is left: a replay
        assert database.current_revision() == database.head_revision()
        _assert_matches_models(database)
        assert _schema(database) == created
    finally:
        database.close()


def test_a_new_sqlite_database_equals_the_replayed_migrations(tmp_path) -> None:
    _new_database_equals_replayed_migrations(f"sqlite:///{tmp_path / 'created.db'}")


def test_a_new_postgresql_database_equals_the_replayed_migrations(pg_url: str) -> None:
    _new_database_equals_replayed_migrations(pg_url)


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
