"""The idea backlog of each profile's own posts (issue 15)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from curator.app.core import CuratorCore
from curator.errors import NotFound
from curator.store import slots as slot_store

# The ideas rules and their storage are imported by the methods that use them: every command
# loads this module with the facade (issue 19).
if TYPE_CHECKING:
    from curator import ideas as ideas_mod


class IdeasUseCases(CuratorCore):
    """The backlog of ideas that original slots are filled from."""

    # --- ideas for your own posts (issue 15) ------------------------------------------------

    def add_idea(
        self,
        profile: str,
        text: str,
        *,
        angle: str | None = None,
        item_id: int | None = None,
    ) -> ideas_mod.Idea:
        """Add an idea to the profile's backlog: original slots are filled from it first."""
        from curator.store import ideas as ideas_store

        self.settings.profile(profile)
        with self.db.session() as session:
            return ideas_store.add_idea(
                session, profile, text, self.now(), angle=angle, item_id=item_id
            )

    def keep_idea(self, profile: str, item_id: int) -> ideas_mod.Idea:
        """ "Keep for my own post": an idea from an item, built from the objective's terms it
        matched (never its title), linked to it.

        Raises:
            NotFound: no such item.
        """
        from curator import ideas as ideas_mod
        from curator.outputs.words import profile_language
        from curator.store import ideas as ideas_store

        p = self.settings.profile(profile)
        with self.db.session() as session:
            found = slot_store.items_with_scores(session, profile, [item_id])
            if not found:
                raise NotFound("item", item_id)
            _, score = found[0]
            terms = [t.text for t in score.matched[:3]] if score else []
            text = ideas_mod.kept_idea_text(terms, profile_language(p))
            return ideas_store.add_idea(session, profile, text, self.now(), item_id=item_id)

    def ideas(self, profile: str, *, all_: bool = False) -> list[ideas_mod.Idea]:
        from curator.store import ideas as ideas_store

        self.settings.profile(profile)
        with self.db.reading() as session:
            return ideas_store.list_ideas(session, profile, all_=all_)

    def drop_idea(self, profile: str, idea_id: int) -> ideas_mod.Idea:
        from curator.store import ideas as ideas_store

        with self.db.session() as session:
            return ideas_store.drop_idea(session, idea_id, self.now(), profile)
