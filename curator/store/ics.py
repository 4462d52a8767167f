"""What the calendar export reads: a profile's slots (live and removed), their items and scores.

Read-only over the planner's storage (`curator.store.slots`); the planner owns writing slots.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from curator.store import slots as slot_store
from curator.types import Item, Score, Slot


@dataclass(frozen=True, slots=True)
class CalendarData:
    """What a profile's calendar shows, read in one transaction."""

    slots: tuple[Slot, ...]
    cancelled: tuple[Slot, ...]
    items: dict[int, Item]
    scores: dict[int, Score]


def calendar_data(session: Session, profile: str, *, with_cancelled: bool) -> CalendarData:
    """Every live slot of the profile (past ones too: clients keep the history), and the removed
    ones when a file export keeps them as cancelled events."""
    live = tuple(slot_store.list_slots(session, profile))
    cancelled = (
        tuple(slot_store.list_slots(session, profile, removed=True)) if with_cancelled else ()
    )
    ids = {s.item_id for s in (*live, *cancelled) if s.item_id is not None}
    items: dict[int, Item] = {}
    scores: dict[int, Score] = {}
    for item, score in slot_store.items_with_scores(session, profile, ids):
        items[item.id] = item
        if score is not None:
            scores[item.id] = score
    return CalendarData(live, cancelled, items, scores)
