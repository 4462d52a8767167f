"""Results and efficiency (issue 15): time spent against what it brought, week after week.

Pure policy over frozen values: no database, no click, no clock read. The app hands in the
published posts (`Post`), the time curator measured itself (`ActiveSpan`) and the plan's weekly
counts; this module returns the figures (`ResultsReport`), the advice with its evidence, and the
scorer's bounded adjustments (`score_factors`).

How results are counted. A post's results are counts (reactions, comments, reposts, new contacts,
conversations, meetings). To compare kinds, sources and topics with one figure, they are summed
with weights that follow the method's ladder (a relation pays off when it becomes a conversation,
then a meeting): see `POINTS`. "Results" below always means these points.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

from curator import i18n
from curator.i18n import N_
from curator.types import Item, Schedule, Score, Slot, SlotKind, SlotStatus, Term

if TYPE_CHECKING:
    from curator.score import ItemMatrix

# -- what is recorded -------------------------------------------------------------------------

#: The counts a post's results are made of, in the order they are shown.
COUNTS = ("reactions", "comments", "reposts", "contacts", "conversations", "meetings")
#: New contacts by circle (optional): people you know well, people you had lost touch with,
#: people you target.
CIRCLES = ("contacts_close", "contacts_lost", "contacts_target")
FIELDS = COUNTS + CIRCLES

#: Weight of each count in a post's results (documented in the README, "Results").
POINTS: Mapping[str, int] = {
    "reactions": 1,
    "comments": 2,
    "reposts": 2,
    "contacts": 5,
    "conversations": 10,
    "meetings": 20,
}
_POINT_COUNTS = operator.attrgetter(*POINTS)
_POINT_WEIGHTS = tuple(POINTS.values())


@dataclass(frozen=True, slots=True)
class Metrics:
    """One post's results (or a sum of several)."""

    reactions: int = 0
    comments: int = 0
    reposts: int = 0
    contacts: int = 0
    conversations: int = 0
    meetings: int = 0
    contacts_close: int = 0
    contacts_lost: int = 0
    contacts_target: int = 0

    @property
    def points(self) -> int:
        # read for every post several times per report: one C-level pass, not a generator
        return sum(map(operator.mul, _POINT_COUNTS(self), _POINT_WEIGHTS))

    def __add__(self, other: Metrics) -> Metrics:
        return Metrics(**{name: getattr(self, name) + getattr(other, name) for name in FIELDS})

    def to_json(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIELDS}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Metrics:
        known = {name: data[name] for name in FIELDS if name in data}
        if set(map(type, known.values())) <= {int}:
            # as stored by `updated`: read for every post of a year's report, so no checks
            return cls(**known)  # type: ignore[arg-type]
        values: dict[str, int] = {}
        for name in FIELDS:
            raw = data.get(name, 0)
            values[name] = int(raw) if isinstance(raw, int | float | str) and raw != "" else 0
        return cls(**values)

    def updated(self, changes: Mapping[str, int | None]) -> Metrics:
        """These results with the given counts replaced (None = unchanged)."""
        kept = {k: v for k, v in changes.items() if v is not None}
        unknown = set(kept) - set(FIELDS)
        if unknown:
            raise ValueError(
                i18n.Message(
                    N_("unknown result field(s): {fields}"), fields=", ".join(sorted(unknown))
                )
            )
        negative = [k for k, v in kept.items() if v < 0]
        if negative:
            raise ValueError(i18n.Message(N_("{field} cannot be negative"), field=negative[0]))
        return replace(self, **kept)


@dataclass(frozen=True, slots=True)
class Post:
    """A published slot: when, what kind, from which source and topics, the time it took, and
    its results once entered (None until then)."""

    slot_id: str
    profile: str
    kind: SlotKind
    published_at: datetime
    minutes: int
    url: str | None = None
    title: str | None = None
    source: str | None = None
    topics: tuple[str, ...] = ()
    results: Metrics | None = None
    note: str | None = None
    results_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ResultChange:
    """One dated entry or change of a post's results."""

    slot_id: str
    changed_at: datetime
    origin: str
    results: Metrics
    note: str | None = None
    minutes: int | None = None  # the post's minutes after the change


@dataclass(frozen=True, slots=True)
class ActiveSpan:
    """Time curator measured itself (a review session's active time)."""

    profile: str
    activity: str
    started_at: datetime
    seconds: int


# -- recording --------------------------------------------------------------------------------


def publish_refusal(slot: Slot, min_comment_chars: int, language: str = "en") -> str | None:
    """Why this slot may not be marked published, or None. `--force` overrides it.

    A relay is the user's comment on someone else's content: published without it, it is not
    what the method asks for (issue 15). An empty slot has nothing to publish at all.
    """
    t = i18n.language(language)
    if slot.status is SlotStatus.EMPTY or (slot.kind is SlotKind.RELAY and slot.item_id is None):
        return t.gettext(
            "slot {slot} is empty: nothing to publish (--force records it anyway)"
        ).format(slot=slot.id)
    if slot.kind is SlotKind.RELAY and len((slot.comment or "").strip()) < min_comment_chars:
        return t.gettext(
            "relay {slot} has no comment of yours yet: write it with "
            "`curator slot comment {slot} --edit` (--force records it anyway)"
        ).format(slot=slot.id)
    return None


#: A gap between two actions longer than this is idle time, not counted (issue 15).
IDLE_AFTER = timedelta(minutes=3)


def counted_gap(
    last: datetime | None, now: datetime, idle_after: timedelta = IDLE_AFTER
) -> timedelta:
    """The active time between two actions: the whole gap when shorter than `idle_after`,
    nothing when longer (the user was away), nothing for the first action or a clock that went
    back."""
    if last is None:
        return timedelta(0)
    gap = now - last
    return gap if timedelta(0) < gap <= idle_after else timedelta(0)


class ActivityLog:
    """Active time of several browser sessions at once, each keyed by an opaque session key:
    the web queue reports each action, and only the gap since that session's previous action
    counts, under the same `idle_after` policy as the terminal's `ActivityMeter`. A tab left
    open overnight counts nothing for the night; a reload, a second tab or a repeated report
    counts no second too much, since time only ever counts from the session's last action.
    Not thread-safe: the facade holds a lock around it."""

    def __init__(self, idle_after: timedelta = IDLE_AFTER) -> None:
        self.idle_after = idle_after
        self._last: dict[str, datetime] = {}

    def touch(self, key: str, now: datetime) -> tuple[datetime, timedelta]:
        """Session `key` did something at `now`: when the counted gap began, and its length."""
        last = self._last.get(key)
        gap = counted_gap(last, now, self.idle_after)
        self._last[key] = now if last is None else max(last, now)
        # sessions idle longer than the policy have nothing left to count: forget them
        for stale in [k for k, t in self._last.items() if now - t > self.idle_after]:
            del self._last[stale]
        return (now - gap, gap)


class ActivityMeter:
    """Active time of a session: the sum of the gaps between actions, each gap counted only
    when shorter than `idle_after` (a longer one means the user was away). The clock is
    injected, so tests drive it."""

    def __init__(self, clock: Callable[[], datetime], idle_after: timedelta = IDLE_AFTER) -> None:
        self._clock = clock
        self.idle_after = idle_after
        self.started_at = clock()
        self._last = self.started_at
        self._active = timedelta(0)

    def touch(self) -> None:
        """The user did something now."""
        now = self._clock()
        self._active += counted_gap(self._last, now, self.idle_after)
        self._last = max(self._last, now)

    def credit(self, at_most: timedelta = timedelta(minutes=30)) -> None:
        """The user was working since the last action (writing in $EDITOR): count the gap
        whole, up to `at_most` (an editor left open over lunch is not work)."""
        now = self._clock()
        gap = now - self._last
        if gap > timedelta(0):
            self._active += min(gap, at_most)
        self._last = max(self._last, now)

    @property
    def active(self) -> timedelta:
        return self._active


def normalize_url(url: str) -> str:
    """A post URL as imports match it: no query, fragment, trailing slash; host lower-cased."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


# -- the report -------------------------------------------------------------------------------

# Thresholds of the advice: below them curator says "not enough data yet" (README, "Results").
MIN_WEEKS_BUDGET = 3  # complete weeks with time recorded before judging the budget
BUDGET_MARGIN = 0.10  # spending more than budget + 10 % is "over budget"
MIN_POSTS_KIND = 5  # posts with results, of each kind, before comparing relays and originals
MIN_WEEKS_KIND = 4  # weeks spanned by those posts
KIND_RATIO = 1.5  # one kind must earn at least 1.5x the other per hour to move a slot
MIN_POSTS_SOURCE = 3  # relays with results from one source before saying it earned nothing
TREND_WEEKS = 12


@dataclass(frozen=True, slots=True)
class WeekFigures:
    week: date  # the Monday, in the profile's zone
    minutes_reported: int
    minutes_measured: int
    budget: int | None
    planned: int
    published: int
    posts_with_results: int
    results: Metrics

    @property
    def minutes(self) -> int:
        return self.minutes_reported + self.minutes_measured

    @property
    def points(self) -> int:
        return self.results.points

    @property
    def per_hour(self) -> float | None:
        return per_hour(self.points, self.minutes) if self.posts_with_results else None


def per_hour(points: float, minutes: float) -> float | None:
    return points * 60 / minutes if minutes > 0 else None


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """Results of a group of posts (a kind, a source, a topic) and how many posts they rest on."""

    key: str
    posts: int  # published
    rated: int  # with results entered: the figures rest on these
    minutes: int  # of the rated posts
    points: int
    reactions: int

    @property
    def per_post(self) -> float | None:
        return self.points / self.rated if self.rated else None

    @property
    def per_hour(self) -> float | None:
        return per_hour(self.points, self.minutes) if self.rated else None


@dataclass(frozen=True, slots=True)
class ScheduleChange:
    """A change `curator results advice --apply N` makes to the profile's `schedule.slots`."""

    action: str  # "convert" (one slot changes kind) | "remove" (one slot goes)
    kind: SlotKind  # the kind of the slot changed or removed
    to: SlotKind | None = None  # for "convert"


@dataclass(frozen=True, slots=True)
class Advice:
    code: str
    text: str
    evidence: str
    change: ScheduleChange | None = None


@dataclass(frozen=True, slots=True)
class ResultsReport:
    profile: str
    language: str
    weeks: tuple[WeekFigures, ...]  # the last N weeks, oldest first
    by_kind: tuple[GroupFigures, ...]
    by_source: tuple[GroupFigures, ...]
    by_topic: tuple[GroupFigures, ...]
    trend: tuple[tuple[date, float | None], ...]  # 12 weeks of results per hour
    best: tuple[Post, ...]
    advice: tuple[Advice, ...]
    not_enough: tuple[str, ...] = field(default_factory=tuple)  # what advice still waits for
    posts_seen: int = 0  # published posts over the trend's 12 weeks


def local_week(moment: datetime, tz: tzinfo) -> date:
    day = moment.astimezone(tz).date()
    return day - timedelta(days=day.weekday())


def _groups(
    posts: Iterable[Post], key: Callable[[Post], Iterable[str]]
) -> tuple[GroupFigures, ...]:
    acc: dict[str, list[Post]] = {}
    for p in posts:
        for k in key(p):
            acc.setdefault(k, []).append(p)
    out = []
    for k, members in acc.items():
        rated = [p for p in members if p.results is not None]
        out.append(
            GroupFigures(
                key=k,
                posts=len(members),
                rated=len(rated),
                minutes=sum(p.minutes for p in rated),
                points=sum(p.results.points for p in rated if p.results is not None),
                reactions=sum(p.results.reactions for p in rated if p.results is not None),
            )
        )
    # best per post first; groups without results last, then by name
    return tuple(sorted(out, key=lambda g: (g.per_post is None, -(g.per_post or 0), g.key)))


def build_report(
    profile: str,
    posts: Sequence[Post],
    spans: Sequence[ActiveSpan],
    planned: Mapping[date, int],
    schedule: Schedule,
    tz: tzinfo,
    now: datetime,
    *,
    weeks: int = 4,
    language: str = "en",
) -> ResultsReport:
    """The figures of the last `weeks` local weeks (the current one included), the per kind,
    source and topic figures over the same weeks, a 12-week trend, the three best posts and
    the advice the data supports."""
    this_week = local_week(now, tz)
    horizon = max(weeks, TREND_WEEKS)
    mondays = [this_week - timedelta(weeks=n) for n in range(horizon - 1, -1, -1)]
    # bucket once: each week then reads only its own posts and spans
    post_weeks: dict[date, list[Post]] = {}
    for p in posts:
        post_weeks.setdefault(local_week(p.published_at, tz), []).append(p)
    span_weeks: dict[date, list[ActiveSpan]] = {}
    for s in spans:
        span_weeks.setdefault(local_week(s.started_at, tz), []).append(s)
    table = {
        m: _week(m, post_weeks.get(m, []), span_weeks.get(m, []), planned, schedule)
        for m in mondays
    }
    shown = mondays[-weeks:]
    window = [p for m in shown for p in post_weeks.get(m, [])]
    by_kind = _groups(window, lambda p: [p.kind.value])
    by_source = _groups(
        window, lambda p: [p.source] if p.source and p.kind is SlotKind.RELAY else []
    )
    by_topic = _groups(window, lambda p: p.topics)
    rated = [p for p in window if p.results is not None]
    best = tuple(sorted(rated, key=lambda p: (-(p.results.points if p.results else 0), p.slot_id)))
    advice, waiting = advise(window, [table[m] for m in shown], schedule, this_week, language)
    return ResultsReport(
        profile=profile,
        language=language,
        weeks=tuple(table[m] for m in shown),
        by_kind=by_kind,
        by_source=by_source,
        by_topic=by_topic,
        trend=tuple((m, table[m].per_hour) for m in mondays[-TREND_WEEKS:]),
        best=best[:3],
        advice=tuple(advice),
        not_enough=tuple(waiting),
        posts_seen=sum(table[m].published for m in mondays[-TREND_WEEKS:]),
    )


def _week(
    monday: date,
    mine: Sequence[Post],
    spans: Sequence[ActiveSpan],
    planned: Mapping[date, int],
    schedule: Schedule,
) -> WeekFigures:
    """One week's figures, from that week's posts and measured spans."""
    rated = [p.results for p in mine if p.results is not None]
    seconds = sum(s.seconds for s in spans)
    total = Metrics()
    for r in rated:
        total = total + r
    return WeekFigures(
        week=monday,
        minutes_reported=sum(p.minutes for p in mine),
        minutes_measured=round(seconds / 60),
        budget=schedule.weekly_minutes,
        planned=planned.get(monday, 0),
        published=len(mine),
        posts_with_results=len(rated),
        results=total,
    )


# -- advice -----------------------------------------------------------------------------------


def hours_text(minutes: float, language: str = "en") -> str:
    """90 -> "1 h 30", 45 -> "45 min", 120 -> "2 h"."""
    m = round(minutes)
    if m < 60:
        return f"{m} min"
    h, rest = divmod(m, 60)
    return f"{h} h {rest:02d}" if rest else f"{h} h"


def _n(value: float, language: str) -> str:
    """One decimal, with the language's separator (Babel): 2.7 / 2,7."""
    return one_decimal(value, language)


_TENTH = Decimal("0.1")


def one_decimal(value: float, language: str) -> str:
    """What Babel's `format_decimal(value, "0.0")` writes (the value read as its decimal
    text, rounded half to even; no grouping in that pattern), with the language's decimal
    sign looked up once: Babel parses the pattern and the locale on every call, which was a
    tenth of a 52-week Results page (issue 14)."""
    rounded = Decimal(str(value)).quantize(_TENTH, rounding=ROUND_HALF_EVEN)
    return f"{rounded:f}".replace(".", _decimal_sign(language))


@functools.cache
def _decimal_sign(language: str) -> str:
    from babel.numbers import get_decimal_symbol

    return get_decimal_symbol(i18n.language(language).code)


class _Words:
    """A table of English msgids read in one language: `_Words(_TEXT, language)["title"]`."""

    def __init__(self, table: Mapping[str, str], language: str) -> None:
        self._table = table
        self._language = i18n.language(language)

    def __getitem__(self, key: str) -> str:
        return self._language.gettext(self._table[key])


def advise(
    posts: Sequence[Post],
    weeks: Sequence[WeekFigures],
    schedule: Schedule,
    this_week: date,
    language: str = "en",
) -> tuple[list[Advice], list[str]]:
    """Advice with its evidence, each only past its threshold; else what it still waits for."""
    w = _Words(_WORDS, language)
    advice: list[Advice] = []
    waiting: list[str] = []

    # 1. time against the budget, on complete weeks with time recorded
    done = [wk for wk in weeks if wk.week < this_week and wk.minutes > 0]
    if schedule.weekly_minutes:
        if len(done) >= MIN_WEEKS_BUDGET:
            average = sum(wk.minutes for wk in done) / len(done)
            if average > schedule.weekly_minutes * (1 + BUDGET_MARGIN):
                advice.append(
                    Advice(
                        "over-budget",
                        w["over_budget"].format(
                            spent=hours_text(average), budget=hours_text(schedule.weekly_minutes)
                        ),
                        w["over_budget_why"].format(weeks=len(done)),
                        _cheaper_removal(posts, schedule),
                    )
                )
        else:
            waiting.append(w["wait_budget"].format(n=MIN_WEEKS_BUDGET, have=len(done)))

    # 2. relays against originals, per hour
    relays = [p for p in posts if p.kind is SlotKind.RELAY and p.results is not None]
    originals = [p for p in posts if p.kind is SlotKind.ORIGINAL and p.results is not None]
    span = len({wk.week for wk in weeks if wk.posts_with_results})
    if min(len(relays), len(originals)) >= MIN_POSTS_KIND and span >= MIN_WEEKS_KIND:
        r = per_hour(sum(_pts(p) for p in relays), sum(p.minutes for p in relays)) or 0.0
        o = per_hour(sum(_pts(p) for p in originals), sum(p.minutes for p in originals)) or 0.0
        better, worse, hi, lo = (
            (SlotKind.ORIGINAL, SlotKind.RELAY, o, r)
            if o >= r
            else (SlotKind.RELAY, SlotKind.ORIGINAL, r, o)
        )
        if hi > 0 and (lo == 0 or hi / lo >= KIND_RATIO):
            ratio = f"{_n(hi / lo, language)}x" if lo else "∞"
            has_rule = any(rule.kind is worse for rule in schedule.slots)
            text_key = "originals_better" if better is SlotKind.ORIGINAL else "relays_better"
            advice.append(
                Advice(
                    f"move-to-{better.value}",
                    w[text_key].format(ratio=ratio, weeks=span),
                    w["kind_why"].format(
                        weeks=span,
                        originals=len(originals),
                        relays=len(relays),
                        o=_n(o, language),
                        r=_n(r, language),
                    ),
                    ScheduleChange("convert", worse, better) if has_rule else None,
                )
            )
    else:
        waiting.append(
            w["wait_kind"].format(
                n=MIN_POSTS_KIND, weeks=MIN_WEEKS_KIND, relays=len(relays), originals=len(originals)
            )
        )

    # 3. sources whose relays earned nothing
    by_source: dict[str, list[Post]] = {}
    for p in relays:
        if p.source:
            by_source.setdefault(p.source, []).append(p)
    for source, members in sorted(by_source.items()):
        if len(members) >= MIN_POSTS_SOURCE and all(_pts(p) == 0 for p in members):
            first = min(p.published_at for p in members)
            last = max(p.published_at for p in members)
            weeks_n = max(1, math.ceil(((last - first).days + 1) / 7))
            advice.append(
                Advice(
                    "source-nothing",
                    w["source_nothing"].format(source=source, weeks=weeks_n),
                    w["source_why"].format(posts=len(members)),
                )
            )
    return advice, waiting


def _pts(p: Post) -> int:
    return p.results.points if p.results is not None else 0


def _cheaper_removal(posts: Sequence[Post], schedule: Schedule) -> ScheduleChange | None:
    """Over budget: drop one slot of the kind that earns less per hour (relays when unknown)."""
    if len(schedule.slots) <= 1:
        return None
    figures = {}
    for kind in SlotKind:
        rated = [p for p in posts if p.kind is kind and p.results is not None]
        figures[kind] = per_hour(sum(_pts(p) for p in rated), sum(p.minutes for p in rated))
    kinds = [k for k in SlotKind if any(r.kind is k for r in schedule.slots)]
    if not kinds:
        return None
    known = [k for k in kinds if figures[k] is not None]
    if len(known) == len(kinds) and len(kinds) > 1:
        kind = min(kinds, key=lambda k: figures[k] or 0.0)
    else:
        kind = SlotKind.RELAY if SlotKind.RELAY in kinds else kinds[0]
    return ScheduleChange("remove", kind)


# The words of the advice, the report and the digest's weekly section: English msgids marked for
# extraction, read in the profile's language from the `curator` catalog (issue 16).
_WORDS: dict[str, str] = {
    "over_budget": N_("you spend {spent} a week against a {budget} budget"),
    "over_budget_why": N_("average of the last {weeks} complete weeks with time recorded"),
    "wait_budget": N_(
        "budget: not enough data yet ({have} of {n} complete weeks with time recorded)"
    ),
    "originals_better": N_(
        "originals earned {ratio} more per hour than relays over {weeks} weeks: "
        "move one relay slot to an original"
    ),
    "relays_better": N_(
        "relays earned {ratio} more per hour than originals over {weeks} weeks: "
        "move one original slot to a relay"
    ),
    "kind_why": N_(
        "{weeks} weeks, {originals} originals ({o} per hour) vs {relays} relays ({r} per hour)"
    ),
    "wait_kind": N_(
        "relays vs originals: not enough data yet (needs {n} posts with results of each kind "
        "over {weeks} weeks; have {relays} relays, {originals} originals)"
    ),
    "source_nothing": N_("relays from {source} earned nothing in {weeks} weeks"),
    "source_why": N_("{posts} relays with results, all at zero"),
}


# -- rendering (the CLI and the digest's weekly block share it) ---------------------------------

_TEXT: dict[str, str] = {
    "title": N_("Results — {profile}, last {weeks} week(s)"),
    "week": N_(
        "Week of {monday}: {spent} spent ({reported} reported + {measured} measured){budget}; "
        "{published}/{planned} posts published; {results}"
    ),
    "budget": N_(" against a {budget} budget"),
    "results": N_("{points} results{detail}"),
    "no_results": N_("no results entered yet"),
    "per_hour": N_(", {value} per hour"),
    "by_kind": N_("By kind"),
    "by_source": N_("By source (relays)"),
    "by_topic": N_("By topic"),
    "group": N_(
        "  {key}: {per_post} per post, {per_hour} per hour ({rated} of {posts} posts with results)"
    ),
    "trend": N_("Trend, results per hour (12 weeks): {values}"),
    "best": N_("Best posts"),
    "best_line": N_("  {n}. {title} — {points} results{url}"),
    "advice": N_("Advice"),
    "advice_line": N_("  {n}. {text} (evidence: {evidence}){apply}"),
    "apply": N_(" — `curator results advice --apply {n}`"),
    "no_advice": N_("  none: nothing stands out yet"),
    "waiting": N_("Not enough data yet"),
    "none": N_("–"),
}


def _count_words(key: str, n: int) -> i18n.Plural:
    """A count with its word in the reader's plural form ("1 conversation", "2 contacts")."""
    match key:
        case "reactions":
            return i18n.Plural("{n} reaction", "{n} reactions", n, n=n)
        case "comments":
            return i18n.Plural("{n} comment", "{n} comments", n, n=n)
        case "reposts":
            return i18n.Plural("{n} repost", "{n} reposts", n, n=n)
        case "contacts":
            return i18n.Plural("{n} contact", "{n} contacts", n, n=n)
        case "conversations":
            return i18n.Plural("{n} conversation", "{n} conversations", n, n=n)
        case _:
            return i18n.Plural("{n} meeting", "{n} meetings", n, n=n)


def _lang(language: str) -> str:
    return i18n.language(language).code


def _fig(value: float | None, language: str) -> str:
    return _Words(_TEXT, language)["none"] if value is None else _n(value, language)


def metrics_text(m: Metrics, language: str = "en") -> str:
    said = i18n.language(language)
    return ", ".join(said.say(_count_words(k, getattr(m, k))) for k in COUNTS if getattr(m, k))


def week_line(wk: WeekFigures, language: str = "en") -> str:
    t = _Words(_TEXT, language)
    if wk.posts_with_results:
        detail = metrics_text(wk.results, language)
        results = t["results"].format(points=wk.points, detail=f" ({detail})" if detail else "")
        if wk.per_hour is not None:
            results += t["per_hour"].format(value=_n(wk.per_hour, language))
    else:
        results = t["no_results"]
    return t["week"].format(
        monday=wk.week.isoformat(),
        spent=hours_text(wk.minutes),
        reported=hours_text(wk.minutes_reported),
        measured=hours_text(wk.minutes_measured),
        budget=t["budget"].format(budget=hours_text(wk.budget)) if wk.budget else "",
        published=wk.published,
        planned=wk.planned,
        results=results,
    )


def advice_lines(report: ResultsReport) -> list[str]:
    t = _Words(_TEXT, report.language)
    lines = [t["advice"]]
    for n, a in enumerate(report.advice, 1):
        apply = t["apply"].format(n=n) if a.change is not None else ""
        lines.append(t["advice_line"].format(n=n, text=a.text, evidence=a.evidence, apply=apply))
    if not report.advice:
        lines.append(t["no_advice"])
    if report.not_enough:
        lines.append(t["waiting"])
        lines.extend(f"  - {w}" for w in report.not_enough)
    return lines


def report_lines(report: ResultsReport) -> list[str]:
    """The whole report as plain text lines, in the profile's language."""
    lang = report.language
    t = _Words(_TEXT, lang)
    lines = [t["title"].format(profile=report.profile, weeks=len(report.weeks)), ""]
    lines += [week_line(wk, lang) for wk in report.weeks]
    words = i18n.language(lang)
    kinds = {
        SlotKind.RELAY.value: words.pgettext("results kind", "relays"),
        SlotKind.ORIGINAL.value: words.pgettext("results kind", "originals"),
    }
    named = tuple(replace(g, key=kinds.get(g.key, g.key)) for g in report.by_kind)
    for title, groups in (
        (t["by_kind"], named),
        (t["by_source"], report.by_source),
        (t["by_topic"], report.by_topic[:8]),
    ):
        if not groups:
            continue
        lines += ["", title]
        for g in groups:
            lines.append(
                t["group"].format(
                    key=g.key,
                    per_post=_fig(g.per_post, lang),
                    per_hour=_fig(g.per_hour, lang),
                    rated=g.rated,
                    posts=g.posts,
                )
            )
    lines += ["", t["trend"].format(values=" ".join(_fig(v, lang) for _, v in report.trend))]
    if report.best:
        lines += ["", t["best"]]
        for n, p in enumerate(report.best, 1):
            lines.append(
                t["best_line"].format(
                    n=n,
                    title=p.title or p.slot_id,
                    points=p.results.points if p.results else 0,
                    url=f" {p.url}" if p.url else "",
                )
            )
    lines += ["", *advice_lines(report)]
    return lines


def _group_json(g: GroupFigures) -> dict[str, object]:
    return {
        "key": g.key,
        "posts": g.posts,
        "posts_with_results": g.rated,
        "minutes": g.minutes,
        "results": g.points,
        "reactions": g.reactions,
        "per_post": g.per_post,
        "per_hour": g.per_hour,
    }


def post_json(p: Post) -> dict[str, object]:
    return {
        "slot": p.slot_id,
        "profile": p.profile,
        "kind": p.kind.value,
        "published_at": p.published_at.isoformat(),
        "minutes": p.minutes,
        "url": p.url,
        "title": p.title,
        "source": p.source,
        "topics": list(p.topics),
        "results": p.results.to_json() if p.results is not None else None,
        "points": p.results.points if p.results is not None else None,
        "note": p.note,
        "results_at": p.results_at.isoformat() if p.results_at else None,
    }


def report_json(report: ResultsReport) -> dict[str, object]:
    return {
        "profile": report.profile,
        "points": dict(POINTS),
        "weeks": [
            {
                "week": wk.week.isoformat(),
                "minutes": wk.minutes,
                "minutes_reported": wk.minutes_reported,
                "minutes_measured": wk.minutes_measured,
                "budget_minutes": wk.budget,
                "planned": wk.planned,
                "published": wk.published,
                "posts_with_results": wk.posts_with_results,
                "results": wk.results.to_json(),
                "points": wk.points,
                "per_hour": wk.per_hour,
            }
            for wk in report.weeks
        ],
        "by_kind": [_group_json(g) for g in report.by_kind],
        "by_source": [_group_json(g) for g in report.by_source],
        "by_topic": [_group_json(g) for g in report.by_topic],
        "trend": [{"week": m.isoformat(), "per_hour": v} for m, v in report.trend],
        "best": [post_json(p) for p in report.best],
        "advice": [
            {
                "n": n,
                "code": a.code,
                "text": a.text,
                "evidence": a.evidence,
                "change": (
                    {
                        "action": a.change.action,
                        "kind": a.change.kind.value,
                        "to": a.change.to.value if a.change.to else None,
                    }
                    if a.change
                    else None
                ),
            }
            for n, a in enumerate(report.advice, 1)
        ],
        "not_enough_data": list(report.not_enough),
    }


@dataclass(frozen=True, slots=True)
class ImportReport:
    path: str
    updated: tuple[str, ...]  # slot ids whose results changed
    unchanged: int
    unknown: tuple[tuple[int, str], ...]  # (line, url) matching no published post
    ignored_columns: tuple[str, ...] = ()

    def lines(self, language: str = "en", *, path: str | None = None) -> list[str]:
        """What the import did, in `language`; `path` names the file otherwise (an upload)."""
        t = i18n.language(language)
        out = [
            t.gettext(
                "{path}: {updated} post(s) updated, {unchanged} unchanged, {unknown} unknown URL(s)"
            ).format(
                path=path or self.path,
                updated=len(self.updated),
                unchanged=self.unchanged,
                unknown=len(self.unknown),
            )
        ]
        out += [
            t.gettext("  line {line}: no published post at {url}").format(line=line, url=url)
            for line, url in self.unknown
        ]
        if self.ignored_columns:
            out.append(
                t.gettext("  ignored column(s): {columns}").format(
                    columns=", ".join(self.ignored_columns)
                )
            )
        return out


_WEEKLY: dict[str, str] = {
    "heading": N_("Your week in review"),
    "best": N_("Best post of the week: {title} ({points} results)"),
    "trend": N_("Results per hour, last weeks: {values}"),
    "advice": N_("Advice: {text} ({evidence})"),
    "more": N_("All figures: curator results"),
}


def weekly_block(report: ResultsReport, tz: tzinfo) -> tuple[str, tuple[str, ...]] | None:
    """The digest's weekly section: the week just ended, the trend, the best post, the advice.

    None when nothing was published in the last 12 weeks: there is nothing to review yet."""
    if report.posts_seen == 0 or len(report.weeks) < 2:
        return None
    lang = _lang(report.language)
    t = _Words(_WEEKLY, lang)
    last = report.weeks[-2]
    lines = [week_line(last, lang)]
    recent = [v for _, v in report.trend[-6:-1]]
    if any(v is not None for v in recent):
        lines.append(t["trend"].format(values=" ".join(_fig(v, lang) for v in recent)))
    best = [
        p
        for p in report.best
        if local_week(p.published_at, tz) == last.week and p.results is not None
    ]
    if best and best[0].results is not None:
        title = best[0].title or best[0].slot_id
        lines.append(t["best"].format(title=title, points=best[0].results.points))
    for a in report.advice:
        lines.append(t["advice"].format(text=a.text, evidence=a.evidence))
    if not report.advice and report.not_enough:
        lines.append(f"{_Words(_TEXT, lang)['waiting']}: " + "; ".join(report.not_enough))
    lines.append(t["more"])
    return t["heading"], tuple(lines)


# -- results feed the scorer (issue 15) --------------------------------------------------------

# A source (or topic) needs this many relays with results, published within FACTOR_WEEKS,
# before its results move any score (README, "Results").
MIN_POSTS_FACTOR = 3
FACTOR_WEEKS = 12
FACTOR_CAP = 1.2  # a source that earns well ranks a little higher: at most +20 %
FACTOR_FLOOR = 0.8  # and one that earns nothing never loses more than 20 %
FACTOR_SLOPE = 0.1  # +10 % per doubling of results per post against the average relay
ZERO_STEP = 0.05  # a source that earns nothing loses 5 % per relay past the minimum


@dataclass(frozen=True, slots=True)
class Factor:
    """How a source's or topic's relay results move the scores of its new items."""

    key: str
    factor: float  # multiplies the source weight, within [FACTOR_FLOOR, FACTOR_CAP]
    posts: int  # relays with results it rests on
    explanation: str


@dataclass(frozen=True, slots=True)
class ScoreFactors:
    sources: Mapping[str, Factor] = field(default_factory=dict)
    topics: Mapping[str, Factor] = field(default_factory=dict)


_FACTOR_WORDS: dict[str, str] = {
    "source": N_("your relays from {key} earned {reactions} reactions per post ({n} posts)"),
    "source_zero": N_("your relays from {key} earned nothing ({n} posts)"),
    "topic": N_("your relays on {key} earned {reactions} reactions per post ({n} posts)"),
    "topic_zero": N_("your relays on {key} earned nothing ({n} posts)"),
}


def score_factors(posts: Sequence[Post], now: datetime, language: str = "en") -> ScoreFactors:
    """Per-source and per-topic factors from the results of recent relays, bounded, each with
    the sentence that explains it. Nothing moves on fewer than MIN_POSTS_FACTOR relays.

    A group earning results is compared with the average relay (results points per post): each
    doubling adds FACTOR_SLOPE, up to FACTOR_CAP; earning less takes as much off, down to
    FACTOR_FLOOR. A group whose relays all earned nothing loses ZERO_STEP per relay past the
    minimum (slowly, as the evidence grows), never below FACTOR_FLOOR.
    """
    since = now - timedelta(weeks=FACTOR_WEEKS)
    relays = [
        p
        for p in posts
        if p.kind is SlotKind.RELAY and p.results is not None and p.published_at >= since
    ]
    if not relays:
        return ScoreFactors()
    average = sum(_pts(p) for p in relays) / len(relays)
    words = _Words(_FACTOR_WORDS, language)

    def factors(kind: str, key_of: Callable[[Post], Iterable[str]]) -> dict[str, Factor]:
        groups: dict[str, list[Post]] = {}
        for p in relays:
            for key in key_of(p):
                groups.setdefault(key, []).append(p)
        out: dict[str, Factor] = {}
        for key, members in groups.items():
            n = len(members)
            if n < MIN_POSTS_FACTOR:
                continue
            points = sum(_pts(p) for p in members)
            if points == 0:
                value = max(FACTOR_FLOOR, 1.0 - ZERO_STEP * (n - MIN_POSTS_FACTOR + 1))
                text = words[f"{kind}_zero"].format(key=key, n=n)
            else:
                ratio = (points / n) / average if average else 1.0
                value = min(FACTOR_CAP, max(FACTOR_FLOOR, 1.0 + FACTOR_SLOPE * math.log2(ratio)))
                reactions = sum(p.results.reactions for p in members if p.results) / n
                text = words[kind].format(key=key, reactions=_n(reactions, language), n=n)
            out[key] = Factor(key, round(value, 4), n, text)
        return out

    return ScoreFactors(
        sources=factors("source", lambda p: [p.source] if p.source else []),
        topics=factors("topic", lambda p: p.topics),
    )


def weighted_feeds(
    weights: Mapping[int, float], names: Mapping[int, str], factors: ScoreFactors
) -> dict[int, float]:
    """The feeds' source weights with each source's results factor applied."""
    out = dict(weights)
    for feed_id, name in names.items():
        f = factors.sources.get(name)
        if f is not None:
            out[feed_id] = out.get(feed_id, 1.0) * f.factor
    return out


def topics_of_items(
    items: Sequence[Item], matrix: ItemMatrix, factors: ScoreFactors
) -> dict[int, tuple[Factor, ...]]:
    """The topic factors (other than 1) of each item about one of those topics, by item id: an
    item is about a topic when its text has the topic's words (as the scorer analyses them)."""
    from curator.score import items_on_topic

    out: dict[int, tuple[Factor, ...]] = {}
    for key in sorted(factors.topics):
        f = factors.topics[key]
        if f.factor == 1.0:
            continue
        for k in items_on_topic(matrix, items, key).tolist():
            out[items[k].id] = (*out.get(items[k].id, ()), f)
    return out


def topic_weights(topics: Mapping[int, Sequence[Factor]]) -> dict[int, float]:
    """Each item's weight from its topics' factors: their product, kept within
    [FACTOR_FLOOR, FACTOR_CAP] however many topics the item is about."""
    return {
        item_id: min(FACTOR_CAP, max(FACTOR_FLOOR, math.prod(f.factor for f in fs)))
        for item_id, fs in topics.items()
    }


def explained(
    scores: Sequence[Score],
    feed_of: Mapping[int, int],
    names: Mapping[int, str],
    factors: ScoreFactors,
    topics: Mapping[int, Sequence[Factor]] | None = None,
) -> list[Score]:
    """Scores whose source weight moved, by their source's or their topics' results, get the
    reasons first among their `why` (weight 0: a sentence, not a matched term; the topics and
    themes read only positive weights)."""
    out = []
    for s in scores:
        notes = [] if s.blocked else list((topics or {}).get(s.item_id, ()))
        f = factors.sources.get(names.get(feed_of.get(s.item_id, -1), ""))
        if f is not None and f.factor != 1.0 and not s.blocked:
            notes.insert(0, f)
        if notes:
            s = replace(s, why=(*(Term(n.explanation, 0.0) for n in notes), *s.why))
        out.append(s)
    return out
