"""item_embeddings: sentence embeddings of items, for the optional semantic extra (issue 18)

A French objective meets English items through a multilingual embedding model; each item's
vector is computed once and stored here (float16, 768 bytes for 384 dimensions), keyed by the
model that made it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_embeddings",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_embeddings_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_embeddings")),
    )


def downgrade() -> None:
    op.drop_table("item_embeddings")
