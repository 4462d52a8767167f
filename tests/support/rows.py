"""Counting the rows a piece of code reads from a table, on the real engine.

A listener on `after_cursor_execute` fetches the rows of every SELECT that reads the table,
counts them, and hands them back to SQLAlchemy as an already-buffered result (what dialects
that must read a cursor early do), so the code under test sees exactly what it would have.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine.cursor import FullyBufferedCursorFetchStrategy


@contextmanager
def rows_read(engine: Engine, table: str) -> Iterator[list[tuple[str, int]]]:
    """Yields a list that collects (statement, rows) for each SELECT reading `table`."""
    reads: list[tuple[str, int]] = []
    pattern = re.compile(rf"\b(FROM|JOIN)\s+\"?{re.escape(table)}\"?(\s|$|,|\))", re.I)

    def count(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool
    ) -> None:
        if cursor.description is None or not pattern.search(statement):
            return
        rows = cursor.fetchall()
        reads.append((statement, len(rows)))
        context.cursor_fetch_strategy = FullyBufferedCursorFetchStrategy(
            cursor, cursor.description, rows
        )

    event.listen(engine, "after_cursor_execute", count)
    try:
        yield reads
    finally:
        event.remove(engine, "after_cursor_execute", count)
