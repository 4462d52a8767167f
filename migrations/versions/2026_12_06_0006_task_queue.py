"""task_queue: procrastinate's schema for the workers, on PostgreSQL only (issue 17)

`curator serve --workers N` and `curator worker` share their tasks through procrastinate's
tables, created here in a PostgreSQL schema of their own (`procrastinate`), so the models and
their tables in `public` are untouched. SQLite has no workers: nothing to do there. Without the
`teams` extra installed, nothing either: the workers create it on their first start.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

from alembic import op

from curator.store.taskqueue import create_queue_schema, drop_queue_schema

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_queue_schema(op.get_bind())


def downgrade() -> None:
    drop_queue_schema(op.get_bind())
