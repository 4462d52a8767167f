"""Alembic environment for curator.

curator runs migrations itself (`Database.open`, `curator db upgrade`) and passes its open
connection in `config.attributes["connection"]`; the `alembic` command line uses the URL from
alembic.ini or CURATOR_DB instead.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from curator.store.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = os.environ.get("CURATOR_DB") or config.get_main_option("sqlalchemy.url")
    assert url, "set CURATOR_DB or sqlalchemy.url in alembic.ini"
    engine = create_engine(url)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("curator migrations run online only")
run_migrations_online()
