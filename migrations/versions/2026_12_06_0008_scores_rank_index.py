"""scores_rank_index: the pending queue read in rank order, a page at a time (issue 14)

The web queue lists 30 rows and loads the next ones as the user nears the end; without an index
on (profile, rank) each page joined every scored item to its decisions and sorted them all.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 05:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_scores_profile_rank", "scores", ["profile", "rank"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_scores_profile_rank", table_name="scores")
