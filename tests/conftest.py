"""Shared fixtures: real migrated SQLite files, PostgreSQL where the machine has it, settings."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from curator.config import Settings, parse_settings
from curator.store import Database
from tests.support.content import corpus_root

# Commands about no profile speak the locale's language (issue 16): the suite reads English
# whatever the machine's locale (subprocesses included); a test of French sets its own.
if os.environ.get("LC_ALL"):
    os.environ["LC_ALL"] = "C.UTF-8"
os.environ["LC_MESSAGES"] = "C.UTF-8"

# CI points this at the local server; set it to "" to skip PostgreSQL tests on purpose.
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def words_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rank as an install without the semantic extra does, whether or not it is installed (CI
    does not install it). For tests of exact orders: with the extra, the fusion ranks items
    among those a pass scores, so an incremental pass's order can differ from a full pass's,
    and which item a plan picks first can change."""
    from curator import semantic

    monkeypatch.setattr(semantic, "available", lambda: False)


@pytest.fixture
def corpus_dir() -> Path:
    root = corpus_root()
    if root is None:
        pytest.skip("the shared corpus (../shared/corpus) is not on this machine")
    return root


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite file, migrated by Alembic."""
    url = f"sqlite:///{tmp_path / 'curator.db'}"
    Database.open(url).close()
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database.open(db_url)
    yield database
    database.close()


def _postgres_server_url() -> str | None:
    url = os.environ.get("CURATOR_TEST_POSTGRES", DEFAULT_PG)
    if not url:
        return None
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return None
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database of its own, dropped afterwards; skips without a server."""
    server = _postgres_server_url()
    if server is None and os.environ.get("CURATOR_REQUIRE_POSTGRES"):
        pytest.fail("CURATOR_REQUIRE_POSTGRES is set but no PostgreSQL server answers")
    if server is None:
        pytest.skip(
            "no PostgreSQL server answers at CURATOR_TEST_POSTGRES "
            f"(default {DEFAULT_PG}); CI runs these tests"
        )
    name = f"curator_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


MINIMAL_CONFIG = """\
profiles:
  - name: claire
    objective: |
      Recruteuse tech indépendante, je veux partager des analyses sur le recrutement
      de profils data et développeurs.
    language: fr
    timezone: Europe/Paris
feeds:
  - url: http://127.0.0.1:9/feed.xml
    name: Local
"""


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write a feeds.yaml in a fresh folder and return its path."""

    def write(text_: str = MINIMAL_CONFIG, name: str = "feeds.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text_, encoding="utf-8")
        return path

    return write


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    """Settings parsed from YAML text (MINIMAL_CONFIG by default)."""

    def make(text_: str = MINIMAL_CONFIG, **_: Any) -> Settings:
        return parse_settings(text_, tmp_path / "feeds.yaml", env={})

    return make


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """The same test on a fresh migrated SQLite file and on PostgreSQL (skipped without one)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'any_db.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    database = Database.open(url)
    request.addfinalizer(database.close)
    return database
