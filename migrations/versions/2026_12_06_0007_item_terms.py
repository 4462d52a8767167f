"""item_terms: each item's analysed text, kept between scoring passes (issue 19)

Analysing 100,000 texts (folding, stemming, hashing) took most of a full scoring pass, and an
item's text never changes once stored: its hashed term columns and counts are kept here, packed
as arrays, with the version of the analyser that made them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_terms",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("analyser", sa.Integer(), nullable=False),
        sa.Column("terms", sa.LargeBinary(), nullable=False),
        sa.Column("counts", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_terms_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_terms")),
    )


def downgrade() -> None:
    op.drop_table("item_terms")
