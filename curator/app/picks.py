"""Shared picks: a profile's approved items with its comments, as an Atom feed and an HTML page
that a colleague's or a client's reader can subscribe to (issue 17)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from curator.app.core import CuratorCore
from curator.errors import InvalidAction
from curator.i18n import N_, Message
from curator.store import decisions, repo
from curator.types import (
    Decision,
    DecisionKind,
    FollowedPick,
    Item,
    Profile,
    QueueEntry,
    Score,
    Term,
)


def _pick(profile: Profile, d: Decision) -> FollowedPick:
    weight = next(f.weight for f in profile.follow if f.profile == d.profile)
    return FollowedPick(d.item_id, d.profile, d.comment, d.decided_at, weight)


def followed_picks(
    session: Any, profile: Profile, items: Collection[Item]
) -> dict[int, tuple[FollowedPick, ...]]:
    """The current picks of the colleagues `profile` follows of any version of these items'
    stories, by item id: one story is one queue entry, which carries every pick of it, with
    the comments and the follows' weights.

    Read from the shared database at each call, so a colleague's undo takes a pick back at
    once; nothing is copied into the follower's own decisions (issue 17)."""
    if not profile.follow or not items:
        return {}
    names = [f.profile for f in profile.follow]
    by_story: dict[int, list[FollowedPick]] = {}
    for story, d in decisions.story_approvals(session, names, {_story(i) for i in items}):
        by_story.setdefault(story, []).append(_pick(profile, d))
    return {i.id: tuple(by_story[_story(i)]) for i in items if _story(i) in by_story}


def _story(item: Item) -> int:
    return item.cluster_id if item.cluster_id is not None else item.id


def picked_ids(session: Any, profile: Profile) -> set[int]:
    """The items the colleagues `profile` follows currently approve."""
    if not profile.follow:
        return set()
    names = [f.profile for f in profile.follow]
    return set(session.scalars(decisions.approved_ids(names)))


def follow_weights(session: Any, profile: Profile) -> dict[int, float]:
    """Each followed pick's source weight: the follow's weight, the highest when several
    colleagues picked the item (a feed's weight is one per item too)."""
    weights: dict[int, float] = {}
    names = [f.profile for f in profile.follow]
    for d in decisions.approvals(session, names) if names else ():
        weight = _pick(profile, d).weight
        weights[d.item_id] = max(weight, weights.get(d.item_id, weight))
    return weights


def with_picks(session: Any, profile: Profile, entries: Sequence[QueueEntry]) -> list[QueueEntry]:
    """Queue entries with the followed colleagues who picked them, each pick's reason first
    among the score's (`explained`)."""
    if not profile.follow or not entries:
        return list(entries)
    picks = followed_picks(session, profile, [e.item for e in entries])
    return [
        replace(e, score=explained(e.score, found, profile), picked_by=found)
        if (found := picks.get(e.item.id, ()))
        else e
        for e in entries
    ]


def explained(score: Score, picks: Sequence[FollowedPick], profile: Profile) -> Score:
    """The score with "picked by alice: <comment>" first among its reasons, in the profile's
    language: weight 0, a sentence like the results notes, not a matched term. Built when read,
    so a colleague's new comment or undo shows at once."""
    from curator import review
    from curator.outputs.words import profile_language

    language = profile_language(profile)
    reasons = tuple(Term(review.pick_reason(p, language), 0.0) for p in picks)
    return replace(score, why=(*reasons, *score.why))


def followed(profile: Profile) -> tuple[str, ...]:
    """The names of the profiles `profile` follows."""
    return tuple(f.profile for f in profile.follow)


class PicksUseCases(CuratorCore):
    """What a profile relays, published for others to follow."""

    _PICKS_SECRET = "picks.secret"

    def _picks_secret(self) -> str:
        import secrets

        with self.db.reading() as session:
            secret = repo.get_meta(session, self._PICKS_SECRET)
        if isinstance(secret, str):
            return secret
        with self.db.session() as session:
            secret = repo.get_meta(session, self._PICKS_SECRET)
            if not isinstance(secret, str):
                secret = secrets.token_hex(32)
                repo.set_meta(session, self._PICKS_SECRET, secret, self.now())
        return str(secret)

    def follow(self, profile: str, other: str, *, weight: float | None = None) -> bool:
        """Make `profile` follow `other`'s picks (its `follow:` in feeds.yaml, edited in place);
        with `weight`, the follow's source weight. Returns whether anything changed."""
        return self._edit_follow(profile, other, follow=True, weight=weight)

    def unfollow(self, profile: str, other: str) -> bool:
        """Stop following `other`'s picks; what `profile` decided on them stays."""
        return self._edit_follow(profile, other, follow=False, weight=None)

    def _edit_follow(self, profile: str, other: str, *, follow: bool, weight: float | None) -> bool:
        from curator.config import load_settings
        from curator.config_edit import set_follow

        self.settings.profile(profile)  # NotFound names the known profiles
        if weight is not None and not 0.0 <= weight <= 10.0:
            raise InvalidAction(
                Message(
                    N_("a follow's weight must be between 0 and 10, got {weight}"),
                    weight=f"{weight:g}",
                )
            )
        changed = set_follow(self.settings.path, profile, other, follow=follow, weight=weight)
        if changed:
            self.settings = load_settings(self.settings.path)
        return changed

    def picks_links(self, profile: str) -> tuple[str, str]:
        """The paths of a profile's picks page and Atom feed on `curator serve`, with the
        profile's own key unless its `picks:` is public (issue 17)."""
        from curator.outputs import picks as picks_out

        p = self.settings.profile(profile)
        key = None if p.picks == "public" else picks_out.picks_key(self._picks_secret(), p.name)
        return picks_out.paths(p.name, key)

    def get_picks(self, profile: str, *, limit: int = 50) -> list[Any]:
        """The profile's approved items with its comments, newest decision first."""
        from curator.outputs.picks import Pick

        with self.db.reading() as session:
            approved = sorted(
                (d for d in decisions.current(session, profile).values()
                 if d.kind is DecisionKind.APPROVE),
                key=lambda d: d.decided_at, reverse=True,
            )[:limit]  # fmt: skip
            ids = {d.item_id for d in approved}
            listed = repo.list_items(session, state=None, ids=ids) if ids else []
            items = {i.id: i for i in listed}
        return [
            Pick(d.item_id, items[d.item_id].title, items[d.item_id].url, d.comment,
                 items[d.item_id].feed_name, d.decided_at)
            for d in approved
            if d.item_id in items
        ]  # fmt: skip

    def picks_http(
        self, profile: str, kind: str, *, key: str | None, if_none_match: str | None
    ) -> tuple[int, dict[str, str], bytes]:
        """What `/p/<profile>/feed.xml` (kind "atom") and `/p/<profile>/` ("html") answer:
        404 for an unknown profile or a private one without its key (so names stay hidden),
        else the feed or page, 304 when the client holds these bytes."""
        from curator.outputs import picks as picks_out
        from curator.outputs.ics_http import calendar_response, not_found

        p = next((x for x in self.settings.profiles if x.name == profile), None)
        public = p is not None and p.picks == "public"
        if p is None or not (public or picks_out.key_ok(self._picks_secret(), p.name, key)):
            response = not_found()
            return response.status, response.headers, response.body
        page_href, feed_href = picks_out.paths(p.name, None if public else key)
        picks = self.get_picks(p.name)
        if kind == "atom":
            body = picks_out.render_atom(
                p.name, picks, page_href=page_href, feed_href=feed_href, now=self.now()
            )
            content_type = picks_out.ATOM_TYPE
        else:
            language = p.language if p.language != "auto" else "en"
            body = picks_out.render_html(
                p.name, picks, feed_href=feed_href, language=language, public=public
            )
            content_type = picks_out.HTML_TYPE
        response = calendar_response(body, if_none_match=if_none_match)
        headers = {**response.headers, "Content-Type": content_type}
        if public:
            headers["Cache-Control"] = "public, max-age=300"
        return response.status, headers, response.body
