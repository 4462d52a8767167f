"""Shared picks: a profile's approved items with its comments, as an Atom feed and an HTML page
that a colleague's or a client's reader can subscribe to (issue 17)."""

from __future__ import annotations

from typing import Any

from curator.app.core import CuratorCore
from curator.store import decisions, repo
from curator.types import DecisionKind


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
