"""The daily digest email, as pure functions: what goes in it, and how it reads.

`build_digest` decides the content (which items, which slots, which feeds) from plain values;
`render_text`, `render_html` and `build_message` turn that content into an email. Nothing here
reads the clock, the database or the network: the app passes `now` and the rows in.

Choices worth knowing (issue 7):
- "New" means fetched after the previous digest and never listed in an earlier one, so a digest
  that was missed for a few days catches up instead of skipping items.
- The action comes first (issue 16): a "to do" block lists, across the whole planning horizon,
  the relays that still need a comment (and by when), the empty slots (and the pending item that
  would fill each), and the next slot; the subject leads with the same counts. A comment due in
  five days is an action today, whatever the three-day agenda below shows.
- The reading list keeps the queue's order (the score order the user triages in) and at most
  `scoring.max_per_source` items of one feed: the digest only lists new items, which can leave
  one busy feed filling the page even though the queue's own cap spread its top ranks.
- Nothing new and nothing due (no open slot in the next three days, no comment missing within
  the horizon) means no email, unless `send_when_empty`. Failing feeds alone do not trigger an
  email: they would nag every day; they ride along with the next real digest and show in
  `curator feeds list`.
- Item titles never go into a header; the subject is built from counts and the date only, and
  every header value is stripped of control characters on top of the email package's own check.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from curator import i18n
from curator.errors import ConfigError
from curator.i18n import N_, Message
from curator.outputs.share import share_url
from curator.outputs.templating import inline_css, render
from curator.outputs.words import (
    explain_feed_error,
    is_web_url,
    one_line,
    profile_language,
    shorten,
)
from curator.plan import needs_comment
from curator.types import Feed, FeedStatus, Item, Profile, Score, Slot, SlotKind, SlotStatus

HTML_LIMIT_BYTES = 90 * 1024  # Gmail clips HTML parts past ~102 KB; keep a margin.
SLOT_WINDOW_DAYS = 3
EXCERPT_CHARS = 280
TITLE_CHARS = 200
MAX_REASONS = 4
MAX_FAILING_FEEDS = 15
DEFAULT_LOOKBACK = timedelta(days=1)  # "new" for a first digest: fetched in the last day
MESSAGE_ID_DOMAIN = "curator"


# -- content ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """An item with its score for the digest's profile, as the store hands it over."""

    item: Item
    score: Score
    source: str  # the feed's display name
    # When a followed colleague picked it (the latest pick), else None (issue 17).
    picked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    item_id: int
    title: str
    source: str
    url: str | None  # only http(s) URLs survive: a link is never `javascript:`
    published: datetime | None  # UTC
    reasons: tuple[str, ...]
    excerpt: str
    score: float
    # (action, url): approve / reject / snooze / open in the web workspace, when
    # serve.public_url is set (issue 14; curator.outputs.links)
    links: tuple[tuple[str, str], ...] = ()


class SlotAlert(enum.StrEnum):
    COMMENT_MISSING = "comment_missing"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class SlotLine:
    slot_id: str
    starts_at: datetime  # UTC
    kind: SlotKind
    status: SlotStatus
    title: str  # the item's title, the topic, or why the slot is empty
    url: str | None = None
    alert: SlotAlert | None = None
    starter: str | None = None  # the planner's suggested opening, when the comment is missing
    suggestion: str | None = None  # an empty relay slot: the best new item that would fill it

    @property
    def share(self) -> str | None:
        """LinkedIn's share link for a relay's item (the only sanctioned one)."""
        return share_url(self.url) if self.url and self.kind is SlotKind.RELAY else None

    @property
    def starter_quotes(self) -> tuple[str, ...]:
        """The starter's key sentences (its `> ` lines), shown as quotes."""
        return tuple(
            line[2:].strip() for line in (self.starter or "").splitlines() if line.startswith("> ")
        )

    @property
    def starter_note(self) -> str:
        """The rest of the starter (the objective terms the item meets), on one line."""
        rest = [x for x in (self.starter or "").splitlines() if not x.startswith("> ")]
        return one_line(" ".join(rest))


@dataclass(frozen=True, slots=True)
class FeedAlert:
    name: str
    url: str
    error: str
    since: datetime | None
    disabled: bool


@dataclass(frozen=True, slots=True)
class WeeklyBlock:
    """The week in review (issue 15), shown in the first digest of each week: lines already
    written in the profile's language by `curator.results.weekly_block`."""

    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DigestContent:
    profile: str
    day: date  # the profile's local date
    language: str  # fr | en
    timezone: str
    since: datetime | None  # items fetched after this; None = the first digest
    reading: tuple[Entry, ...] = ()  # in queue order
    more: int = 0  # eligible items past the cap ("+N more")
    slots: tuple[SlotLine, ...] = ()  # the agenda: every slot of the next days
    todo: tuple[SlotLine, ...] = ()  # what needs the user, soonest first, within the horizon
    next_slot: SlotLine | None = None  # the next slot still to publish
    failing: tuple[FeedAlert, ...] = ()
    more_failing: int = 0
    send_when_empty: bool = False
    recipients: tuple[str, ...] = ()
    weekly: WeeklyBlock | None = None  # the first digest of each week only

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.reading

    @property
    def item_ids(self) -> tuple[int, ...]:
        return tuple(e.item_id for e in self.entries)

    @property
    def open_slots(self) -> tuple[SlotLine, ...]:
        return tuple(s for s in self.slots if s.status in _OPEN)

    @property
    def alerts(self) -> tuple[SlotLine, ...]:
        return tuple(s for s in self.slots if s.alert)

    @property
    def comments_due(self) -> tuple[SlotLine, ...]:
        return tuple(s for s in self.todo if s.alert == SlotAlert.COMMENT_MISSING)

    @property
    def empty_slots(self) -> tuple[SlotLine, ...]:
        return tuple(s for s in self.todo if s.alert == SlotAlert.EMPTY)

    @property
    def is_empty(self) -> bool:
        """Nothing new and nothing due: no email is needed (unless `send_when_empty`)."""
        return (
            not self.entries
            and not self.more
            and not self.open_slots
            and not self.comments_due
            and self.weekly is None
        )

    @property
    def should_send(self) -> bool:
        return not self.is_empty or self.send_when_empty


_OPEN = frozenset({SlotStatus.EMPTY, SlotStatus.PLANNED, SlotStatus.READY})


def select_candidates(
    candidates: Iterable[Candidate],
    *,
    min_score: float,
    since: datetime | None,
    exclude_ids: Iterable[int] = (),
) -> list[Candidate]:
    """The eligible items, best first: new, pending, above the floor, never sent before.

    Only ranked items are pending: the scorer gives no rank to blocked or already decided items
    nor to the lesser copies of a near-duplicate cluster, none of which belong in a digest;
    a followed colleague's pick is pending whatever its rank, and new once picked (issue 17).
    """
    excluded = set(exclude_ids)
    eligible = [
        c
        for c in candidates
        if (c.score.rank is not None or c.picked_at is not None)
        and not c.score.blocked
        and c.score.final >= min_score
        and c.item.id not in excluded
        and (
            since is None
            or c.item.fetched_at > since
            or (c.picked_at is not None and c.picked_at > since)
        )
    ]
    # The queue's rank already balances relevance and diversity (MMR, per-source cap).
    eligible.sort(
        key=lambda c: (c.score.rank is None, c.score.rank or 0, -c.score.final, c.item.id)
    )
    return eligible


def cap_per_source(chosen: Sequence[Candidate], cap: int) -> list[Candidate]:
    """At most `cap` items of one feed (0 = no cap), the others kept in order after them.

    Items past a feed's cap are not dropped: they move behind the others, so they still count in
    "+N more" and show when nothing else is left.
    """
    if cap <= 0:
        return list(chosen)
    seen: dict[int, int] = {}
    first: list[Candidate] = []
    later: list[Candidate] = []
    for c in chosen:
        seen[c.item.feed_id] = seen.get(c.item.feed_id, 0) + 1
        (first if seen[c.item.feed_id] <= cap else later).append(c)
    return first + later


def build_digest(
    profile: Profile,
    day: date,
    *,
    candidates: Iterable[Candidate],
    slots: Iterable[Slot] = (),
    slot_items: Mapping[int, Item] | None = None,
    feeds: Iterable[Feed] = (),
    since: datetime | None = None,
    exclude_ids: Iterable[int] = (),
    now: datetime | None = None,
    links: Callable[[int], tuple[tuple[str, str], ...]] | None = None,
) -> DigestContent:
    """Decide the content of one profile's digest for one local date.

    `slots` may reach past the three-day agenda (up to the planning horizon): the agenda shows
    the next days, the "to do" block every slot that needs the user from `now` (default: the
    start of the local day) on.
    """
    settings = profile.digest
    language = profile_language(profile)
    failing = list(_feed_alerts(feeds, language))
    chosen = select_candidates(
        candidates, min_score=settings.min_score, since=since, exclude_ids=exclude_ids
    )
    chosen = cap_per_source(chosen, profile.scoring.max_per_source)
    cap = max(settings.max_items, 0)
    shown, more = chosen[:cap], max(len(chosen) - cap, 0)
    slots = sorted(slots, key=lambda s: (s.starts_at, s.id))
    items = slot_items or {}
    start, end = slot_window(profile, day)
    from_ = now or start
    reading = tuple(_entry(c) for c in shown)
    if links is not None:
        reading = tuple(replace(e, links=links(e.item_id)) for e in reading)
    upcoming = [s for s in slots if s.starts_at >= from_]
    todo = _todo(upcoming, items, reading)
    following = next(
        (s for s in upcoming if s.status in (SlotStatus.PLANNED, SlotStatus.READY)), None
    )
    return DigestContent(
        profile=profile.name,
        day=day,
        language=language,
        timezone=profile.timezone,
        since=since,
        reading=reading,
        more=more,
        slots=tuple(_slot_line(s, items) for s in slots if start <= s.starts_at < end),
        todo=todo,
        next_slot=_slot_line(following, items) if following else None,
        failing=tuple(failing[:MAX_FAILING_FEEDS]),
        more_failing=max(len(failing) - MAX_FAILING_FEEDS, 0),
        send_when_empty=settings.send_when_empty,
        recipients=settings.to,
    )


def _entry(c: Candidate) -> Entry:
    item = c.item
    reasons: list[str] = []
    for term in c.score.why:
        text = one_line(term.text)
        if text and text not in reasons:
            reasons.append(text)
        if len(reasons) == MAX_REASONS:
            break
    return Entry(
        item_id=item.id,
        title=shorten(one_line(item.title), TITLE_CHARS),  # "" renders as "(untitled)"
        source=one_line(c.source),
        url=safe_url(item.url),
        published=item.published_at or item.fetched_at,
        reasons=tuple(reasons),
        excerpt=excerpt(item.summary or item.content),
        score=c.score.final,
    )


TODO_LIMIT = 8  # actions listed at the top; the calendar has the rest


def _todo(
    upcoming: Sequence[Slot], items: Mapping[int, Item], reading: Sequence[Entry]
) -> tuple[SlotLine, ...]:
    """The slots that need the user, soonest first: relays waiting for their comment and empty
    slots. An empty relay slot names the best new item that would fill it (each item once)."""
    lines: list[SlotLine] = []
    held = {s.item_id for s in upcoming if s.item_id is not None}
    fillers = iter([e for e in reading if e.item_id not in held])
    for slot in upcoming:
        line = _slot_line(slot, items)
        if line.alert is None:
            continue
        if line.alert == SlotAlert.EMPTY and slot.kind is SlotKind.RELAY:
            filler = next(fillers, None)
            if filler is not None:
                line = replace(line, suggestion=filler.title)
        lines.append(line)
        if len(lines) == TODO_LIMIT:
            break
    return tuple(lines)


def _slot_line(slot: Slot, items: Mapping[int, Item]) -> SlotLine:
    item = items.get(slot.item_id) if slot.item_id is not None else None
    alert: SlotAlert | None = None
    if slot.status == SlotStatus.EMPTY:
        alert = SlotAlert.EMPTY
        title = slot.empty_reason or ""
    else:
        title = item.title if item else (slot.topic or "")
        if needs_comment(slot):
            alert = SlotAlert.COMMENT_MISSING
    starter = None
    if alert == SlotAlert.COMMENT_MISSING and slot.comment_starter:
        # Kept as lines: its `> ` lines are quotes (rendered as such), the rest a note.
        kept = [one_line(x) for x in slot.comment_starter.splitlines()]
        starter = "\n".join(x if not x.startswith(">") else "> " + x[1:].strip() for x in kept if x)
    return SlotLine(
        slot_id=slot.id,
        starts_at=slot.starts_at,
        kind=slot.kind,
        status=slot.status,
        title=shorten(one_line(title), TITLE_CHARS),
        url=safe_url(item.url) if item else None,
        alert=alert,
        starter=starter or None,
    )


def _feed_alerts(feeds: Iterable[Feed], language: str) -> Iterable[FeedAlert]:
    for feed in sorted(feeds, key=lambda f: (f.display_name.lower(), f.id)):
        if not feed.failing:
            continue
        error = feed.last_error or feed.disabled_reason or str(feed.status)
        error = explain_feed_error(error, language)
        yield FeedAlert(
            name=shorten(one_line(feed.display_name), 80),
            url=feed.url,
            error=shorten(one_line(error), 200),
            since=feed.first_error_at,
            disabled=feed.status != FeedStatus.ACTIVE,
        )


# -- text helpers -------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")
_DROP = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short plain-text excerpt of a summary that may be HTML."""
    plain = html.unescape(_TAG.sub(" ", _DROP.sub(" ", text)))
    return shorten(one_line(plain), limit)


def safe_url(url: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    return url if is_web_url(url) else None


# -- localisation -------------------------------------------------------------------------------

# msgids: `_strings` says them in the digest's language (issue 16).
_STRINGS = {
    "colon": N_(": "),
    "title": N_("Your curator digest"),
    "for": N_("for {date}"),
    "profile": N_("profile"),
    "new": N_("To read"),
    "new_since": N_("To read: new since {since}"),
    "todo": N_("To do"),
    "nothing_to_do": N_("Nothing to do: every planned relay has its comment."),
    "due_by": N_("by {when}"),
    "slot_at": N_("{when}"),
    "would_fill": N_("Would fill it"),
    "share": N_("Share on LinkedIn"),
    "approve": N_("Approve"),
    "reject": N_("Reject"),
    "snooze": N_("Snooze"),
    "open": N_("Open in curator"),
    "next_slot": N_("Next slot"),
    "no_next_slot": N_("No slot planned: approve items in your queue to fill the calendar."),
    "no_new": N_("Nothing new above your quality floor."),
    "why": N_("Why"),
    "more": N_("+{n} more in your review queue (curator queue list)"),
    "slots": N_("Next {n} days"),
    "no_slots": N_("No slots planned in the next {n} days."),
    "comment_missing": N_("COMMENT MISSING"),
    "starter": N_("A way to start"),
    "empty": N_("EMPTY SLOT"),
    "failing": N_("Failing feeds"),
    "failing_since": N_("since {date}"),
    "disabled": N_("disabled"),
    "more_failing": N_("+{n} more failing feeds (curator feeds)"),
    "subject": N_("{summary} · curator {date}"),
    "summary_items": N_("{n} to read"),
    "summary_item": N_("1 to read"),
    "summary_comments": N_("{n} comments to write by {when}"),
    "summary_comment": N_("1 comment to write by {when}"),
    "summary_empties": N_("{n} empty slots"),
    "summary_empty": N_("1 empty slot"),
    "summary_nothing": N_("nothing new"),
    "footer": N_("Sent by curator, your editorial planner. This message is automatic."),
    "unsubscribe": N_("To stop these emails, remove digest.to from this profile in feeds.yaml."),
    "relay": N_("relay"),
    "original": N_("original"),
    "score": N_("score"),
    "untitled": N_("(untitled)"),
}


@functools.cache
def _strings(language: str) -> dict[str, str]:
    t = i18n.language(language)
    return {key: t.gettext(text) for key, text in _STRINGS.items()}


def _status(status: SlotStatus, language: str) -> str:
    # A context of its own: the digest says "sauté" where the grid says "ignoré".
    t = i18n.language(language)
    return {
        SlotStatus.EMPTY: t.pgettext("digest slot status", "empty"),
        SlotStatus.PLANNED: t.pgettext("digest slot status", "planned"),
        SlotStatus.READY: t.pgettext("digest slot status", "ready"),
        SlotStatus.PUBLISHED: t.pgettext("digest slot status", "published"),
        SlotStatus.SKIPPED: t.pgettext("digest slot status", "skipped"),
    }[status]


def long_date(d: date, lang: str) -> str:
    """'Monday 30 November 2026' / 'lundi 30 novembre 2026'."""
    return i18n.language(lang).format_date(d, "EEEE d MMMM y")


def short_date(d: date, lang: str) -> str:
    """'Mon 30 Nov' / 'lun. 30 nov.' (French abbreviations take a period)."""
    return i18n.language(lang).format_date(d, "EEE d MMM")


class _View:
    """What the templates see: content plus localised, zone-aware formatting."""

    def __init__(self, content: DigestContent) -> None:
        self.c = content
        self.lang = content.language if content.language in i18n.LANGUAGES else "en"
        self.s = _strings(self.lang)
        self.zone = ZoneInfo(content.timezone)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def date_short(self, moment: datetime) -> str:
        return short_date(self.local(moment).date(), self.lang)

    def score(self, value: float) -> str:
        """Two decimals, with the decimal comma French readers expect."""
        return i18n.language(self.lang).format_decimal(value)

    def when(self, moment: datetime) -> str:
        local = self.local(moment)
        return f"{short_date(local.date(), self.lang)} {local:%H:%M}"

    def status(self, status: SlotStatus) -> str:
        return _status(status, self.lang)

    def kind(self, kind: SlotKind) -> str:
        return self.s[str(kind)]

    def alert(self, line: SlotLine) -> str:
        return self.s[line.alert] if line.alert else ""

    @property
    def heading(self) -> str:
        return f"{self.s['title']} {self.s['for'].format(date=long_date(self.c.day, self.lang))}"

    @property
    def new_heading(self) -> str:
        if self.c.since is None:
            return self.s["new"]
        return self.s["new_since"].format(since=self.when(self.c.since))

    @property
    def summary(self) -> str:
        """The action first, then the reading: "1 comment to write by Tue 09:00 · 2 empty slots
        · 10 to read". The reading count is what the digest lists, not every new item."""
        s, parts = self.s, []
        due = self.c.comments_due
        if due:
            when = self.when(due[0].starts_at)
            key = "summary_comment" if len(due) == 1 else "summary_comments"
            parts.append(s[key].format(n=len(due), when=when))
        empty = len(self.c.empty_slots)
        if empty:
            parts.append(s["summary_empty"] if empty == 1 else s["summary_empties"].format(n=empty))
        n = len(self.c.entries)
        if n:
            parts.append(s["summary_item"] if n == 1 else s["summary_items"].format(n=n))
        return " · ".join(parts) or s["summary_nothing"]

    def deadline(self, line: SlotLine) -> str:
        key = "due_by" if line.alert == SlotAlert.COMMENT_MISSING else "slot_at"
        return self.s[key].format(when=self.when(line.starts_at))

    @property
    def subject(self) -> str:
        return self.s["subject"].format(
            date=short_date(self.c.day, self.lang), summary=self.summary
        )

    @property
    def preheader(self) -> str:
        first = self.c.entries[0].title if self.c.entries else ""
        return f"{self.summary}. {first}" if first else self.summary


# -- rendering ----------------------------------------------------------------------------------


def render_text(content: DigestContent) -> str:
    """The plain-text part: readable as is in any client, and the golden-file reference."""
    v = _View(content)
    s = v.s
    out = [v.heading, f"{s['profile']}{s['colon']}{content.profile} | {v.summary}", ""]

    out += [f"== {s['todo']} ==", ""]
    if not content.todo:
        out += [s["nothing_to_do"], ""]
    for line in content.todo:
        out.append(f"!! {v.alert(line)} !! {v.deadline(line)}{s['colon']}{line.title}".rstrip())
        if line.url:
            out.append(f"    <{line.url}>")
        for quote in line.starter_quotes:
            out.append(f"    > {quote}")
        if line.starter_note:
            out.append(f"    {line.starter_note}")
        if line.suggestion:
            out.append(f"    {s['would_fill']}{s['colon']}{line.suggestion}")
        if line.share:
            out.append(f"    {s['share']}{s['colon']}<{line.share}>")
        out.append("")
    if content.next_slot:
        nxt = content.next_slot
        out.append(
            f"{s['next_slot']}{s['colon']}{v.when(nxt.starts_at)}, {v.kind(nxt.kind)}, "
            f"{v.status(nxt.status)}{s['colon']}{nxt.title}".rstrip()
        )
        if nxt.share and nxt.alert is None:  # a relay in the "to do" block has it already
            out.append(f"    {s['share']}{s['colon']}<{nxt.share}>")
    else:
        out.append(s["no_next_slot"])
    out.append("")

    out += [f"== {v.new_heading} ==", ""]
    if not content.entries:
        out += [s["no_new"], ""]
    for e in content.reading:
        out.append(f"* {e.title or s['untitled']}")
        meta = [e.source]
        if e.published:
            meta.append(v.date_short(e.published))
        meta.append(f"{s['score']} {v.score(e.score)}")
        out.append("  " + " | ".join(meta))
        if e.reasons:
            out.append(f"  {s['why']}{s['colon']}{', '.join(e.reasons)}")
        if e.excerpt:
            out.append(f"  {e.excerpt}")
        if e.url:
            out.append(f"  <{e.url}>")
        for action, url in e.links:
            out.append(f"  {s[action]}{s['colon']}<{url}>")
        out.append("")
    if content.more:
        out += [s["more"].format(n=content.more), ""]

    out += [f"== {s['slots'].format(n=SLOT_WINDOW_DAYS)} ==", ""]
    if not content.slots:
        out.append(s["no_slots"].format(n=SLOT_WINDOW_DAYS))
    for line in content.slots:  # what needs the user is flagged in the "to do" block above
        out.append(
            f"{v.when(line.starts_at)}  {v.kind(line.kind)}, {v.status(line.status)}  "
            f"{line.title}".rstrip()
        )
        if line.url:
            out.append(f"    <{line.url}>")
    out.append("")

    if content.weekly:
        out += [f"== {content.weekly.heading} ==", "", *content.weekly.lines, ""]

    if content.failing:
        out += [f"== {s['failing']} ==", ""]
        for f in content.failing:
            state = f" ({s['disabled']})" if f.disabled else ""
            since = f", {s['failing_since'].format(date=v.date_short(f.since))}" if f.since else ""
            out.append(f"- {f.name}{state}{s['colon']}{f.error}{since}")
            out.append(f"  <{f.url}>")
        if content.more_failing:
            out.append(s["more_failing"].format(n=content.more_failing))
        out.append("")

    out += ["-- ", s["footer"], s["unsubscribe"]]
    return "\n".join(out) + "\n"


def render_html(content: DigestContent) -> str:
    view = _View(content)
    raw = render("digest.html.j2", v=view, c=content, window=SLOT_WINDOW_DAYS)
    return inline_css(raw)


def fit_html(content: DigestContent, limit: int = HTML_LIMIT_BYTES) -> tuple[DigestContent, str]:
    """Render the HTML, dropping items from the end (counted in "+N more") until it fits.

    Each item is bounded (title, excerpt and reasons are capped), so the number that fits is
    estimated from the average item size, then corrected by at most a few renders.
    """
    page = render_html(content)
    size, count = len(page.encode("utf-8")), len(content.entries)
    if size <= limit or count == 0:
        return content, page
    bare = len(render_html(_keep_first(content, 0)).encode("utf-8"))
    per_item = max((size - bare) / count, 1.0)
    keep = min(max(int((limit - bare) / per_item), 0), count - 1)
    while True:
        trimmed = _keep_first(content, keep)
        page = render_html(trimmed)
        if keep == 0 or len(page.encode("utf-8")) <= limit:
            return trimmed, page
        keep = min(keep - 1, keep * 9 // 10)


def _keep_first(content: DigestContent, keep: int) -> DigestContent:
    kept = content.reading[: max(keep, 0)]
    dropped = len(content.reading) - len(kept)
    return replace(content, reading=kept, more=content.more + dropped)


def message_id(profile: str, day: date, domain: str = MESSAGE_ID_DOMAIN) -> str:
    """The same for a profile and date on every run, so a resend is recognisably the same mail."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", profile)
    if safe != profile:  # keep "équipe" and "èquipe" apart once both are flattened
        safe += "-" + hashlib.sha256(profile.encode()).hexdigest()[:8]
    return f"<digest.{safe}.{day.isoformat()}@{domain}>"


def _header(value: str) -> str:
    return one_line(value).replace("\r", " ").replace("\n", " ")


def _address(text: str, field_name: str) -> Address:
    if any(ch in text for ch in "\r\n"):
        raise ConfigError(
            Message(N_("address {address} contains a line break"), address=repr(text)),
            field=field_name,
        )
    try:
        if "<" in text:
            name, _, rest = text.partition("<")
            return Address(display_name=name.strip().strip('"'), addr_spec=rest.rstrip(">"))
        return Address(addr_spec=text.strip())
    except (ValueError, IndexError) as e:
        raise ConfigError(
            Message(N_("invalid email address {address}: {error}"), address=repr(text), error=e),
            field=field_name,
        ) from e


def build_message(
    content: DigestContent,
    *,
    sender: str,
    now: datetime,
    to: Sequence[str] | None = None,
) -> EmailMessage:
    return compose(content, sender=sender, now=now, to=to)[1]


def compose(
    content: DigestContent,
    *,
    sender: str,
    now: datetime,
    to: Sequence[str] | None = None,
) -> tuple[DigestContent, EmailMessage]:
    """The email: multipart/alternative with the plain text first and the inlined HTML second.

    Returns the content as actually rendered: items dropped to keep the HTML under the clipping
    limit are counted in "+N more", and only the items shown are recorded as sent.
    """
    recipients = tuple(to if to is not None else content.recipients)
    if not recipients:
        raise ConfigError(
            Message(N_("no recipient: set digest.to for this profile")), field="digest.to"
        )
    content, page = fit_html(content)
    view = _View(content)
    sender_address = _address(sender, "smtp.from")

    msg = EmailMessage(policy=default_policy)
    msg["From"] = sender_address
    msg["To"] = [_address(r, "digest.to") for r in recipients]
    msg["Subject"] = _header(view.subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(content.profile, content.day)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    msg["X-Auto-Response-Suppress"] = "All"  # the same, for Exchange
    msg["List-Unsubscribe"] = (
        f"<mailto:{sender_address.addr_spec}?subject=unsubscribe%20{_mailto_safe(content.profile)}>"
    )
    msg["X-Curator-Profile"] = _header(content.profile)
    msg.set_content(render_text(content), subtype="plain", charset="utf-8")
    msg.add_alternative(page, subtype="html", charset="utf-8")
    for part in msg.iter_parts():
        del part["MIME-Version"]  # the email package repeats it on parts; only the top needs it
        del part["Content-Language"]
    # Set last: turning the message multipart moves every Content-* header onto the first part.
    msg["Content-Language"] = view.lang
    return content, msg


def preview(message: EmailMessage) -> str:
    """The headers a reader sees and the plain-text part: what `--dry-run` prints."""
    lines = [f"{name}: {message[name]}" for name in ("From", "To", "Subject", "Message-ID")]
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    return "\n".join(lines) + "\n\n" + str(text)


def slot_window(profile: Profile, day: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the slots a digest shows: the local day and the next ones."""
    zone = ZoneInfo(profile.timezone)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=SLOT_WINDOW_DAYS), time(0), zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def _mailto_safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)
