"""The demo's stand-in for a user at the review queue: approve a few top items per profile.

Some approvals carry an example comment and some do not, so the demo calendar shows every slot
state: ready (commented), planned (comment needed), empty (nothing good enough), original.
"""

from __future__ import annotations

from sqlalchemy import select

from curator.app import Curator
from curator.store.models import DecisionRow, ScoreRow
from curator.types import DecisionKind

EXAMPLE_COMMENTS = {
    "fr": (
        "Je retiens surtout le constat sur les délais : c'est exactement ce que je vois chez "
        "les PME que j'accompagne. Et vous, qu'en pensez-vous ?"
    ),
    "en": (
        "The point about lead times matches what I see with the small teams I work with. "
        "What has your experience been?"
    ),
}


def approve_examples(app: Curator, *, per_profile: int = 3) -> int:
    """Approve each profile's top undecided items; every second one with an example comment."""
    count = 0
    for profile in app.settings.profiles:
        with app.db.reading() as session:
            decided = select(DecisionRow.item_id).where(DecisionRow.profile == profile.name)
            ids = list(
                session.scalars(
                    select(ScoreRow.item_id)
                    .where(
                        ScoreRow.profile == profile.name,
                        ScoreRow.blocked.is_(False),
                        ScoreRow.item_id.not_in(decided),
                    )
                    .order_by(ScoreRow.rank.is_(None), ScoreRow.rank, ScoreRow.final.desc())
                    .limit(per_profile)
                )
            )
        comment = EXAMPLE_COMMENTS["en" if profile.language == "en" else "fr"]
        for n, item_id in enumerate(ids):
            app.decide(
                profile.name, item_id, DecisionKind.APPROVE, comment=comment if n % 2 else None
            )
            count += 1
    return count
