"""feeds.body_digest and feeds.ttl_minutes: what curator keeps of the last document stored

body_digest: a feed served without validators (or by a server ignoring them) that sends the
very same bytes again is recognised and not parsed a second time. ttl_minutes: the document's
RSS <ttl>, still honoured after a 304 or an unchanged document (neither is parsed).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch_op:
        batch_op.add_column(sa.Column("body_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("ttl_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch_op:
        batch_op.drop_column("ttl_minutes")
        batch_op.drop_column("body_digest")
