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

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event, vDuration, vText

from curator import i18n
from curator.errors import ConfigError, ExportError
from curator.i18n import N_, Message
from curator.outputs.share import paste_block, share_url
from curator.outputs.words import (
    is_web_url,
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
    needs_comment_mark: str
    comment_tomorrow: str
    empty_tomorrow: str
    paste: str
    share: str
    theme: str
    angle: str
    objective: str
    behind: str
    language: str


_EN = _Words(  # msgids: `_words` says them in the calendar's language
    relay=N_("Relay: {title}"),
    relay_open=N_("Relay: open slot"),
    original=N_("Original post: {topic}"),
    original_untitled=N_("Original post"),
    relay_category=N_("Relay"),
    original_category=N_("Original post"),
    when=N_("When: {when} ({zone}), {minutes} min"),
    link=N_("Link: {url}"),
    source=N_("Source: {name}"),
    your_comment=N_("Your comment:"),
    your_draft=N_("Your draft:"),
    comment_needed=N_(
        "COMMENT NEEDED: write your own comment (at least {chars} characters) before relaying."
    ),
    starter=N_("Comment starter:"),
    topic=N_("Topic: {topic}"),
    empty=N_("Nothing good enough for this slot yet: {reason}"),
    why=N_("Why: {terms}"),
    score=N_("Score: {score}"),
    relevance=N_("relevance"),
    published=N_("Published on {when}."),
    published_url=N_("Published: {url}"),
    skipped=N_("Skipped."),
    cancelled=N_("This slot was removed from the plan."),
    calendar_name=N_("curator: {profile}"),
    reminder=N_("Reminder: {summary}"),
    needs_comment_mark=N_("✎ [comment needed] "),
    comment_tomorrow=N_("Tomorrow: write your comment for {summary}"),
    empty_tomorrow=N_("Tomorrow's relay slot is empty: approve an item (curator review)"),
    paste=N_("Ready to paste:"),
    share=N_("Share on LinkedIn: {url}"),
    theme=N_("Theme: {theme}"),
    angle=N_("Angle: {angle}"),
    objective=N_("For your objective: {objective}"),
    behind=N_("Items behind it:"),
    language="en",
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
    needs_comment_mark="✎ [à commenter] ",
    comment_tomorrow="Demain : écrivez votre commentaire pour {summary}",
    empty_tomorrow=(
        "Le créneau de relais de demain est vide : approuvez un article (curator review)"
    ),
    paste="Prêt à coller :",
    share="Partager sur LinkedIn : {url}",
    theme="Thème : {theme}",
    angle="Angle : {angle}",
    objective="Pour votre objectif : {objective}",
    behind="Les articles derrière ce sujet :",
    language="fr",
)


@functools.cache
def _words(language: str) -> _Words:
    """The calendar's words in `language`, through the catalog (issue 16)."""
    t = i18n.language(language)
    texts = {
        f.name: t.gettext(getattr(_EN, f.name)) for f in fields(_Words) if f.name != "language"
    }
    return replace(_EN, language=t.code, **texts)


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise ExportError(
            Message(N_("{what} is a naive datetime; curator stores aware UTC times"), what=what)
        )
    return value.astimezone(UTC).replace(microsecond=0)


def _zone(profile: Profile) -> ZoneInfo:
    try:
        return ZoneInfo(profile.timezone)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigError(
            Message(N_("unknown time zone {name}"), name=repr(profile.timezone)),
            field=f"profiles.{profile.name}.timezone",
        ) from e


def _local_when(moment: datetime, zone: ZoneInfo, words: _Words) -> str:
    """ "Mon 7 Dec 2026, 08:30" / "lun. 7 déc. 2026, 08:30"."""
    local = moment.astimezone(zone)
    return i18n.language(words.language).format_datetime(local, "EEE d MMM y, HH:mm")


def _number(value: float, words: _Words) -> str:
    return i18n.language(words.language).format_decimal(value)


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
        # Google Calendar shows no TENTATIVE status: the mark in the title is what says that a
        # relay still waits for its comment (issue 16).
        mark = words.needs_comment_mark if needs_comment(slot) else ""
        if item is not None and one_line(item.title):
            return mark + words.relay.format(title=cut(one_line(item.title)))
        if item is None and slot.item_id is not None:
            return mark + words.relay.format(title=f"#{slot.item_id}")
        return words.relay_open
    topic = one_line(slot.topic or "")
    return words.original.format(topic=cut(topic)) if topic else words.original_untitled


def _original_lines(
    topic: str, behind: Sequence[Item], profile: Profile, words: _Words
) -> list[str]:
    """An original post's brief (issue 16): the theme, the angle, the items it comes from.

    The planner writes a topic as "theme · “title of the best item behind it”": that item is
    the angle; the objective reminds whom the post is for."""
    theme, _, example = (one_line(part) for part in topic.partition(" · "))
    lines = [words.theme.format(theme=theme)]
    if example:
        lines.append(words.angle.format(angle=example))
    objective = one_line(profile.objective)
    if objective:
        lines.append(words.objective.format(objective=shorten(objective, 160)))
    if behind:
        lines += ["", words.behind]
        for item in behind:
            source = f" ({one_line(item.feed_name)})" if item.feed_name else ""
            lines.append(f"- {one_line(item.title)}{source}")
            if item.url:
                lines.append(f"  {one_line(item.url)}")
    return lines


def _description(
    slot: Slot,
    item: Item | None,
    score: Score | None,
    profile: Profile,
    zone: ZoneInfo,
    words: _Words,
    *,
    cancelled: bool,
    behind: Sequence[Item] = (),
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
        if slot.published_url and is_web_url(slot.published_url):
            lines.append(words.published_url.format(url=one_line(slot.published_url)))
    if item is not None and item.url and is_web_url(item.url):
        lines.append(words.link.format(url=one_line(item.url)))
    if item is not None and item.feed_name:
        lines.append(words.source.format(name=one_line(item.feed_name)))
    if slot.topic and slot.kind is SlotKind.RELAY:
        lines.append(words.topic.format(topic=one_line(slot.topic)))
    if slot.status is SlotStatus.EMPTY and slot.empty_reason:
        lines.append(words.empty.format(reason=one_line(slot.empty_reason)))

    if slot.kind is SlotKind.ORIGINAL and slot.topic:
        lines += _original_lines(slot.topic, behind, profile, words)

    comment = clean_text(slot.comment or "").strip()
    url = one_line(item.url) if item is not None and item.url else None
    # What to publish, for what is still to publish: not after the fact, not when cancelled.
    to_do = slot.kind is SlotKind.RELAY and not cancelled
    to_do = to_do and slot.status in (SlotStatus.PLANNED, SlotStatus.READY)
    paste = paste_block(comment, url) if to_do and not needs_comment(slot) else None
    if paste is not None:
        lines += ["", words.paste, paste]  # the comment, then the link: one copy, one paste
    elif comment:
        label = words.your_comment if slot.kind is SlotKind.RELAY else words.your_draft
        lines += ["", label, comment]
    if to_do and url:
        lines.append(words.share.format(url=share_url(url)))
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
    behind: Sequence[Item] = (),
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
    description = _description(
        slot, item, score, profile, zone, words, cancelled=cancelled, behind=behind
    )
    event.add("DESCRIPTION", _Text(description))
    url = slot.published_url if slot.status is SlotStatus.PUBLISHED else None
    url = url or (item.url if item is not None else None)
    if url and is_web_url(url):
        event.add("URL", url)
    kind = words.relay_category if slot.kind is SlotKind.RELAY else words.original_category
    event.add("CATEGORIES", ["curator", kind])
    event.add("STATUS", status)
    event.add("SEQUENCE", slot.sequence)
    if changed is not None:
        event.add("LAST-MODIFIED", changed)
    # A busy block would hide real meetings in free/busy views; these are reminders to work.
    event.add("TRANSP", "TRANSPARENT")
    for trigger, text in _alarms(slot, summary, settings, words, now=now, cancelled=cancelled):
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", _Text(text))
        alarm.add("TRIGGER", trigger)
        event.add_component(alarm)
    return event


DAY_BEFORE = timedelta(days=1)


def _alarms(
    slot: Slot,
    summary: str,
    settings: CalendarSettings,
    words: _Words,
    *,
    now: datetime,
    cancelled: bool,
) -> list[tuple[timedelta, str]]:
    """The reminders of a slot, each as (trigger before the start, text). Only those that ask
    for something to do (issue 16):
    - none for what is done, cancelled or already past: subscribed clients would otherwise pop
      up a "missed reminders" list for the whole history;
    - an empty relay: none at its time (nothing to publish), one the day before asking to
      approve an item; an original without a topic: none;
    - a relay still waiting for its comment: the day before too, to write it in time;
    - anything to publish: `calendar.alarm_minutes` before (None: no reminder at all).
    A day-before reminder whose moment has passed is left out, as a past one is. Whenever one
    of these moments passes, the body changes: `last_modified` counts them.
    """
    start = _utc(slot.starts_at, f"slot {slot.id} start")
    if settings.alarm_minutes is None:  # the user turned reminders off
        return []
    if cancelled or slot.status in (SlotStatus.SKIPPED, SlotStatus.PUBLISHED) or start <= now:
        return []
    alarms: list[tuple[timedelta, str]] = []
    early = start - DAY_BEFORE > now
    if slot.status is SlotStatus.EMPTY:
        if slot.kind is SlotKind.RELAY and early:
            alarms.append((-DAY_BEFORE, words.empty_tomorrow))
        return alarms
    if needs_comment(slot) and early:
        alarms.append((-DAY_BEFORE, words.comment_tomorrow.format(summary=summary)))
    alarms.append(
        (timedelta(minutes=-settings.alarm_minutes), words.reminder.format(summary=summary))
    )
    return alarms


def last_modified(slots: Sequence[Slot], cancelled: Sequence[Slot], now: datetime) -> datetime:
    """When the calendar body last changed, for HTTP Last-Modified (RFC 9110 8.8.2): the
    latest change of a slot, or the latest moment before `now` at which a reminder dropped out
    (a slot started, a day-before reminder passed). Never after `now`."""
    now = _utc(now, "now")
    moments = [datetime(1970, 1, 1, tzinfo=UTC)]
    for slot in (*slots, *cancelled):
        if slot.updated_at is not None:
            moments.append(_utc(slot.updated_at, f"slot {slot.id} updated_at"))
        start = _utc(slot.starts_at, f"slot {slot.id} start")
        moments += [m for m in (start, start - DAY_BEFORE) if m <= now]
    return min(max(moments), now)


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
    behind: Mapping[str, Sequence[Item]] | None = None,
) -> bytes:
    """Render a profile's slots as an iCalendar stream (UTF-8, CRLF, folded at 75 octets).

    `cancelled` are slots removed from the plan; they are rendered as STATUS:CANCELLED only when
    `settings.keep_cancelled` (a file export), and left out otherwise, which is how a subscribed
    calendar learns that an event is gone. `scores` and `items` are keyed by item id; `behind`
    gives, by slot id, the items an original post's topic comes from.
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
            raise ExportError(Message(N_("slot {id} appears twice in the plan"), id=slot.id))
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
                behind=(behind or {}).get(slot.id, ()),
            )
        )
    try:
        body: bytes = calendar.to_ical()
    except (ValueError, TypeError) as e:
        raise ExportError(
            Message(
                N_("cannot render the calendar of {profile}: {error}"),
                profile=profile.name,
                error=e,
            )
        ) from e
    return body
