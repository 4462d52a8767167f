"""One `curator serve` per database: the lock is exclusive, released on exit, on both backends."""

from __future__ import annotations

import pytest

from curator.errors import AlreadyRunning
from curator.store import Database
from curator.store.lock import ServiceLock


def test_a_second_holder_is_refused_until_the_first_releases(any_db: Database) -> None:
    # Two Database objects stand for two processes: the lock must not depend on sharing one.
    other = Database.open(any_db.url)
    try:
        with (
            ServiceLock(any_db),
            pytest.raises(AlreadyRunning, match="already running"),
            ServiceLock(other),
        ):
            pass
        with ServiceLock(other):  # released on exit: the next service may start
            pass
    finally:
        other.close()
