"""The editorial planner (issue 5): approved items + existing slots + schedule + now -> slots.

Pure policy: no database, no scikit-learn, no click. The app reads the approved items, their
scores and the slots already stored, calls `plan_slots`, and writes back what changed.

The rules, in the order they apply:

* A schedule rule (weekday + wall-clock time in the profile's zone) becomes one slot per matching
  local date over the horizon, resolved with zoneinfo and stored in UTC. A time inside the
  spring-forward gap moves after it (fold=0 takes the offset before the change; the UTC round trip
  lands after the gap), an ambiguous autumn time takes its first occurrence (fold=0). Slot ids
  come from profile + local date + rule time + kind, so the same slot keeps its id forever.
* Past slots (start <= now), published, skipped, pinned and commented slots are *frozen*: the
  planner never moves or refills them. The one exception is the user's own action: a future
  pinned or commented relay whose item is no longer approved (rejected, withdrawn, undone) is
  freed and refilled.
* Time budget: when a local week (Monday..Sunday) holds more minutes than `weekly_minutes`, slots
  that are not frozen are dropped, lowest value first (see `_drop_key`), and a note says so.
* Relay slots are filled in time order with approved items by score, subject to the quality floor
  (`min_score`), freshness at slot time (`max_age_days`) and spacing: two adjacent relay slots
  never carry the same duplicate cluster (one story), a shared topic is penalised, and variety of
  sources is a preference (issue 16): a relay avoids the feed of the `same_source_gap` relays
  before and after it, but when no other approved item fits, the slot takes a fresh item above
  the floor from the same feed rather than stay empty, and a note says so. An item
  already assigned to a slot keeps it while it stays valid, so a new approval never reshuffles
  the queue;
  a slot that would stay empty before a queued item pulls that item forward (no gaps).
  When that leaves out an approval carrying a comment of at least `min_comment_chars` (invested
  effort: its slot is ready at once), the free slots are filled again commented first, then by
  score; that plan is kept if it places more commented items and no fewer items in all.
* The team does not relay one story twice the same day (issue 17): the relays other profiles
  have planned on the shared database (`team`) make their stories (same item or same duplicate
  cluster) ineligible for this profile's open relay slots of the same local date, in this
  profile's zone; a note says which colleague relays the story when.
* Original slots get a topic from the recent high-scoring themes, else from the objective.
* Every slot's `sequence` increases, and `updated_at` becomes now, whenever anything in it changes
  (iCalendar SEQUENCE, RFC 5545 section 3.8.7.4).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from curator import i18n
from curator.errors import ConfigError, InvalidAction
from curator.i18n import N_, Message
from curator.outputs.words import is_web_url
from curator.types import Schedule, Score, Slot, SlotKind, SlotRule, SlotStatus, TeamRelay

TOPIC_PENALTY = 0.3  # how much a shared topic with the previous relay lowers a candidate
ORIGINAL_VALUE = 1.0  # budget: an original post is worth as much as a top relay
MAX_REFILL_ROUNDS = 50  # queued items only move earlier, so rounds are few in practice

__all__ = [
    "Candidate",
    "PlanResult",
    "TeamRelay",
    "WeekLog",
    "comment_slot",
    "comment_starter",
    "lead_sentences",
    "local_midnight",
    "local_week",
    "mark_done",
    "needs_comment",
    "occurrences",
    "pin_slot",
    "plan_slots",
    "resolve_local",
    "results_log",
    "skip_slot",
    "slot_id",
    "themes_from",
    "week_minutes",
    "zone",
]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An item the planner may relay (approved), or one an existing slot refers to.

    `reference_at` is when the item appeared (published, else fetched): freshness is measured
    from it at slot time. `comment` is the comment the approval carried, if any; `starter` the
    precomputed comment starter; `topics` the terms that made it rank (used to spread topics).
    """

    item_id: int
    score: float
    feed_id: int
    cluster_id: int | None = None
    reference_at: datetime | None = None
    comment: str | None = None
    starter: str | None = None
    topics: tuple[str, ...] = ()

    @property
    def cluster_key(self) -> int:
        # items.cluster_id points at the cluster's representative, whose own cluster_id is NULL
        return self.cluster_id if self.cluster_id is not None else self.item_id


@dataclass(frozen=True, slots=True)
class PlanResult:
    slots: tuple[Slot, ...]  # every live slot of the profile after planning, by start time
    changed: tuple[Slot, ...]  # new or modified slots: what the app writes
    removed: tuple[str, ...]  # ids of stored slots the plan no longer holds (cancelled)
    notes: tuple[str, ...]  # what the user should know: dropped slots, freed items
    # slot id -> why a relay repeats a nearby relay's feed (also among `notes`)
    variety: Mapping[str, str] = field(default_factory=dict)
    # item id -> which colleague relays its story when (also among `notes`), issue 17
    team: Mapping[int, str] = field(default_factory=dict)


# -- time ---------------------------------------------------------------------------------------


def zone(name: str | tzinfo) -> tzinfo:
    if isinstance(name, tzinfo):
        return name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigError(
            Message(N_("unknown time zone {name}"), name=repr(name)), field="timezone"
        ) from e


def resolve_local(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant of a wall-clock time on a local date.

    fold=0 everywhere: an ambiguous time is its first occurrence; a time in the spring-forward gap
    is read with the offset before the change, which the UTC round trip puts after the gap
    (02:30 in Paris on the last Sunday of March becomes 03:30 CEST = 01:30 UTC).
    """
    local = datetime(day.year, day.month, day.day, at.hour, at.minute, tzinfo=tz, fold=0)
    return local.astimezone(UTC)


_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


def slot_id(profile: str, day: date, rule: SlotRule) -> str:
    """A readable id that never changes for the same profile, local date, rule time and kind."""
    who = profile
    if not _SAFE_ID.match(profile):
        slug = re.sub(r"[^a-z0-9]+", "-", profile.lower()).strip("-") or "profile"
        who = f"{slug}.{hashlib.sha1(profile.encode()).hexdigest()[:6]}"
    return f"{who}-{day.isoformat()}-{rule.time.hour:02d}{rule.time.minute:02d}-{rule.kind.value}"


@dataclass(frozen=True, slots=True)
class Occurrence:
    id: str
    starts_at: datetime
    local_date: date
    kind: SlotKind


def _in_blackout(day: date, schedule: Schedule) -> bool:
    return any(start <= day <= end for start, end in schedule.blackout)


def occurrences(
    profile: str, schedule: Schedule, tz: tzinfo, now: datetime
) -> Iterator[Occurrence]:
    """The schedule's future slots from now over the horizon, outside blackout dates, in order."""
    today = now.astimezone(tz).date()
    seen: set[str] = set()
    found: list[Occurrence] = []
    for offset in range(max(schedule.horizon_days, 0)):
        day = today + timedelta(days=offset)
        if _in_blackout(day, schedule):
            continue
        for rule in schedule.slots:
            if rule.weekday != day.weekday():
                continue
            sid = slot_id(profile, day, rule)
            starts_at = resolve_local(day, rule.time, tz)
            if sid in seen or starts_at <= now:
                continue
            seen.add(sid)
            found.append(Occurrence(sid, starts_at, day, rule.kind))
    found.sort(key=lambda o: (o.starts_at, o.id))
    yield from found


def local_week(moment: datetime, tz: tzinfo) -> date:
    """The Monday of the local week holding `moment`."""
    day = moment.astimezone(tz).date()
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The UTC instant a local date starts (00:00 exists on every date in the tz database
    zones curator expects; where a change happens at midnight the UTC round trip moves it)."""
    return resolve_local(day, time(0, 0), tz)


def week_minutes(slots: Iterable[Slot], tz: tzinfo) -> dict[date, int]:
    """Planned minutes per local week (by its Monday): every slot that is not skipped."""
    weeks: dict[date, int] = {}
    for s in slots:
        if s.status is not SlotStatus.SKIPPED:
            wk = local_week(s.starts_at, tz)
            weeks[wk] = weeks.get(wk, 0) + s.minutes
    return weeks


# -- planning -----------------------------------------------------------------------------------


def _has_comment(slot: Slot) -> bool:
    return bool(slot.comment and slot.comment.strip())


def _long_enough(comment: str | None, min_chars: int) -> bool:
    return comment is not None and len(comment.strip()) >= min_chars


def _commented(c: Candidate, min_chars: int) -> bool:
    """Whether the approval carried a comment long enough to make its relay slot ready."""
    return _long_enough(c.comment, min_chars)


def _fill_order(c: Candidate, min_chars: int | None) -> tuple[int, float, int]:
    """Sort key, best first: with `min_chars`, approved items with a comment that long come
    first (invested effort, the slot is ready at once); then score, then the lower id."""
    ready = min_chars is not None and _commented(c, min_chars)
    return (0 if ready else 1, -c.score, c.item_id)


def _status_for(comment: str | None, min_chars: int) -> SlotStatus:
    """Relays and originals alike are ready once the user's text is long enough."""
    return SlotStatus.READY if _long_enough(comment, min_chars) else SlotStatus.PLANNED


def needs_comment(slot: Slot) -> bool:
    """Whether a relay slot still waits for the user's comment: the planner (and `comment_slot`)
    keep a filled relay PLANNED until its comment reaches `min_comment_chars`, then READY."""
    return slot.kind is SlotKind.RELAY and slot.status is SlotStatus.PLANNED


@dataclass(slots=True)
class _Open:
    """A slot the planner may fill: a schedule occurrence, possibly already stored."""

    id: str
    starts_at: datetime
    kind: SlotKind
    previous: Slot | None
    sticky_item: int | None = None
    sticky_topic: str | None = None
    item: int | None = None
    busy: frozenset[int] = frozenset()  # stories another profile relays this local day


def plan_slots(
    profile: str,
    schedule: Schedule,
    timezone: str | tzinfo,
    *,
    candidates: Sequence[Candidate],
    existing: Sequence[Slot],
    now: datetime,
    themes: Sequence[str] = (),
    objective: str = "",
    known: Sequence[Candidate] = (),
    cancelled: Mapping[str, int] | None = None,
    starter_for: Callable[[int], str | None] | None = None,
    language: str = "en",
    team: Sequence[TeamRelay] = (),
) -> PlanResult:
    """Plan a profile's slots. Same inputs, same result; planning its own result changes nothing.

    `candidates` are the approved items (latest decision APPROVE); `known` describes other items
    that existing slots refer to (for spacing next to frozen slots); `existing` are the profile's
    stored live slots; `themes` are recent high-scoring themes, best first, for original posts.
    `cancelled` maps the ids of stored but removed slots to their sequence, so a slot that comes
    back continues its sequence. `starter_for` gives the comment starter of an item placed in a
    relay slot when its candidate carries none (computed only for the items actually planned).
    `language` ("fr" or "en") is the one the profile reads: empty slots say why in it.
    `team` are the relays the other profiles planned: their stories stay off those days here.
    """
    tz = zone(timezone)
    # best first (ties: lower id), so filling can stop early and never depends on input order
    approved = {c.item_id: c for c in sorted(candidates, key=lambda c: (-c.score, c.item_id))}
    info: dict[int, Candidate] = {c.item_id: c for c in known}
    info.update(approved)
    notes: list[str] = []
    existing = sorted(existing, key=lambda s: (s.starts_at, s.id))
    by_id = {s.id: s for s in existing}

    frozen: dict[str, Slot] = {}
    freed: dict[str, Slot] = {}
    for s in existing:
        if s.starts_at <= now or s.status in (SlotStatus.PUBLISHED, SlotStatus.SKIPPED):
            frozen[s.id] = s
        elif s.pinned or _has_comment(s):
            if s.kind is SlotKind.RELAY and s.item_id is not None and s.item_id not in approved:
                freed[s.id] = s
                words = _words(language)
                lost = words["comment lost"].format(comment=s.comment) if _has_comment(s) else ""
                notes.append(words["refilled"].format(slot=s.id, item=s.item_id) + lost)
            else:
                frozen[s.id] = s

    # Schedule occurrences that are not frozen are open; stored ones bring their current content.
    opens: list[_Open] = []
    for occ in occurrences(profile, schedule, tz, now):
        if occ.id in frozen:
            continue
        prev = by_id.get(occ.id)
        o = _Open(occ.id, occ.starts_at, occ.kind, prev)
        if prev is not None and prev.kind is occ.kind:
            if occ.id not in freed and prev.item_id in approved:
                o.sticky_item = prev.item_id
            o.sticky_topic = prev.topic
        opens.append(o)
    busy = _busy_days(team, tz)
    for o in opens:
        o.busy = busy.get(o.starts_at.astimezone(tz).date(), frozenset())

    opens, dropped_notes = _apply_budget(opens, frozen.values(), schedule, tz, approved, language)
    notes.extend(dropped_notes)

    _fill_with_comments_first(opens, list(frozen.values()), schedule, approved, info)
    _assign_topics(opens, list(frozen.values()), themes, objective)

    timeline = _timeline(opens, frozen.values())
    variety = _variety_notes(timeline, info, schedule.same_source_gap, tz, language)
    notes.extend(variety.values())
    team_notes = _team_notes(approved, team, now, tz, language)
    notes.extend(team_notes.values())
    new_slots: list[Slot] = []
    changed: list[Slot] = []
    for o in opens:
        slot = _render(o, profile, schedule, approved, info, timeline, starter_for, language)
        prev = o.previous
        if prev is None:
            back = (cancelled or {}).get(o.id)
            slot = replace(slot, sequence=0 if back is None else back + 1, updated_at=now)
            changed.append(slot)
        elif _content(prev) != _content(slot):
            slot = replace(slot, sequence=prev.sequence + 1, updated_at=now)
            changed.append(slot)
        else:
            slot = prev
        new_slots.append(slot)

    kept_ids = {o.id for o in opens} | set(frozen)
    removed = tuple(s.id for s in existing if s.id not in kept_ids)
    all_slots = sorted([*frozen.values(), *new_slots], key=lambda s: (s.starts_at, s.id))
    return PlanResult(tuple(all_slots), tuple(changed), removed, tuple(notes), variety, team_notes)


def _content(slot: Slot) -> tuple[object, ...]:
    # Everything but sequence and updated_at: a change in any of these is a new revision.
    return (
        slot.starts_at,
        slot.kind,
        slot.status,
        slot.item_id,
        slot.topic,
        slot.comment,
        slot.comment_starter,
        slot.empty_reason,
        slot.pinned,
        slot.minutes,
        slot.published_at,
        slot.published_url,
    )


def _minutes(kind: SlotKind, schedule: Schedule) -> int:
    return schedule.relay_minutes if kind is SlotKind.RELAY else schedule.original_minutes


def _apply_budget(
    opens: list[_Open],
    frozen: Iterable[Slot],
    schedule: Schedule,
    tz: tzinfo,
    approved: Mapping[int, Candidate],
    language: str = "en",
) -> tuple[list[_Open], list[str]]:
    """Drop open slots from each local week whose planned minutes exceed the budget.

    Drop order (lowest value first), chosen so that planning twice drops the same slots:
    1. slots not stored yet (a dropped slot comes back as such next time, so it goes first again),
       taking from the kind that holds more of the week's minutes (frozen slots included, so a
       slot frozen by a comment or a pin does not change the answer), so the relay/original mix
       survives, the latest first;
    2. stored slots: empty relays, then relays by their item's score, then originals.
    """
    budget = schedule.weekly_minutes
    if budget is None:
        return opens, []
    frozen_slots = list(frozen)
    weeks: dict[date, list[_Open]] = {}
    for o in opens:
        weeks.setdefault(local_week(o.starts_at, tz), []).append(o)
    used: dict[date, int] = {}
    held: dict[tuple[date, SlotKind], int] = {}  # frozen minutes per week and kind
    for s in frozen_slots:
        if s.status is not SlotStatus.SKIPPED:
            wk = local_week(s.starts_at, tz)
            used[wk] = used.get(wk, 0) + s.minutes
            held[wk, s.kind] = held.get((wk, s.kind), 0) + s.minutes
    dropped: set[str] = set()
    notes: list[str] = []
    for wk in sorted(weeks):
        members = list(weeks[wk])
        fixed = used.get(wk, 0)
        total = fixed + sum(_minutes(o.kind, schedule) for o in members)
        if total <= budget:
            continue
        before = total
        count = 0
        while total > budget and members:
            victim = min(
                members,
                key=lambda o: _drop_key(o, members, held.get((wk, o.kind), 0), schedule, approved),
            )
            members.remove(victim)
            dropped.add(victim.id)
            total -= _minutes(victim.kind, schedule)
            count += 1
        words = _words(language)
        note = (
            i18n.language(language)
            .ngettext(
                "week of {week}: dropped {count} slot to fit the {budget}-minute budget "
                "({before} minutes planned)",
                "week of {week}: dropped {count} slots to fit the {budget}-minute budget "
                "({before} minutes planned)",
                count,
            )
            .format(
                week=wk.strftime("%d/%m/%Y") if language == "fr" else wk.isoformat(),
                count=count,
                budget=budget,
                before=before,
            )
        )
        if total > budget:
            note += words["over budget"].format(total=total)
        notes.append(note)
    return [o for o in opens if o.id not in dropped], notes


def _drop_key(
    o: _Open,
    members: Sequence[_Open],
    held: int,
    schedule: Schedule,
    approved: Mapping[int, Candidate],
) -> tuple[int, float, int, float, str]:
    share = held + sum(_minutes(m.kind, schedule) for m in members if m.kind is o.kind)
    if o.previous is None:
        value = 0.0
    elif o.kind is SlotKind.ORIGINAL:
        value = ORIGINAL_VALUE
    elif o.sticky_item is not None:
        value = approved[o.sticky_item].score
    else:
        value = 0.0
    stored = 0 if o.previous is None else 1
    # min() drops: new before stored, low value first, the kind holding more minutes, latest first
    return (stored, value, -share, -o.starts_at.timestamp(), o.id)


@dataclass(frozen=True, slots=True)
class _Entry:
    """One relay slot of the timeline, frozen or open, for spacing checks."""

    starts_at: datetime
    id: str
    item: int | None
    open: _Open | None


def _timeline(opens: Sequence[_Open], frozen: Iterable[Slot]) -> list[_Entry]:
    entries = [
        _Entry(s.starts_at, s.id, s.item_id, None) for s in frozen if s.kind is SlotKind.RELAY
    ]
    entries += [_Entry(o.starts_at, o.id, o.item, o) for o in opens if o.kind is SlotKind.RELAY]
    entries.sort(key=lambda e: (e.starts_at, e.id))
    return entries


def _same_story(a: Candidate | None, b: Candidate | None) -> bool:
    return a is not None and b is not None and a.cluster_key == b.cluster_key


def _fresh(c: Candidate, at: datetime, schedule: Schedule) -> bool:
    return c.reference_at is None or c.reference_at >= _oldest(at, schedule)


def _oldest(at: datetime, schedule: Schedule) -> datetime:
    """The oldest an item may be to be relayed at `at`."""
    return at - timedelta(days=schedule.max_age_days)


def _overlap(a: Sequence[str], b: Sequence[str]) -> float:
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def _fill_with_comments_first(
    opens: list[_Open],
    frozen: list[Slot],
    schedule: Schedule,
    approved: Mapping[int, Candidate],
    info: Mapping[int, Candidate],
) -> None:
    """Fill by score; if that leaves a commented approval out, fill again commented first.

    A comment is invested effort that makes the slot ready at once, so it should win a slot
    over an uncommented item. Filling commented-first unconditionally, though, can cost a slot:
    in time order it may put two items of one feed in reach of each other and leave a slot
    empty that the score order filled. So the commented-first plan is kept only when it places
    more commented items and no fewer items in all. Items kept from the stored plan (sticky)
    keep their slots in both passes, so a new commented approval never reshuffles the queue.
    """
    min_chars = schedule.min_comment_chars
    initial = [o.sticky_item for o in opens]
    _fill_relays(opens, frozen, schedule, approved, info, ready_first=False)
    used = {s.item_id for s in frozen if s.item_id is not None}

    def placed() -> tuple[int, int]:
        items = [approved[o.item] for o in opens if o.item is not None]
        return len(items), sum(1 for c in items if _commented(c, min_chars))

    waiting = [
        c
        for c in approved.values()
        if _commented(c, min_chars)
        and c.item_id not in used
        and all(o.item != c.item_id for o in opens)
    ]
    if not waiting:
        return
    by_score = [(o.item, o.sticky_item) for o in opens]
    total, commented = placed()
    for o, sticky in zip(opens, initial, strict=True):
        o.item, o.sticky_item = None, sticky
    ready_first = {
        c.item_id: c for c in sorted(approved.values(), key=lambda c: _fill_order(c, min_chars))
    }
    _fill_relays(opens, frozen, schedule, ready_first, info, ready_first=True)
    total2, commented2 = placed()
    if commented2 <= commented or total2 < total:
        for o, (item, sticky) in zip(opens, by_score, strict=True):
            o.item, o.sticky_item = item, sticky


def _fill_relays(
    opens: list[_Open],
    frozen: list[Slot],
    schedule: Schedule,
    approved: Mapping[int, Candidate],
    info: Mapping[int, Candidate],
    *,
    ready_first: bool,
) -> None:
    """Fill open relay slots in time order, keeping valid existing assignments.

    Repeats until nothing changes, feeding each round's result back as the existing assignment:
    that makes the plan a fixed point, so planning its own output changes nothing.
    """
    used = {s.item_id for s in frozen if s.item_id is not None}
    # Variety first: the plan that keeps every feed apart, then (issue 16) the items it could
    # not place at all go to the slots it left empty, even beside a relay of the same feed. So
    # a repeat never takes the place of an item that varies, nor moves one.
    for lenient in (False, True):
        for _ in range(MAX_REFILL_ROUNDS):
            before = [(o.id, o.item) for o in opens]
            _fill_once(opens, frozen, schedule, approved, info, used, ready_first, lenient)
            for o in opens:
                o.sticky_item = o.item
            if [(o.id, o.item) for o in opens] == before:
                break


def _fill_once(
    opens: list[_Open],
    frozen: list[Slot],
    schedule: Schedule,
    approved: Mapping[int, Candidate],
    info: Mapping[int, Candidate],
    used: set[int],
    ready_first: bool,
    lenient: bool = False,
) -> None:
    """One fill round. `approved` iterates in fill order: by score, or commented first when
    `ready_first`. With `lenient`, a slot nothing else fits may repeat a nearby relay's feed."""
    timeline = _timeline(opens, frozen)
    reserved: dict[int, str] = {}
    for o in opens:
        if o.kind is SlotKind.RELAY and o.sticky_item is not None:
            if o.sticky_item in used or o.sticky_item in reserved:
                o.sticky_item = None
            else:
                reserved[o.sticky_item] = o.id
    taken: set[int] = set(used)
    owners = {o.id: o for o in opens}
    placed: list[int | None] = []  # the items of the timeline so far, in order
    for idx, entry in enumerate(timeline):
        slot = entry.open
        if slot is None:
            placed.append(entry.item)
            continue
        around = _around(timeline, idx, placed, info, schedule.same_source_gap)
        if slot.busy:
            around = replace(around, busy=slot.busy)
        choice: int | None = None
        sticky = approved[slot.sticky_item] if slot.sticky_item is not None else None
        if sticky is not None:
            reserved.pop(sticky.item_id, None)
            # A relay kept as it is after the slot was placed after the item the slot holds:
            # if it repeats that item's feed, the repeat is its own, and must not move this one.
            if _eligible(sticky, slot.starts_at, schedule, replace(around, sources=around.earlier)):
                choice = sticky.item_id
        if choice is None:
            free = (
                c for c in approved.values() if c.item_id not in taken and c.item_id not in reserved
            )
            choice = _best(free, slot.starts_at, schedule, around, ready_first)
        if choice is None:
            # Rather than leave a gap before a queued item, pull the best one forward (a freed
            # slot takes the next best approved item); the slot it leaves is refilled in turn.
            queued = sorted(
                (approved[i] for i in reserved),
                key=lambda c: _fill_order(c, schedule.min_comment_chars if ready_first else None),
            )
            choice = _best(queued, slot.starts_at, schedule, around, ready_first)
            if choice is not None:
                owners[reserved.pop(choice)].sticky_item = None
        apart = replace(around, sources=())  # one story still never twice in a row
        if (
            choice is None
            and sticky is not None
            and around.sources
            and _eligible(sticky, slot.starts_at, schedule, apart)
        ):
            # The item the slot held keeps it when it only repeats a feed nearby and no item
            # that varies fits: it was placed beside that feed before (a repeat, issue 16), and
            # a neighbour frozen since (commented, pinned) must not move it, or planning its
            # own output would reshuffle the plan.
            choice = sticky.item_id
        if choice is None and lenient and around.sources:
            # Variety is a preference (issue 16): rather than an empty slot, an item from a
            # feed used nearby.
            free = (
                c for c in approved.values() if c.item_id not in taken and c.item_id not in reserved
            )
            choice = _best(free, slot.starts_at, schedule, apart, ready_first)
        slot.item = choice
        if choice is not None:
            taken.add(choice)
        placed.append(choice)


def _best(
    pool: Iterable[Candidate],
    at: datetime,
    schedule: Schedule,
    around: _Around,
    ready_first: bool = False,
) -> int | None:
    """The best eligible candidate of a pool sorted by `_fill_order`, best first.

    With `ready_first`, commented items come first whatever their score; within each group the
    topic penalty decides between close scores.
    """
    best: tuple[int, float, int] | None = None
    oldest = _oldest(at, schedule)
    for c in pool:
        ready = 1 if ready_first and _commented(c, schedule.min_comment_chars) else 0
        if best is not None and (ready, c.score) < best[:2]:
            break  # sorted: no later candidate can beat this (a penalty only lowers a score)
        # The first two checks of `_eligible`, done here with `oldest` computed once: this loop
        # runs for every candidate of every slot, and going through `_eligible` alone makes
        # planning 5,000 items 2.4x slower (bench/plan.py).
        if c.score < schedule.min_score:
            continue  # not break: an uncommented item further on may still clear the floor
        if c.reference_at is not None and c.reference_at < oldest:
            continue
        if not _eligible(c, at, schedule, around):
            continue
        prev_c = around.prev
        penalty = _overlap(c.topics, prev_c.topics) if prev_c is not None else 0.0
        # ties go to the lower item id, so the choice never depends on input order
        key = (ready, c.score * (1.0 - TOPIC_PENALTY * penalty), -c.item_id)
        if best is None or key > best:
            best = key
    return -best[2] if best is not None else None


def _eligible(c: Candidate, at: datetime, schedule: Schedule, around: _Around) -> bool:
    return (
        c.score >= schedule.min_score
        and _fresh(c, at, schedule)
        and not _same_story(c, around.prev)
        and not _same_story(c, around.next)
        and all(c.feed_id != n.feed_id for n in around.sources)
        and c.cluster_key not in around.busy
    )


@dataclass(frozen=True, slots=True)
class _Around:
    """What spacing looks at around a relay slot: the adjacent relays (one story never twice in
    a row; the previous one's topics) and the relays within `same_source_gap` on each side
    (their feeds, avoided while another item fits)."""

    prev: Candidate | None = None
    next: Candidate | None = None
    sources: tuple[Candidate, ...] = ()
    busy: frozenset[int] = frozenset()  # stories another profile relays that day (issue 17)
    # The relays among `sources` that come before the slot. Those after it are kept as they
    # are (commented, pinned): filled after the item the slot holds, beside it if they repeat
    # its feed, so only these judge whether that item still keeps apart.
    earlier: tuple[Candidate, ...] = ()


def _around(
    timeline: Sequence[_Entry],
    idx: int,
    placed: Sequence[int | None],
    info: Mapping[int, Candidate],
    gap: int,
) -> _Around:
    """`placed` holds the items chosen for the entries before `idx`; after it, only frozen
    slots are known (open ones are decided later in the round, and check this one then)."""

    def known(item: int | None) -> Candidate | None:
        return info.get(item) if item is not None else None

    after = [known(e.item) if e.open is None else None for e in timeline[idx + 1 : idx + 1 + gap]]
    before = [known(item) for item in placed[max(0, len(placed) - gap) :]] if gap else []
    prev = known(placed[-1]) if placed else None
    nxt = timeline[idx + 1] if idx + 1 < len(timeline) else None
    next_c = known(nxt.item) if nxt is not None and nxt.open is None else None
    earlier = tuple(c for c in before if c is not None)
    return _Around(prev, next_c, (*earlier, *(c for c in after if c is not None)), earlier=earlier)


def _assign_topics(
    opens: list[_Open], frozen: list[Slot], themes: Sequence[str], objective: str
) -> None:
    pool = [t.strip() for t in themes if t and t.strip()]
    pool = list(dict.fromkeys(pool))  # unique, order kept
    fallback = _objective_topic(objective)
    originals = [o for o in opens if o.kind is SlotKind.ORIGINAL]
    taken = {s.topic for s in frozen if s.kind is SlotKind.ORIGINAL and s.topic}
    taken |= {o.sticky_topic for o in originals if o.sticky_topic}
    fresh = [t for t in pool if t not in taken]
    cursor = 0
    for o in originals:
        if o.sticky_topic:
            continue
        if fresh:
            o.sticky_topic = fresh[cursor % len(fresh)]
            cursor += 1
        elif pool:
            o.sticky_topic = pool[cursor % len(pool)]
            cursor += 1
        else:
            o.sticky_topic = fallback


def _objective_topic(objective: str) -> str | None:
    text = " ".join(objective.split())
    if not text:
        return None
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return first if len(first) <= 120 else first[:117].rstrip() + "…"


def _render(
    o: _Open,
    profile: str,
    schedule: Schedule,
    approved: Mapping[int, Candidate],
    info: Mapping[int, Candidate],
    timeline: Sequence[_Entry],
    starter_for: Callable[[int], str | None] | None,
    language: str,
) -> Slot:
    # Every rendered slot shares its identity and effort; only what fills it differs.
    base = Slot(
        id=o.id,
        profile=profile,
        starts_at=o.starts_at,
        kind=o.kind,
        status=SlotStatus.EMPTY,
        minutes=_minutes(o.kind, schedule),
    )
    prev = o.previous
    if o.kind is SlotKind.ORIGINAL:
        comment = prev.comment if prev is not None and _has_comment(prev) else None
        pinned = prev.pinned if prev is not None else False
        if o.sticky_topic is None:
            return replace(
                base,
                empty_reason=_words(language)["no topic"],
                comment=comment,
                pinned=pinned,
            )
        return replace(
            base,
            status=_status_for(comment, schedule.min_comment_chars),
            topic=o.sticky_topic,
            comment=comment,
            pinned=pinned,
        )
    if o.item is None:
        reason = _empty_reason(o, schedule, approved, info, timeline, language)
        return replace(base, empty_reason=reason)
    c = approved[o.item]
    comment = c.comment if c.comment and c.comment.strip() else None
    return replace(
        base,
        status=_status_for(comment, schedule.min_comment_chars),
        item_id=o.item,
        comment=comment,
        comment_starter=_starter(o, c, starter_for),
    )


def _starter(o: _Open, c: Candidate, starter_for: Callable[[int], str | None] | None) -> str | None:
    if c.starter:
        return c.starter
    prev = o.previous
    if prev is not None and prev.item_id == c.item_id and prev.comment_starter:
        # keep the starter the user may have already read; recomputing it (the scorer's corpus
        # statistics move) would bump the slot's sequence for nothing
        return prev.comment_starter
    return starter_for(c.item_id) if starter_for is not None else None


def _variety_notes(
    timeline: Sequence[_Entry],
    info: Mapping[int, Candidate],
    gap: int,
    tz: tzinfo,
    language: str,
) -> dict[str, str]:
    """Which rule decided (issue 16): each open relay that repeats the feed of one of the `gap`
    relays before it, with the slot it repeats, judged on the final plan like empty reasons."""
    words = _words(language)
    notes: dict[str, str] = {}
    for idx, entry in enumerate(timeline):
        c = info.get(entry.item) if entry.item is not None else None
        if entry.open is None or c is None:
            continue
        for earlier in reversed(timeline[max(0, idx - gap) : idx]):
            e = info.get(earlier.item) if earlier.item is not None else None
            if e is not None and e.feed_id == c.feed_id:
                when = _when(earlier.starts_at.astimezone(tz), language)
                notes[entry.id] = words["same source"].format(slot=entry.id, when=when)
                break
    return notes


def _busy_days(team: Sequence[TeamRelay], tz: tzinfo) -> dict[date, frozenset[int]]:
    """The stories the other profiles relay, by local date in this profile's zone."""
    days: dict[date, set[int]] = {}
    for t in team:
        days.setdefault(t.starts_at.astimezone(tz).date(), set()).add(t.cluster_key)
    return {day: frozenset(keys) for day, keys in days.items()}


def _team_notes(
    approved: Mapping[int, Candidate],
    team: Sequence[TeamRelay],
    now: datetime,
    tz: tzinfo,
    language: str,
) -> dict[int, str]:
    """For each approved item whose story a colleague relays from today on: who, and when (the
    earliest such relay), in item order so the notes never depend on input order."""
    today = local_midnight(now.astimezone(tz).date(), tz)
    first: dict[int, TeamRelay] = {}
    for t in sorted(team, key=lambda t: (t.starts_at, t.profile, t.item_id)):
        if t.starts_at >= today:
            first.setdefault(t.cluster_key, t)
    words = _words(language)
    notes: dict[int, str] = {}
    for item_id in sorted(approved):
        relay = first.get(approved[item_id].cluster_key)
        if relay is not None:
            when = _when(relay.starts_at.astimezone(tz), language)
            notes[item_id] = words["team"].format(item=item_id, profile=relay.profile, when=when)
    return notes


def _when(local: datetime, language: str) -> str:
    """ "Monday 7 Dec 09:00" / "lundi 7 déc. à 09:00"."""
    t = i18n.language(language)
    # TRANSLATORS: a Babel (LDML) date pattern; quote words: 'à'.
    return t.format_datetime(local, t._("EEEE d MMM HH:mm"))


def _empty_reason(
    o: _Open,
    schedule: Schedule,
    approved: Mapping[int, Candidate],
    info: Mapping[int, Candidate],
    timeline: Sequence[_Entry],
    language: str,
) -> str:
    """Why nothing fits, judged on the final plan so that the reason is stable too."""
    words = _words(language)
    if not approved:
        return words["none approved"]
    assigned = {e.item for e in timeline if e.item is not None}
    spare = [c for c in approved.values() if c.item_id not in assigned]
    if not spare:
        return words["all planned"]
    idx = next(i for i, e in enumerate(timeline) if e.id == o.id)
    neighbours = [
        info.get(timeline[j].item)  # type: ignore[arg-type]
        for j in (idx - 1, idx + 1)
        if 0 <= j < len(timeline) and timeline[j].item is not None
    ]
    weak = old = spaced = relayed = 0
    for c in spare:
        if c.score < schedule.min_score:
            weak += 1
        elif not _fresh(c, o.starts_at, schedule):
            old += 1
        elif any(_same_story(c, n) for n in neighbours):
            spaced += 1
        elif c.cluster_key in o.busy:
            relayed += 1
    # Categories, not counts: a reason that changed with every new approval would bump the
    # slot's sequence and churn subscribed calendars for nothing.
    parts = []
    if weak:
        parts.append(words["weak"].format(floor=_number(schedule.min_score, language)))
    if old:
        parts.append(words["old"].format(days=_number(schedule.max_age_days, language)))
    if spaced:
        parts.append(words["spaced"])
    if relayed:
        parts.append(words["team day"])
    if not parts:  # cannot happen after a converged fill; say something true anyway
        return words["nothing fits"]
    return words["fits none"] + words["separator"].join(parts)


# Why a slot stays empty, and the planner's notes, in the profile's language (the grid, the
# digest and the calendar show them as stored). The English texts are the msgids; `--json`
# gives the key of the first one that reads a stored reason as its code (EMPTY_REASON_CODES).
_WORDS = {
    "no topic": N_("no objective or recent theme to suggest a topic"),
    "none approved": N_("no approved item: approve items in the review queue"),
    "all planned": N_("every approved item is already planned"),
    "weak": N_("below the quality floor ({floor})"),
    "old": N_("older than {days} days at this time"),
    "spaced": N_("same story as a neighbouring relay"),
    "same source": N_(
        "{slot}: same source as the relay of {when}: approve an item from another feed to vary"
    ),
    "team day": N_("a colleague relays the same story that day"),
    "team": N_("item #{item}: {profile} relays this story on {when}; not the same day here"),
    "nothing fits": N_("no approved item fits this slot"),
    "fits none": N_("no approved item fits: "),
    "separator": N_("; "),
    "refilled": N_("{slot}: item #{item} is no longer approved, the slot is refilled"),
    "comment lost": N_('; its comment was dropped: "{comment}"'),
    "over budget": N_("; pinned, commented and published slots alone take {total} minutes"),
}
# Why a slot is empty, as a code for scripts (`calendar --json`, issue 16): the stored text is
# in the profile's language.
EMPTY_REASON_CODES = {
    "no topic": "no_topic",
    "none approved": "none_approved",
    "all planned": "all_planned",
    "fits none": "no_fit",
    "nothing fits": "no_fit",
}


def _words(language: str) -> dict[str, str]:
    t = i18n.language(language)
    return {key: t.gettext(text) for key, text in _WORDS.items()}


def empty_reason_code(reason: str | None) -> str | None:
    """The code of a stored empty reason, whatever the language it was written in; "other"
    for a reason this version does not write."""
    if not reason:
        return None
    for language in i18n.LANGUAGES:
        words = _words(language)
        for key, code in EMPTY_REASON_CODES.items():
            if reason.startswith(words[key]):
                return code
    return "other"


def _number(value: float, language: str) -> str:
    return i18n.language(language).format_decimal(value, "0.######")


def themes_from(
    scores: Sequence[Score],
    *,
    titles: Mapping[int, str] | None = None,
    n: int = 6,
    language: str = "en",
) -> list[str]:
    """Recent high-scoring themes, best first: the why-terms of top items, weighted by score.

    With `titles`, each theme names the best item it came from, so the suggestion reads as an
    angle ("onboarding · “Onboarding des profils tech”") rather than a bare word.
    """
    weight: dict[str, float] = {}
    shown: dict[str, str] = {}
    example: dict[str, tuple[float, int]] = {}
    for score in scores:
        if score.blocked:
            continue
        for term in score.matched:
            key = term.text.casefold().strip()
            if not key:
                continue
            shown.setdefault(key, term.text.strip())
            weight[key] = weight.get(key, 0.0) + max(score.final, 0.0) * max(term.weight, 0.0)
            if key not in example or (score.final, -score.item_id) > (
                example[key][0],
                -example[key][1],
            ):
                example[key] = (score.final, score.item_id)
    best = [k for k in sorted(weight, key=lambda k: (-weight[k], k)) if weight[k] > 0][:n]
    themes = []
    for key in best:
        title = (titles or {}).get(example[key][1])
        if title:
            # French typography: « guillemets » with non-breaking spaces inside.
            opening, closing = ("«\u00a0", "\u00a0»") if language == "fr" else ("“", "”")
            themes.append(f"{shown[key]} · {opening}{' '.join(title.split())}{closing}")
        else:
            themes.append(shown[key])
    return themes


def topic_items(topic: str, scores: Sequence[Score], n: int = 3) -> list[int]:
    """The items an original post's topic comes from (issue 16): the best-scored ones whose
    reasons name its theme (the part before " · " that `themes_from` adds), best first."""
    theme = topic.partition(" · ")[0].casefold().strip()
    if not theme:
        return []
    found = [
        s
        for s in scores
        if not s.blocked and any(t.text.casefold().strip() == theme for t in s.why)
    ]
    found.sort(key=lambda s: (-s.final, s.item_id))
    return [s.item_id for s in found[:n]]


# -- comment starters ---------------------------------------------------------------------------


def lead_sentences(text: str, n: int = 2, *, title: str = "", max_chars: int = 240) -> list[str]:
    """The first sentences of a text that are not just its title: a fallback starter when no
    smarter sentence picker is available."""
    flat = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    skip = " ".join(title.split()).rstrip(".!?…").casefold()
    found = []
    for sentence in re.split(r"(?<=[.!?…])\s+", flat):
        if len(sentence) < 20 or (skip and sentence.rstrip(".!?…").casefold() == skip):
            continue
        found.append(sentence if len(sentence) <= max_chars else sentence[: max_chars - 1] + "…")
        if len(found) == n:
            break
    return found


def comment_starter(
    sentences: Sequence[str], terms: Sequence[str], *, language: str = "en"
) -> str | None:
    """A starter for the user's comment: the item's key sentences and the objective terms it meets.

    It helps the user begin; it is never meant to be posted as is.
    """
    lines = [f"> {' '.join(s.split())}" for s in sentences if s and s.strip()]
    words = [t for t in dict.fromkeys(terms) if t]
    if words:
        label = "Votre objectif : " if language == "fr" else "Your objective: "
        lines.append(label + ", ".join(words))
    return "\n".join(lines) or None


# -- the user's actions -------------------------------------------------------------------------


def _revised(slot: Slot, now: datetime, **changes: object) -> Slot:
    new = replace(slot, **changes)  # type: ignore[arg-type]
    if _content(new) == _content(slot):
        return slot
    return replace(new, sequence=slot.sequence + 1, updated_at=now)


def comment_slot(slot: Slot, text: str, schedule: Schedule, now: datetime) -> Slot:
    """Write (or rewrite) the user's comment; the slot is ready once it is long enough."""
    if slot.status in (SlotStatus.PUBLISHED, SlotStatus.SKIPPED):
        raise InvalidAction(
            i18n.Message(
                N_("slot {id} is {status}: its comment is final"),
                id=slot.id,
                status=i18n.Message(slot.status.value),
            )
        )
    if slot.kind is SlotKind.RELAY and slot.item_id is None:
        raise InvalidAction(i18n.Message(N_("slot {id} has no item to comment on"), id=slot.id))
    cleaned = text.strip()
    comment = cleaned or None
    return _revised(
        slot,
        now,
        comment=comment,
        status=_status_for(comment, schedule.min_comment_chars),
    )


def pin_slot(slot: Slot, now: datetime, *, pinned: bool = True) -> Slot:
    """Pin (or unpin) a slot: a pinned slot keeps its time and content when the plan is redone."""
    if slot.status in (SlotStatus.PUBLISHED, SlotStatus.SKIPPED):
        raise InvalidAction(
            i18n.Message(
                N_("slot {id} is {status}: it no longer moves"),
                id=slot.id,
                status=i18n.Message(slot.status.value),
            )
        )
    if pinned and slot.status is SlotStatus.EMPTY:
        raise InvalidAction(
            i18n.Message(N_("slot {id} is empty: there is nothing to pin"), id=slot.id)
        )
    return _revised(slot, now, pinned=pinned)


def mark_done(
    slot: Slot, now: datetime, *, url: str | None = None, published_at: datetime | None = None
) -> Slot:
    """Record that the slot was published: when (default now) and where (an http(s) URL)."""
    if slot.status is SlotStatus.PUBLISHED:
        raise InvalidAction(i18n.Message(N_("slot {id} is already marked published"), id=slot.id))
    url = (url or "").strip() or None
    if url is not None and not is_web_url(url):
        # It becomes a link in the .ics and the digest: never `javascript:` (issue 13).
        raise InvalidAction(
            i18n.Message(
                N_("not a web address: {url}; give the http:// or https:// URL of the post"),
                url=repr(url[:200]),
            )
        )
    when = (published_at or now).astimezone(UTC)
    return _revised(slot, now, status=SlotStatus.PUBLISHED, published_at=when, published_url=url)


def skip_slot(slot: Slot, now: datetime) -> Slot:
    """Skip a slot. Its item goes back to the approved pool and takes the next free fitting slot."""
    if slot.status is SlotStatus.PUBLISHED:
        raise InvalidAction(i18n.Message(N_("slot {id} is already published"), id=slot.id))
    return _revised(
        slot, now, status=SlotStatus.SKIPPED, item_id=None, pinned=False, comment_starter=None
    )


# -- results log --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeekLog:
    """One local week of the results log: the rhythm actually kept, and the time it took."""

    week: date  # the Monday
    planned: int  # slots that were due this week (not skipped)
    published: int
    published_relays: int
    published_originals: int
    skipped: int
    missed: int  # due before now, neither published nor skipped
    minutes_spent: int
    budget: int | None
    published_slots: tuple[Slot, ...] = ()


def results_log(
    slots: Sequence[Slot], timezone: str | tzinfo, schedule: Schedule, now: datetime
) -> list[WeekLog]:
    """Per local week up to now: what was published when, the rhythm, time spent vs budget."""
    tz = zone(timezone)
    weeks: dict[date, list[Slot]] = {}
    for s in slots:
        if s.starts_at <= now or s.status is SlotStatus.PUBLISHED:
            weeks.setdefault(local_week(s.published_at or s.starts_at, tz), []).append(s)
    logs: list[WeekLog] = []
    for wk in sorted(weeks):
        members = sorted(weeks[wk], key=lambda s: (s.published_at or s.starts_at, s.id))
        published = [s for s in members if s.status is SlotStatus.PUBLISHED]
        skipped = [s for s in members if s.status is SlotStatus.SKIPPED]
        missed = [
            s
            for s in members
            if s.status not in (SlotStatus.PUBLISHED, SlotStatus.SKIPPED) and s.starts_at <= now
        ]
        logs.append(
            WeekLog(
                week=wk,
                planned=len(members) - len(skipped),
                published=len(published),
                published_relays=sum(1 for s in published if s.kind is SlotKind.RELAY),
                published_originals=sum(1 for s in published if s.kind is SlotKind.ORIGINAL),
                skipped=len(skipped),
                missed=len(missed),
                minutes_spent=sum(s.minutes for s in published),
                budget=schedule.weekly_minutes,
                published_slots=tuple(published),
            )
        )
    return logs
