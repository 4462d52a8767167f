"""Your own posts (issue 15): the idea backlog and the themes original slots are filled with.

Pure: no database, no clock read. The planner gives original slots the themes returned by
`original_themes`, in order: first the ideas of your backlog, then a past original of yours
that did well (after a cooldown, a limited number of times), then a theme built from the
objective's terms your recent approvals matched, with an angle. Never another site's headline
(the suggestions once proposed an item's title as "your post"), never a theme used within
`REPEAT_WEEKS`, never the term a planned relay is about.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from curator import i18n
from curator.i18n import N_
from curator.results import Post

SEPARATOR = " — "  # between a theme's term and its angle
REPEAT_WEEKS = 4  # no theme (nor its term) again within four weeks
EVERGREEN_COOLDOWN_WEEKS = 8  # a past original is suggested again 8 weeks after it last ran
EVERGREEN_MAX = 2  # at most twice
EVERGREEN_MIN_POINTS = 20  # and only if it earned at least this, and at least the average
MIN_TITLE_CHARS = 12  # shorter "titles" are words, not headlines
LIMIT = 12

# The angles a theme from the objective's terms is written from, in turn (English msgids,
# read in the profile's language).
_ANGLES = (
    N_("what I see in the field"),
    N_("the mistake I see most often"),
    N_("a question I am often asked"),
    N_("what changed in a year"),
    N_("one thing I would do differently"),
)
_AGAIN = N_("Worth sharing again, updated: {title}")
_KEPT = N_("My take on {terms}")


@dataclass(frozen=True, slots=True)
class Idea:
    id: int
    profile: str
    text: str
    created_at: datetime
    angle: str | None = None
    item_id: int | None = None  # kept from this item in the review queue
    used_slot_id: str | None = None
    used_at: datetime | None = None
    dropped_at: datetime | None = None

    @property
    def topic(self) -> str:
        return self.text + (f"{SEPARATOR}{self.angle}" if self.angle else "")

    @property
    def open(self) -> bool:
        return self.used_at is None and self.dropped_at is None


def kept_idea_text(terms: Sequence[str], language: str = "en") -> str:
    """The idea kept from an item: the objective's terms it matched, never its title."""
    words = ", ".join(dict.fromkeys(t.strip() for t in terms if t.strip())) or "…"
    return i18n.language(language).gettext(_KEPT).format(terms=words)


def theme_term(topic: str) -> str:
    return topic.split(SEPARATOR, 1)[0].strip().casefold()


def _headline(text: str, titles: Collection[str]) -> bool:
    folded = " ".join(text.casefold().split())
    return any(
        len(t) >= MIN_TITLE_CHARS and " ".join(t.casefold().split()) in folded for t in titles
    )


def original_themes(
    *,
    ideas: Sequence[Idea],
    terms: Sequence[str],
    past: Sequence[tuple[datetime, str]],
    originals: Sequence[Post],
    avoid_terms: Collection[str],
    avoid_items: Collection[int],
    titles: Collection[str],
    now: datetime,
    language: str = "en",
    limit: int = LIMIT,
) -> list[str]:
    """Themes for original slots, best first (see the module's docstring).

    `terms`: the objective's terms matched by recent approvals and top items, best first.
    `past`: (start, topic) of the profile's original slots, past and planned. `originals`: the
    published originals with their results. `avoid_terms` / `avoid_items`: what planned relays
    are about. `titles`: the items' titles a theme must never contain.
    """
    words = i18n.language(language)
    recent = [topic for at, topic in past if at >= now - timedelta(weeks=REPEAT_WEEKS)]
    recent_topics = {t.casefold() for t in recent}
    recent_terms = {theme_term(t) for t in recent}
    avoid = {t.casefold() for t in avoid_terms}
    out: list[str] = []
    seen_terms: set[str] = set()

    def add(theme: str) -> None:
        term = theme_term(theme)
        if theme.casefold() in recent_topics or term in recent_terms or term in seen_terms:
            return
        seen_terms.add(term)
        out.append(theme)

    # 1. the backlog, oldest first (the user's own words: kept as written)
    for idea in sorted(ideas, key=lambda i: (i.created_at, i.id)):
        if idea.open and (idea.item_id is None or idea.item_id not in avoid_items):
            add(idea.topic)
    # 2. a past original that did well, after its cooldown, at most EVERGREEN_MAX times
    rated = [p for p in originals if p.results is not None and p.title]
    if rated:
        average = sum(p.results.points for p in rated if p.results) / len(rated)
        cooldown = now - timedelta(weeks=EVERGREEN_COOLDOWN_WEEKS)
        for p in sorted(rated, key=lambda p: (-(p.results.points if p.results else 0), p.slot_id)):
            points = p.results.points if p.results else 0
            if points < max(EVERGREEN_MIN_POINTS, average) or p.published_at > cooldown:
                continue
            again = words.gettext(_AGAIN).format(title=p.title)
            runs = [at for at, topic in past if topic == again]
            if len(runs) >= EVERGREEN_MAX or any(at > cooldown for at in runs):
                continue
            if not _headline(again, titles):
                add(again)
    # 3. a theme from the objective's terms, with an angle
    angles = [words.gettext(angle) for angle in _ANGLES]
    n = 0
    for term in dict.fromkeys(t.strip() for t in terms if t and t.strip()):
        if term.casefold() in avoid:
            continue
        theme = f"{term}{SEPARATOR}{angles[n % len(angles)]}"
        if _headline(theme, titles):
            continue
        before = len(out)
        add(theme)
        n += len(out) - before
    return out[:limit]
