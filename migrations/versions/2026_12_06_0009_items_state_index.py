"""items_state_index: an item's state read from an index, not from its row (issue 19)

`curator status` counts each profile's pending queue: every ranked item's state is checked, and
each check read the item's row, which holds its whole text (one page each, 10,000 pages for five
profiles after a year). The index on (id, state) answers it from a few hundred pages.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_items_id_state", "items", ["id", "state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_items_id_state", table_name="items")
