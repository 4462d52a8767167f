"""Frozen value types shared by every part of curator.

This module imports nothing from curator: it is the vocabulary that policy (score, plan,
dedupe), storage and outputs agree on. Storage hands these back instead of live ORM rows, so
nothing downstream can lazy-load or mutate the database by accident.

All datetimes are timezone-aware UTC. A profile's IANA time zone is applied only when planning
and rendering.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import overload

# Weekday names a user may write (English or French, short or long) -> datetime.weekday().
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_ALIASES = {
    name: index
    for index, names in enumerate(
        [
            ("mon", "monday", "lun", "lundi"),
            ("tue", "tuesday", "mar", "mardi"),
            ("wed", "wednesday", "mer", "mercredi"),
            ("thu", "thursday", "jeu", "jeudi"),
            ("fri", "friday", "ven", "vendredi"),
            ("sat", "saturday", "sam", "samedi"),
            ("sun", "sunday", "dim", "dimanche"),
        ]
    )
    for name in names
}


class FeedStatus(enum.StrEnum):
    ACTIVE = "active"
    GONE = "gone"  # the server answered 410: never fetched again
    DISABLED = "disabled"  # failed for too long, or turned off by the user


class FullTextMode(enum.StrEnum):
    AUTO = "auto"  # fetch the article page only when the feed content looks truncated
    ALWAYS = "always"
    NEVER = "never"


class ItemState(enum.StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"  # a tombstone: the item is never stored again, even if the feed repeats it


class DecisionKind(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SNOOZE = "snooze"
    WITHDRAW = "withdraw"  # an approval taken back: the item leaves the plan


class SlotKind(enum.StrEnum):
    RELAY = "relay"  # relay someone else's content, always with the user's own comment
    ORIGINAL = "original"  # the user's own post


class SlotStatus(enum.StrEnum):
    EMPTY = "empty"  # nothing good enough to fill it; `empty_reason` says why
    PLANNED = "planned"  # an item (or a topic) is assigned, the comment is not written yet
    READY = "ready"  # the comment is written: ready to publish
    PUBLISHED = "published"
    SKIPPED = "skipped"


class DigestState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # handed to the SMTP server; outcome not yet recorded
    SENT = "sent"
    FAILED = "failed"
    EMPTY = "empty"  # nothing new and nothing due: no email was needed


@dataclass(frozen=True, slots=True)
class Keywords:
    boost: tuple[str, ...] = ()
    block: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SlotRule:
    """One recurring slot of a schedule: a weekday and a wall-clock time in the profile's zone."""

    weekday: int  # 0 = Monday ... 6 = Sunday (datetime.weekday())
    time: time
    kind: SlotKind


@dataclass(frozen=True, slots=True)
class Schedule:
    slots: tuple[SlotRule, ...] = ()
    horizon_days: int = 14
    blackout: tuple[tuple[date, date], ...] = ()  # inclusive date ranges, in the profile's zone
    weekly_minutes: int | None = None  # time budget; None = no budget
    min_score: float = 0.15  # quality floor: below it a relay slot stays empty
    max_age_days: float = 7.0  # an item older than this at slot time is not relayed
    relay_minutes: int = 15  # estimated effort: read + comment
    original_minutes: int = 45
    min_comment_chars: int = 40  # a relay slot is `ready` once its comment is at least this long
    # Variety (issue 16): a relay avoids the feed of the relays this many slots before and after
    # it, as a preference: when nothing else fits, the slot still takes the item. 0: no rule.
    same_source_gap: int = 1


@dataclass(frozen=True, slots=True)
class DigestSettings:
    time: time = time(7, 30)  # local time at which the daily digest is sent
    max_items: int = 10
    min_score: float = 0.1
    send_when_empty: bool = False
    to: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Follow:
    """A colleague whose picks (approved items with comments) enter this profile's queue as a
    source with its own weight, like a feed's (issue 17)."""

    profile: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class ScoringSettings:
    freshness_half_life_hours: float = 72.0
    max_per_source: int = 3  # diversity: at most this many items of one feed in the top ranks
    diversity: float = 0.3  # MMR trade-off, 0 = pure relevance


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    objective: str
    language: str = "auto"  # fr | en | auto
    timezone: str = "UTC"  # IANA name
    keywords: Keywords = Keywords()
    examples: tuple[str, ...] = ()  # URLs or free text the user considers ideal items
    schedule: Schedule = Schedule()
    digest: DigestSettings = DigestSettings()
    scoring: ScoringSettings = ScoringSettings()
    picks: str = "private"  # public | private: who may read /p/<name>/ (issue 17)
    follow: tuple[Follow, ...] = ()  # colleagues whose picks enter the queue (issue 17)


@dataclass(frozen=True, slots=True)
class FeedSource:
    """A feed as declared in feeds.yaml (configuration), before it is stored."""

    url: str
    name: str | None = None
    interval_minutes: int | None = None  # None = the global default
    weight: float = 1.0  # source weight for scoring
    full_text: FullTextMode = FullTextMode.AUTO
    paused: bool = False  # kept in feeds.yaml but not fetched (`curator feeds pause`)
    tags: tuple[str, ...] = ()  # the user's labels; OPML folders land here (issue 16)


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed as stored, with its HTTP validators and health."""

    id: int
    url: str
    name: str | None
    status: FeedStatus
    weight: float = 1.0
    full_text: FullTextMode = FullTextMode.AUTO
    interval_minutes: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_digest: str | None = None  # of the last document stored (FetchResult.digest)
    ttl_minutes: int | None = None  # the RSS <ttl> of the last document stored
    title: str | None = None  # the title the feed gives itself
    site_url: str | None = None
    last_fetched_at: datetime | None = None
    next_fetch_at: datetime | None = None
    error_count: int = 0
    first_error_at: datetime | None = None
    last_error: str | None = None
    disabled_reason: str | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.title or self.url

    @property
    def failing(self) -> bool:
        """In trouble: its last fetches failed, or it was disabled or is gone."""
        return self.error_count > 0 or self.status is not FeedStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One entry as the parser reads it from a feed, before identity and dedupe.

    `title`, `summary` and `content` are plain text: the parser removes the markup (paragraphs
    become blank lines). `content` is "" when the feed only gives a summary. `url` is absolute.
    """

    guid: str | None
    url: str | None
    title: str
    summary: str
    content: str
    author: str | None
    published_at: datetime | None
    updated_at: datetime | None
    language: str | None = None  # as declared by the entry or its feed ("fr-FR"), not detected

    @property
    def text(self) -> str:
        """The best text the feed gives: its content, else its summary (as `Item.text`)."""
        return self.content or self.summary


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    feed_id: int
    guid: str | None
    url: str | None  # canonical URL
    title: str
    summary: str
    content: str  # best full text known: the feed's content or the extracted article
    author: str | None
    language: str | None  # fr | en | other
    published_at: datetime | None
    fetched_at: datetime
    content_hash: str
    cluster_id: int | None = None  # near-duplicate cluster; None = alone
    state: ItemState = ItemState.ACTIVE
    feed_name: str | None = None

    @property
    def text(self) -> str:
        return self.content or self.summary


@dataclass(frozen=True, slots=True)
class ItemColumns:
    """What scoring reads of every item, one list per field, in the items' order."""

    ids: list[int]
    feed_ids: list[int]
    cluster_ids: list[int | None]
    dated_at: list[datetime]  # published, else fetched: what freshness counts from
    languages: list[str | None]

    @classmethod
    def of(cls, items: Iterable[Item]) -> ItemColumns:
        out = cls([], [], [], [], [])
        for i in items:
            out.ids.append(i.id)
            out.feed_ids.append(i.feed_id)
            out.cluster_ids.append(i.cluster_id)
            out.dated_at.append(i.published_at or i.fetched_at)
            out.languages.append(i.language)
        return out


class ItemsOnDemand(Sequence[Item]):
    """Items of which `columns` were read at once, each whole item (its text above all) read
    from storage when first used.

    A full scoring pass scores every item of the window from its stored term counts, but reads
    the words of only a few thousand (the heads of the queues: reasons, block rules, hash
    checks): reading 100,000 items' texts and building as many `Item`s took a sixth of the
    pass (issue 19). Indexing, slicing and iterating give whole items, read through `read`
    (item ids -> items) and kept, so each is read at most once; `prefetch` reads together
    those about to be used.
    """

    __slots__ = ("_full", "_read", "columns")

    #: Items read at once when many are wanted.
    CHUNK = 1000

    def __init__(
        self, columns: ItemColumns, read: Callable[[Sequence[int]], Mapping[int, Item]]
    ) -> None:
        self.columns = columns
        self._read = read
        self._full: dict[int, Item] = {}  # by position

    def __len__(self) -> int:
        return len(self.columns.ids)

    @overload
    def __getitem__(self, index: int) -> Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        if isinstance(index, slice):
            return self.take(range(len(self))[index])
        got = self._full.get(index)
        return got if got is not None else self.take((index,))[0]

    def __iter__(self) -> Iterator[Item]:
        for start in range(0, len(self), self.CHUNK):
            yield from self.take(range(start, min(len(self), start + self.CHUNK)))

    def take(self, positions: Iterable[int]) -> list[Item]:
        """The items at `positions`, those not read yet read together."""
        rows = [self._position(k) for k in positions]
        self.prefetch(rows)
        return [self._full[k] for k in rows]

    def prefetch(self, positions: Iterable[int]) -> None:
        """Read together the items at `positions` not read yet."""
        ids = self.columns.ids
        missing = [k for k in dict.fromkeys(map(self._position, positions)) if k not in self._full]
        for start in range(0, len(missing), self.CHUNK):
            chunk = missing[start : start + self.CHUNK]
            found = self._read([ids[k] for k in chunk])
            for k in chunk:
                item = found.get(ids[k])
                self._full[k] = item if item is not None else self._placeholder(k)

    def read_with(self, read: Callable[[Sequence[int]], Mapping[int, Item]]) -> None:
        """Read the items not read yet through `read` from now on (a process forked from the
        one that read the columns reads through a connection of its own)."""
        self._read = read

    @property
    def read_count(self) -> int:
        """How many whole items were read so far."""
        return len(self._full)

    def _placeholder(self, k: int) -> Item:
        """An item deleted since its columns were read: scored without words, as its
        columns say (its scores go with it)."""
        c = self.columns
        return Item(
            c.ids[k], c.feed_ids[k], None, None, "", "", "", None, c.languages[k],
            None, c.dated_at[k], "", c.cluster_ids[k],
        )  # fmt: skip

    def _position(self, k: int) -> int:
        n = len(self)
        if not -n <= k < n:
            raise IndexError("item position out of range")
        return k + n if k < 0 else k


def item_columns(items: Sequence[Item]) -> ItemColumns:
    """The items' `ItemColumns`, without reading them when they are `ItemsOnDemand`."""
    return items.columns if isinstance(items, ItemsOnDemand) else ItemColumns.of(items)


def item_ids(items: Sequence[Item]) -> list[int]:
    """The items' ids, without reading them when they are `ItemsOnDemand`."""
    return items.columns.ids if isinstance(items, ItemsOnDemand) else [i.id for i in items]


def prefetch(items: Sequence[Item], positions: Iterable[int]) -> None:
    """Have the items at `positions` read together, when they are `ItemsOnDemand`: a hint,
    `items[k]` gives the same item either way."""
    if isinstance(items, ItemsOnDemand):
        items.prefetch(positions)


RELATED_PREFIX = "related: "  # a `why` term from decisions' feedback, not from the objective


@dataclass(frozen=True, slots=True)
class Term:
    """A term that contributed to a score, in words the user reads (not a stem)."""

    text: str
    weight: float


@dataclass(frozen=True, slots=True)
class Score:
    profile: str
    item_id: int
    final: float
    relevance: float
    feedback: float = 0.0
    freshness: float = 1.0
    source: float = 1.0
    boost: float = 0.0
    blocked: bool = False
    why: tuple[Term, ...] = ()
    rank: int | None = None  # position in the diversified queue, 1 = top

    @property
    def matched(self) -> tuple[Term, ...]:
        """The objective's words and phrases the item matched, best first: the `why` terms
        less a results note (weight 0, issue 15) and words from feedback ("related: ...",
        issue 18), which are reasons but not what the objective says."""
        return tuple(t for t in self.why if t.weight > 0 and not t.text.startswith(RELATED_PREFIX))

    @property
    def brief(self) -> tuple[Term, ...]:
        """What a one-line list shows of `why`: up to three of the objective's words first (what
        the item is about), then the first other reason (a colleague's pick, a results note,
        a related word). A results note is a sentence: put first, as in `why`, it filled the
        row and pushed the words out. The reading pane and `queue show` show the whole `why`."""
        matched = self.matched
        others = [t for t in self.why if t not in matched]
        return (*matched[:3], *others[:1])


class QueueStatus(enum.StrEnum):
    PENDING = "pending"  # never decided
    SNOOZED = "snoozed"  # snoozed, and the snooze date has passed: back in the queue


@dataclass(frozen=True, slots=True)
class ClusterVersion:
    """Another version of a queued story (a repost, a syndicated copy), folded into it."""

    item_id: int
    feed: str | None
    title: str
    url: str | None


@dataclass(frozen=True, slots=True)
class FollowedPick:
    """A followed colleague's approval of an item, with her comment (issue 17)."""

    item_id: int  # the version she picked: the entry may show another version of the story
    profile: str
    comment: str | None
    picked_at: datetime
    weight: float = 1.0  # the follow's weight, a source weight like a feed's


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One item of a profile's pending review queue, with its latest score."""

    item: Item
    score: Score
    status: QueueStatus = QueueStatus.PENDING
    # The followed colleagues who picked it (issue 17): the item may also come from a feed.
    picked_by: tuple[FollowedPick, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    profile: str
    item_id: int
    kind: DecisionKind
    decided_at: datetime
    comment: str | None = None
    reason: str | None = None
    snooze_until: datetime | None = None


def is_pending(decision: Decision | None, now: datetime) -> bool:
    """An item waits for review when it has no decision, or its snooze has ended."""
    if decision is None:
        return True
    if decision.kind is DecisionKind.SNOOZE:
        return decision.snooze_until is None or decision.snooze_until <= now
    return False


@dataclass(frozen=True, slots=True)
class Slot:
    id: str  # stable: derived from profile + rule + local date, never random
    profile: str
    starts_at: datetime  # UTC
    kind: SlotKind
    status: SlotStatus
    sequence: int = 0  # increases whenever the time or content changes (iCalendar SEQUENCE)
    item_id: int | None = None
    topic: str | None = None  # original posts: a suggested topic
    comment: str | None = None
    comment_starter: str | None = None
    empty_reason: str | None = None
    pinned: bool = False
    minutes: int = 15  # estimated effort
    published_at: datetime | None = None
    published_url: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TeamRelay:
    """A relay another profile of the shared database has planned (issue 17): the planner keeps
    its story (the item's duplicate cluster) off that day."""

    profile: str
    item_id: int
    cluster_key: int  # the item's cluster representative, else the item itself
    starts_at: datetime  # UTC


@dataclass(frozen=True, slots=True)
class Digest:
    profile: str
    day: date  # the profile's local date
    state: DigestState
    message_id: str
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None
    item_ids: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How feeds and article pages are fetched (feeds.yaml `fetch:`)."""

    default_interval_minutes: int = 60
    timeout_seconds: float = 20.0
    max_body_bytes: int = 10 * 1024 * 1024  # enforced while streaming and after decompression
    max_redirects: int = 5
    concurrency: int = 8  # feeds fetched at once
    per_host: int = 2  # requests in flight to one host at once
    max_backoff_minutes: int = 24 * 60
    disable_after_days: float = 7.0  # a feed failing this long is disabled
    allow_private_addresses: bool = False  # article URLs may reach loopback/private hosts
    full_text_per_feed: int = 30  # article pages fetched per feed and run, at most
    user_agent: str = "curator/0.1 (+https://github.com/curator-app/curator)"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where digests are sent (feeds.yaml `smtp:`). The password comes only from the environment."""

    host: str = "localhost"
    port: int = 25
    security: str = "none"  # starttls | ssl | none
    user: str | None = None
    password: str | None = None  # from CURATOR_SMTP_PASSWORD, never from the file
    sender: str = "curator@localhost"
    timeout_seconds: float = 30.0


@dataclass(frozen=True, slots=True)
class CalendarSettings:
    alarm_minutes: int | None = 15  # VALARM before each slot; None = no reminder
    refresh_minutes: int = 60  # REFRESH-INTERVAL / X-PUBLISHED-TTL for subscribers
    keep_cancelled: bool = False  # file export keeps removed slots as STATUS:CANCELLED
    output_dir: str | None = None  # where `run` writes calendar-<profile>.ics; None = beside the db


@dataclass(frozen=True, slots=True)
class ScorePassSettings:
    """How a full scoring pass runs (feeds.yaml `score:`)."""

    # Processes that score the profiles of a full pass (issue 17); None: one (a second one
    # shortens the pass but costs more CPU and memory in all: see README).
    processes: int | None = None


@dataclass(frozen=True, slots=True)
class ServeSettings:
    host: str = "127.0.0.1"
    port: int = 8421
    token: str | None = None  # optional secret in calendar URLs
    digest_catchup_hours: float = 6.0  # a digest missed while down is sent if within this window
    # Where users reach the web workspace (issue 14): digest items then link into it.
    public_url: str | None = None
