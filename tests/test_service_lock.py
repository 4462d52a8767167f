"""One `curator serve` per database: the lock is exclusive, released on exit, on both backends."""

from __future__ import annotations

import pytest

from curator.errors import AlreadyRunning
from curator.store import Database
from curator.store.lock import ServiceLock


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path) -> Database:
    url = (
        f"sqlite:///{tmp_path / 'lock.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    db = Database.open(url)
    request.addfinalizer(db.close)
    return db


def test_a_second_holder_is_refused_until_the_first_releases(database: Database) -> None:
    # Two Database objects stand for two processes: the lock must not depend on sharing one.
    other = Database.open(database.url)
    try:
        with (
            ServiceLock(database),
            pytest.raises(AlreadyRunning, match="already running"),
            ServiceLock(other),
        ):
            pass
        with ServiceLock(other):  # released on exit: the next service may start
            pass
    finally:
        other.close()
