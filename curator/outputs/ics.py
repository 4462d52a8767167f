"""The editorial plan as an iCalendar (RFC 5545) calendar: a pure renderer over curator.types.

This is the only module that imports icalendar. It reads no clock, database or network: the
caller passes the slots, their items and scores, and `now`. The same inputs always give the same
bytes, which is what lets the subscription endpoint answer 304 and lets a golden file pin the
output.

Choices that calendar clients depend on (issue 8):
- UID is derived from the slot's stable id, so re-exports update events in place instead of
  multiplying them.
- SEQUENCE is the slot's sequence as stored: the planner bumps it on every change, removal
  included, so a client holding the live version accepts the cancellation (RFC 5545 3.8.7.4).
- DTSTAMP is the slot's last change, not the export time: with METHOD:PUBLISH it only has to
  order revisions, and a body that changes on every request would defeat ETag/304.
- Times are written in UTC (no VTIMEZONE needed); the local wall-clock time is repeated in the
  description so the user can check it across DST changes.
- `now` only matters twice: the DTSTAMP of a slot with no recorded change, and leaving out the
  reminder of a slot already started. So the body (and its ETag) changes when the plan changes
  or a slot starts, not on every request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event, vDuration, vText

from curator.errors import ConfigError, ExportError
from curator.outputs.words import (
    EN_SHORT_MONTHS,
    EN_SHORT_WEEKDAYS,
    FR_SHORT_MONTHS,
    FR_SHORT_WEEKDAYS,
    one_line,
    profile_language,
    shorten,
)
from curator.plan import needs_comment
from curator.types import (
    CalendarSettings,
    Item,
    Profile,
    Score,
    Slot,
    SlotKind,
    SlotStatus,
)

PRODID = "-//curator//curator editorial calendar//EN"
UID_DOMAIN = "curator"

# RFC 5545 3.3.11: TEXT excludes control characters other than HTAB; newlines are escaped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


class _Text(vText):
    """vText with the RFC 5545 3.3.11 escaping done in one pass.

    icalendar's escaper first turns a literal backslash-N into a line break, so a title such as
    "C:\\New" would come back as "C:" + newline + "ew". Only the escaping differs; folding and
    the rest of the serialisation stay icalendar's.
    """

    __slots__ = ()

    def to_ical(self) -> bytes:
        return escape_text(str(self)).encode("utf-8")


def escape_text(text: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 3.3.11)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for char in text:
        if char in "\\;,":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        else:
            out.append(char)
    return "".join(out)


def clean_text(text: str) -> str:
    """Drop the control characters TEXT may not carry; keep tabs and line breaks."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


SUMMARY_CHARS = 90  # calendar grids show a few words; the full text is in the description


@dataclass(frozen=True, slots=True)
class _Words:
    """The user-facing strings of one language."""

    relay: str
    relay_open: str
    original: str
    original_untitled: str
    relay_category: str
    original_category: str
    when: str
    link: str
    source: str
    your_comment: str
    your_draft: str
    comment_needed: str
    starter: str
    topic: str
    empty: str
    why: str
    score: str
    relevance: str
    published: str
    published_url: str
    skipped: str
    cancelled: str
    calendar_name: str
    reminder: str
    weekdays: tuple[str, ...]
    months: tuple[str, ...]
    decimal: str


_EN = _Words(
    relay="Relay: {title}",
    relay_open="Relay: open slot",
    original="Original post: {topic}",
    original_untitled="Original post",
    relay_category="Relay",
    original_category="Original post",
    when="When: {when} ({zone}), {minutes} min",
    link="Link: {url}",
    source="Source: {name}",
    your_comment="Your comment:",
    your_draft="Your draft:",
    comment_needed=(
        "COMMENT NEEDED: write your own comment (at least {chars} characters) before relaying."
    ),
    starter="Comment starter:",
    topic="Topic: {topic}",
    empty="Nothing good enough for this slot yet: {reason}",
    why="Why: {terms}",
    score="Score: {score}",
    relevance="relevance",
    published="Published on {when}.",
    published_url="Published: {url}",
    skipped="Skipped.",
    cancelled="This slot was removed from the plan.",
    calendar_name="curator: {profile}",
    reminder="Reminder: {summary}",
    weekdays=EN_SHORT_WEEKDAYS,
    months=EN_SHORT_MONTHS,
    decimal=".",
)

_FR = _Words(
    relay="Relais : {title}",
    relay_open="Relais : créneau libre",
    original="Post original : {topic}",
    original_untitled="Post original",
    relay_category="Relais",
    original_category="Post original",
    when="Quand : {when} ({zone}), {minutes} min",
    link="Lien : {url}",
    source="Source : {name}",
    your_comment="Votre commentaire :",
    your_draft="Votre brouillon :",
    comment_needed=(
        "COMMENTAIRE À ÉCRIRE : rédigez votre propre commentaire (au moins {chars} caractères) "
        "avant de relayer."
    ),
    starter="Amorce :",
    topic="Sujet : {topic}",
    empty="Rien d'assez bon pour ce créneau pour l'instant : {reason}",
    why="Pourquoi : {terms}",
    score="Score : {score}",
    relevance="pertinence",
    published="Publié le {when}.",
    published_url="Publié : {url}",
    skipped="Ignoré.",
    cancelled="Ce créneau a été retiré du planning.",
    calendar_name="curator : {profile}",
    reminder="Rappel : {summary}",
    weekdays=FR_SHORT_WEEKDAYS,
    months=FR_SHORT_MONTHS,
    decimal=",",
)


def _words(language: str) -> _Words:
    return _FR if language == "fr" else _EN


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise ExportError(f"{what} is a naive datetime; curator stores aware UTC times")
    return value.astimezone(UTC).replace(microsecond=0)


def _zone(profile: Profile) -> ZoneInfo:
    try:
        return ZoneInfo(profile.timezone)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigError(
            f"unknown time zone {profile.timezone!r}", field=f"profiles.{profile.name}.timezone"
        ) from e


def _local_when(moment: datetime, zone: ZoneInfo, words: _Words) -> str:
    local = moment.astimezone(zone)
    day = words.weekdays[local.weekday()]
    month = words.months[local.month - 1]
    return f"{day} {local.day} {month} {local.year}, {local:%H:%M}"


def _number(value: float, words: _Words) -> str:
    return f"{value:.2f}".replace(".", words.decimal)


def _is_url(value: str) -> bool:
    # URL is a URI value (not TEXT): nothing escapes it, so whitespace would break the line.
    return value.startswith(("http://", "https://")) and not (
        _SPACES.search(value) or _CONTROL.search(value)
    )


def _status(slot: Slot, cancelled: bool) -> str:
    if cancelled or slot.status is SlotStatus.SKIPPED:
        return "CANCELLED"
    if slot.status in (SlotStatus.READY, SlotStatus.PUBLISHED):
        return "CONFIRMED"
    return "TENTATIVE"


def _summary(slot: Slot, item: Item | None, words: _Words, *, limit: int | None) -> str:
    def cut(text: str) -> str:
        return shorten(text, limit) if limit else text

    if slot.kind is SlotKind.RELAY:
        if item is not None and one_line(item.title):
            return words.relay.format(title=cut(one_line(item.title)))
        if item is None and slot.item_id is not None:
            return words.relay.format(title=f"#{slot.item_id}")
        return words.relay_open
    topic = one_line(slot.topic or "")
    return words.original.format(topic=cut(topic)) if topic else words.original_untitled


def _description(
    slot: Slot,
    item: Item | None,
    score: Score | None,
    profile: Profile,
    zone: ZoneInfo,
    words: _Words,
    *,
    cancelled: bool,
) -> str:
    lines: list[str] = []
    full = _summary(slot, item, words, limit=None)
    if full != _summary(slot, item, words, limit=SUMMARY_CHARS):
        lines.append(full)  # the summary was shortened: the title in full, first
    when = _local_when(slot.starts_at, zone, words)
    lines.append(words.when.format(when=when, zone=profile.timezone, minutes=slot.minutes))
    if cancelled:
        lines.append(words.cancelled)
    if slot.status is SlotStatus.SKIPPED:
        lines.append(words.skipped)
    if slot.status is SlotStatus.PUBLISHED:
        if slot.published_at is not None:
            lines.append(words.published.format(when=_local_when(slot.published_at, zone, words)))
        # Only web addresses, even in text (a URL stored by an older curator was unchecked).
        if slot.published_url and _is_url(slot.published_url):
            lines.append(words.published_url.format(url=one_line(slot.published_url)))
    if item is not None and item.url and _is_url(item.url):
        lines.append(words.link.format(url=one_line(item.url)))
    if item is not None and item.feed_name:
        lines.append(words.source.format(name=one_line(item.feed_name)))
    if slot.topic and slot.kind is SlotKind.RELAY:
        lines.append(words.topic.format(topic=one_line(slot.topic)))
    if slot.status is SlotStatus.EMPTY and slot.empty_reason:
        lines.append(words.empty.format(reason=one_line(slot.empty_reason)))

    comment = clean_text(slot.comment or "").strip()
    if comment:
        label = words.your_comment if slot.kind is SlotKind.RELAY else words.your_draft
        lines += ["", label, comment]
    if needs_comment(slot):
        lines += ["", words.comment_needed.format(chars=profile.schedule.min_comment_chars)]
    starter = clean_text(slot.comment_starter or "").strip()
    if starter:
        lines += ["", words.starter, starter]

    if score is not None:
        lines.append("")
        if score.why:
            # Terms only: their weights are tiny TF-IDF products that mean nothing to a reader.
            terms = ", ".join(one_line(t.text) for t in score.why)
            lines.append(words.why.format(terms=terms))
        detail = f"{_number(score.final, words)} ({words.relevance} "
        detail += f"{_number(score.relevance, words)})"
        lines.append(words.score.format(score=detail))
    return "\n".join(lines)


def _event(
    slot: Slot,
    items: Mapping[int, Item],
    scores: Mapping[int, Score],
    profile: Profile,
    settings: CalendarSettings,
    zone: ZoneInfo,
    words: _Words,
    *,
    now: datetime,
    cancelled: bool,
) -> Event:
    item = items.get(slot.item_id) if slot.item_id is not None else None
    score = scores.get(slot.item_id) if slot.item_id is not None else None
    start = _utc(slot.starts_at, f"slot {slot.id} start")
    changed = _utc(slot.updated_at, f"slot {slot.id} updated_at") if slot.updated_at else None
    summary = _summary(slot, item, words, limit=SUMMARY_CHARS)
    status = _status(slot, cancelled)

    event = Event()
    event.add("UID", f"{slot.id}@{UID_DOMAIN}")
    event.add("DTSTAMP", changed or now)
    event.add("DTSTART", start)
    event.add("DTEND", start + timedelta(minutes=max(slot.minutes, 1)))
    event.add("SUMMARY", _Text(summary))
    description = _description(slot, item, score, profile, zone, words, cancelled=cancelled)
    event.add("DESCRIPTION", _Text(description))
    url = slot.published_url if slot.status is SlotStatus.PUBLISHED else None
    url = url or (item.url if item is not None else None)
    if url and _is_url(url):
        event.add("URL", url)
    kind = words.relay_category if slot.kind is SlotKind.RELAY else words.original_category
    event.add("CATEGORIES", ["curator", kind])
    event.add("STATUS", status)
    event.add("SEQUENCE", slot.sequence)
    if changed is not None:
        event.add("LAST-MODIFIED", changed)
    # A busy block would hide real meetings in free/busy views; these are reminders to work.
    event.add("TRANSP", "TRANSPARENT")
    # No reminder for what is done, cancelled or already past: clients that subscribe would
    # otherwise pop up a "missed reminders" list for the whole history.
    if (
        settings.alarm_minutes is not None
        and status != "CANCELLED"
        and slot.status is not SlotStatus.PUBLISHED
        and start > now
    ):
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", _Text(words.reminder.format(summary=summary)))
        alarm.add("TRIGGER", timedelta(minutes=-settings.alarm_minutes))
        event.add_component(alarm)
    return event


def render_calendar(
    profile: Profile,
    slots: Sequence[Slot],
    items: Mapping[int, Item],
    scores: Mapping[int, Score],
    settings: CalendarSettings,
    *,
    now: datetime,
    cancelled: Sequence[Slot] = (),
    name: str | None = None,
) -> bytes:
    """Render a profile's slots as an iCalendar stream (UTF-8, CRLF, folded at 75 octets).

    `cancelled` are slots removed from the plan; they are rendered as STATUS:CANCELLED only when
    `settings.keep_cancelled` (a file export), and left out otherwise, which is how a subscribed
    calendar learns that an event is gone. `scores` and `items` are keyed by item id.
    """
    now = _utc(now, "now")
    language = profile_language(profile)
    words = _words(language)
    zone = _zone(profile)
    refresh = timedelta(minutes=max(settings.refresh_minutes, 1))
    title = name or words.calendar_name.format(profile=profile.name)

    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("NAME", _Text(one_line(title)))  # RFC 7986
    calendar.add("X-WR-CALNAME", _Text(one_line(title)))  # Apple, Google, Outlook
    calendar.add("X-WR-TIMEZONE", profile.timezone)
    calendar.add("REFRESH-INTERVAL", refresh, parameters={"VALUE": "DURATION"})  # RFC 7986
    calendar.add("X-PUBLISHED-TTL", vDuration(refresh))  # Outlook's older name for the same hint

    live_ids = {slot.id for slot in slots}
    entries = [(slot, False) for slot in slots]
    if settings.keep_cancelled:
        # A slot that came back to the plan is live: one UID must not appear twice.
        entries += [(slot, True) for slot in cancelled if slot.id not in live_ids]
    entries.sort(key=lambda entry: (_utc(entry[0].starts_at, "slot start"), entry[0].id))
    seen: set[str] = set()
    for slot, is_cancelled in entries:
        if slot.id in seen:
            raise ExportError(f"slot {slot.id} appears twice in the plan")
        seen.add(slot.id)
        calendar.add_component(
            _event(
                slot,
                items,
                scores,
                profile,
                settings,
                zone,
                words,
                now=now,
                cancelled=is_cancelled,
            )
        )
    try:
        body: bytes = calendar.to_ical()
    except (ValueError, TypeError) as e:
        raise ExportError(f"cannot render the calendar of {profile.name}: {e}") from e
    return body
