"""item_sketches: sampled shingle hashes of recent items, the near-duplicate candidate index

A fetch used to read every item of the clustering window to compare its new items with
(issue 19): its cost grew with what is stored, not with what changed. The candidates now come
from this index, looked up for the new items only. The items already stored within the
lookback are sketched here, so the first fetch after the upgrade still finds them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 21:30:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import curator.store.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_sketches",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column(
            "dated_at", curator.store.models.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_sketches_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "hash", name=op.f("pk_item_sketches")),
    )
    with op.batch_alter_table("item_sketches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_item_sketches_dated_at"), ["dated_at"], unique=False
        )
        batch_op.create_index(
            "ix_item_sketches_hash", ["hash", "dated_at", "item_id"], unique=False
        )

    # Backfill: the items a fetch from now on may still compare new items with. The rule
    # lives with the fetch (curator.store.ingest), which computes the very same sketches.
    from curator.ingest.dedupe import DEFAULT_WINDOW, LOOKBACK
    from curator.store.ingest import backfill_sketches

    backfill_sketches(op.get_bind(), datetime.now(UTC) - LOOKBACK - DEFAULT_WINDOW)


def downgrade() -> None:
    with op.batch_alter_table("item_sketches", schema=None) as batch_op:
        batch_op.drop_index("ix_item_sketches_hash")
        batch_op.drop_index(batch_op.f("ix_item_sketches_dated_at"))

    op.drop_table("item_sketches")
