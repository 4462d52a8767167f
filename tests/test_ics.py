"""Calendar export: RFC 5545 conformance, stability of events across exports, DST, HTTP policy."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from curator.errors import ConfigError, ExportError
from curator.outputs.ics import SUMMARY_CHARS, escape_text, profile_language, render_calendar
from curator.outputs.ics_http import (
    calendar_etag,
    calendar_path,
    calendar_path_profile,
    calendar_response,
    calendar_url,
    etag_matches,
    token_ok,
)
from curator.outputs.words import shorten
from curator.types import CalendarSettings, Profile, Slot, SlotKind, SlotStatus
from tests.support.content import corpus_root
from tests.support.ics import (
    DATA_DIR,
    NOW,
    Plan,
    content_lines,
    event_by_uid,
    events,
    make_item,
    make_score,
    prop,
    small_plan,
    unfold,
)

GOLDEN = DATA_DIR / "calendar_small.ics"
REGENERATE = os.environ.get("CURATOR_REGEN_GOLDEN") == "1"

# Every character TEXT escaping cares about, plus multi-byte ones that folding must not split.
RELAY_UID = "claire-2026-03-30-0900-relay@curator"
NASTY_TITLE = 'Ça coûte, dit-il; "vraiment" \\ C:\\New 🎉👩‍💻 — 東京 été'


def render(plan: Plan) -> bytes:
    return render_calendar(
        plan.profile,
        plan.slots,
        plan.items,
        plan.scores,
        plan.settings,
        now=plan.now,
        cancelled=plan.cancelled,
    )


def strict_parse(body: bytes) -> icalendar.Calendar:
    """Both parsers must accept the body; the icalendar result is returned for inspection."""
    IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    return icalendar.Calendar.from_ical(body)


def with_title(plan: Plan, title: str, comment: str | None = None) -> Plan:
    plan.items[1] = replace(plan.items[1], title=title)
    slot = plan.slots[1]
    plan.slots[1] = replace(slot, comment=comment if comment is not None else slot.comment)
    return plan


# --- serialisation -------------------------------------------------------------------------


def test_every_line_ends_with_crlf() -> None:
    body = render(with_title(small_plan(), NASTY_TITLE))
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert b"\r" not in body.replace(b"\r\n", b"")


@pytest.mark.parametrize("pad", range(4))
def test_lines_fit_75_octets_without_splitting_utf8(pad: int) -> None:
    # Shifting the title by 0-3 bytes puts every multi-byte sequence on a fold boundary once.
    title = "x" * pad + ("été 🎉 東京 👩‍💻 " * 12)
    body = render(with_title(small_plan("fr"), title, comment="é" * 200 + "🎉" * 50))
    lines = content_lines(body)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # raises if folding cut a sequence in two
    assert any(line.startswith(b" ") for line in lines), "long values must be folded"


def test_text_is_escaped_and_comes_back_intact() -> None:
    comment = "Line one, with comma; semicolon \\ backslash\nLine two: C:\\New\r\nLine three 🎉"
    body = render(with_title(small_plan(), NASTY_TITLE, comment=comment))
    raw = event_by_uid(body)["claire-2026-03-30-0900-relay@curator"]
    assert prop(raw, "SUMMARY") == ["Relay: " + escape_text(NASTY_TITLE)]
    assert "\\, dit-il\\; " in prop(raw, "SUMMARY")[0]
    assert "C:\\\\New" in prop(raw, "SUMMARY")[0]
    assert "\\nLine two" in prop(raw, "DESCRIPTION")[0]

    expected_comment = comment.replace("\r\n", "\n")
    parsed = icalendar.Calendar.from_ical(body)
    event = next(e for e in parsed.walk("VEVENT") if str(e["UID"]) == RELAY_UID)
    assert str(event["SUMMARY"]) == "Relay: " + NASTY_TITLE
    assert expected_comment in str(event["DESCRIPTION"])

    strict = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    strict_event = next(e for e in strict.events if e.uid == RELAY_UID)
    assert strict_event.summary == "Relay: " + NASTY_TITLE
    assert strict_event.description is not None
    assert expected_comment in strict_event.description


def test_summary_is_one_line_and_control_characters_are_dropped() -> None:
    body = render(with_title(small_plan(), "Five\nlessons\x0b from\x00 LLMs", comment="a\x07b"))
    event = event_by_uid(body)["claire-2026-03-30-0900-relay@curator"]
    assert prop(event, "SUMMARY") == ["Relay: Five lessons from LLMs"]
    assert "\\n\\nReady to paste:\\nab\\n" in prop(event, "DESCRIPTION")[0]


def test_summary_drops_invisible_format_characters_but_keeps_joiners() -> None:
    title = "Fake\u202e news\u200b here\x85 👩\u200d💻"
    event = event_by_uid(render(with_title(small_plan(), title)))[RELAY_UID]
    assert prop(event, "SUMMARY") == ["Relay: Fake news here 👩\u200d💻"]


def test_long_titles_are_shortened_in_the_summary_only() -> None:
    title = "Une très longue analyse, " * 8 + "fin"
    body = render(with_title(small_plan(), title))
    event = event_by_uid(body)[RELAY_UID]
    summary = prop(event, "SUMMARY")[0]
    assert summary.endswith("…") and len(summary) < 110
    assert summary == escape_text("Relay: " + shorten(title.strip(), SUMMARY_CHARS))
    assert prop(event, "DESCRIPTION")[0].startswith(escape_text("Relay: " + title.strip()) + "\\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short", "short"),
        ("a" * 100, "a" * 89 + "…"),
        ("word " * 30, ("word " * 17).strip() + "…"),
        ("abc " * 12 + "final, " + "z" * 60, "abc " * 12 + "final…"),
        ("early space " + "z" * 100, "early space " + "z" * 77 + "…"),
    ],
)
def test_shorten(text: str, expected: str) -> None:
    assert shorten(text, SUMMARY_CHARS) == expected


@given(
    title=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120),
    comment=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_survives_both_parsers(title: str, comment: str) -> None:
    body = render(with_title(small_plan(), title, comment=comment))
    assert max(len(line) for line in content_lines(body)) <= 75
    calendar = strict_parse(body)
    assert len(calendar.walk("VEVENT")) == 6


# --- identity and revisions ----------------------------------------------------------------


def test_uids_are_unique_and_identical_across_exports() -> None:
    first = render(small_plan())
    later = small_plan()
    later.now = NOW + timedelta(days=2)  # before the next slot starts
    second = render(later)
    uids = [prop(block, "UID")[0] for block in events(first)]
    assert len(uids) == len(set(uids)) == 6
    assert uids == [prop(block, "UID")[0] for block in events(second)]
    assert all(uid.endswith("@curator") for uid in uids)
    assert first == second, "DTSTAMP follows the slot's last change, not the export time"


def test_same_inputs_give_the_same_bytes_whatever_their_order() -> None:
    plan = small_plan()
    shuffled = small_plan()
    shuffled.slots.reverse()
    assert render(plan) == render(shuffled)


def test_changed_comment_keeps_the_uid_and_bumps_only_that_event() -> None:
    plan = small_plan()
    before = event_by_uid(render(plan))
    slot = plan.slots[2]
    plan.slots[2] = replace(
        slot,
        comment="Un vrai commentaire, assez long pour être publié tel quel.",
        status=SlotStatus.READY,
        sequence=slot.sequence + 1,
        updated_at=NOW,
    )
    after = event_by_uid(render(plan))
    assert before.keys() == after.keys()
    uid = f"{slot.id}@curator"
    assert int(prop(after[uid], "SEQUENCE")[0]) > int(prop(before[uid], "SEQUENCE")[0])
    assert prop(after[uid], "LAST-MODIFIED") == ["20260327T080000Z"]
    assert prop(after[uid], "STATUS") == ["CONFIRMED"]
    assert [u for u in before if before[u] != after[u]] == [uid]


def test_dtstamp_and_times_are_utc() -> None:
    plan = small_plan()
    paris = ZoneInfo("Europe/Paris")
    # Aware times in another zone are converted, never written with a TZID or as floating time.
    plan.slots[1] = replace(
        plan.slots[1],
        starts_at=plan.slots[1].starts_at.astimezone(paris),
        updated_at=datetime(2026, 3, 27, 9, 30, 15, 999, tzinfo=timezone(timedelta(hours=1))),
    )
    event = event_by_uid(render(plan))["claire-2026-03-30-0900-relay@curator"]
    assert prop(event, "DTSTAMP") == ["20260327T083015Z"]
    assert prop(event, "DTSTART") == ["20260330T070000Z"]
    assert prop(event, "DTEND") == ["20260330T071500Z"]
    for block in events(render(plan)):
        for name in ("DTSTAMP", "DTSTART", "DTEND", "LAST-MODIFIED"):
            assert all(v.endswith("Z") and len(v) == 16 for v in prop(block, name)), name


def test_a_slot_without_a_change_time_is_stamped_now() -> None:
    plan = small_plan()
    plan.slots[0] = replace(plan.slots[0], updated_at=None)
    event = event_by_uid(render(plan))["claire-2026-03-23-0900-relay@curator"]
    assert prop(event, "DTSTAMP") == ["20260327T080000Z"]
    assert prop(event, "LAST-MODIFIED") == []


def test_naive_times_are_refused() -> None:
    plan = small_plan()
    plan.slots[0] = replace(plan.slots[0], starts_at=datetime(2026, 3, 23, 8, 0))
    with pytest.raises(ExportError, match="naive"):
        render(plan)


def test_unknown_time_zone_is_a_config_error() -> None:
    plan = small_plan(timezone="Europe/Nowhere")
    with pytest.raises(ConfigError, match="Europe/Nowhere"):
        render(plan)


# --- content -------------------------------------------------------------------------------


def test_calendar_properties() -> None:
    plan = small_plan()
    plan.settings = CalendarSettings(refresh_minutes=90)
    lines = unfold(render(plan))
    head = lines[: lines.index("BEGIN:VEVENT")]
    for expected in (
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//curator//curator editorial calendar//EN",
        "METHOD:PUBLISH",
        "NAME:curator: claire",
        "X-WR-CALNAME:curator: claire",
        "X-WR-TIMEZONE:Europe/Paris",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H30M",
        "X-PUBLISHED-TTL:PT1H30M",
    ):
        assert expected in head
    assert lines[-1] == "END:VCALENDAR"


def test_calendar_name_can_be_given() -> None:
    plan = small_plan()
    body = render_calendar(
        plan.profile, plan.slots, plan.items, plan.scores, plan.settings, now=NOW, name="Mon; plan"
    )
    assert "X-WR-CALNAME:Mon\\; plan" in unfold(body)


def test_relay_event_content() -> None:
    event = event_by_uid(render(small_plan()))["claire-2026-03-30-0900-relay@curator"]
    description = prop(event, "DESCRIPTION")[0]
    assert "Link: https://example.org/posts/1" in description
    assert "Source: EU Digest" in description
    # ready: the comment and the link, to paste as they are, and the network's share dialog
    assert "Ready to paste:\\nMy take" in description
    assert "\\n\\nhttps://example.org/posts/1\\nShare on LinkedIn: " in description
    share = (
        "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fexample.org%2Fposts%2F1"
    )
    assert f"Share on LinkedIn: {share}\\n" in description
    assert "Comment starter:\\nWhat surprised me most:" in description
    assert "Why: AI Act\\, compliance\\n" in description
    assert not description.startswith("Relay:"), "the summary is not repeated when whole"
    assert "Score: 0.71 (relevance 0.64)" in description
    assert "When: Mon 30 Mar 2026\\, 09:00 (Europe/Paris)\\, 15 min" in description
    assert "COMMENT NEEDED" not in description
    assert prop(event, "URL") == ["https://example.org/posts/1"]
    assert prop(event, "CATEGORIES") == ["curator,Relay"]
    assert prop(event, "SEQUENCE") == ["2"]


def test_comment_needed_is_flagged_for_relays_without_enough_comment() -> None:
    plan = small_plan()
    plan.slots[4] = replace(plan.slots[4], comment="Too short")
    by_uid = event_by_uid(render(plan))
    needed = "COMMENT NEEDED: write your own comment (at least 40 characters) before relaying."
    assert needed in prop(by_uid["claire-2026-04-01-0900-relay@curator"], "DESCRIPTION")[0]
    short = prop(by_uid["claire-2026-04-06-0900-relay@curator"], "DESCRIPTION")[0]
    assert needed in short and "Your comment:\\nToo short" in short
    for uid in ("claire-2026-03-30-0900-relay", "claire-2026-04-08-0900-relay"):
        assert "COMMENT NEEDED" not in prop(by_uid[f"{uid}@curator"], "DESCRIPTION")[0]


def test_comment_needed_follows_the_planners_status() -> None:
    # a comment written before min_comment_chars was raised: the slot stays ready, as the
    # calendar and the digest show it
    plan = small_plan()
    plan.slots[1] = replace(plan.slots[1], comment="My take")
    description = prop(
        event_by_uid(render(plan))["claire-2026-03-30-0900-relay@curator"], "DESCRIPTION"
    )[0]
    assert "COMMENT NEEDED" not in description and "Ready to paste:\\nMy take" in description


def test_empty_original_and_published_slots() -> None:
    by_uid = event_by_uid(render(small_plan()))
    empty = by_uid["claire-2026-04-08-0900-relay@curator"]
    assert prop(empty, "SUMMARY") == ["Relay: open slot"]
    assert "no approved item above the 0.15 quality floor" in prop(empty, "DESCRIPTION")[0]
    assert prop(empty, "URL") == []
    original = by_uid["claire-2026-04-02-0900-original@curator"]
    assert prop(original, "SUMMARY") == ["Original post: Three AI tools our accountant now uses"]
    assert prop(original, "DTEND") == ["20260402T074500Z"]
    assert prop(original, "CATEGORIES") == ["curator,Original post"]
    published = by_uid["claire-2026-03-23-0900-relay@curator"]
    assert prop(published, "URL") == ["https://social.example/claire/posts/981"]
    assert "Published on Mon 23 Mar 2026\\, 09:20." in prop(published, "DESCRIPTION")[0]


def test_french_profile_gets_french_words_and_decimal_commas() -> None:
    event = event_by_uid(render(small_plan("fr")))["claire-2026-04-01-0900-relay@curator"]
    assert prop(event, "SUMMARY") == [
        "✎ [à commenter] Relais : Les PME françaises et l'IA : état des lieux 🚀"
    ]
    description = prop(event, "DESCRIPTION")[0]
    assert "Quand : mer. 1 avr. 2026\\, 09:00 (Europe/Paris)\\, 15 min" in description
    assert "COMMENTAIRE À ÉCRIRE" in description
    assert "Partager sur LinkedIn : https://www.linkedin.com/sharing/" in description
    assert prop(event, "TRIGGER") == ["-P1D", "-PT15M"]
    assert "Demain : écrivez votre commentaire pour ✎ [à commenter] Relais : " in "\n".join(event)
    assert "Score : 0\\,64" in description
    assert prop(event, "CATEGORIES") == ["curator,Relais"]
    original = event_by_uid(render(small_plan("fr")))["claire-2026-04-02-0900-original@curator"]
    assert prop(original, "SUMMARY")[0].startswith("Post original : ")


@pytest.mark.parametrize(
    ("language", "objective", "expected"),
    [
        ("fr", "Grow my audience", "fr"),
        ("en", "Développer mon audience", "en"),
        ("auto", "Aider les PME à adopter l'IA de façon pragmatique", "fr"),
        ("auto", "Help small firms adopt AI in a pragmatic way", "en"),
        ("auto", "", "en"),
    ],
)
def test_profile_language(language: str, objective: str, expected: str) -> None:
    profile = Profile(name="p", objective=objective, language=language)
    assert profile_language(profile) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (SlotStatus.EMPTY, "TENTATIVE"),
        (SlotStatus.PLANNED, "TENTATIVE"),
        (SlotStatus.READY, "CONFIRMED"),
        (SlotStatus.PUBLISHED, "CONFIRMED"),
        (SlotStatus.SKIPPED, "CANCELLED"),
    ],
)
def test_status_mapping(status: SlotStatus, expected: str) -> None:
    plan = small_plan()
    plan.slots = [replace(plan.slots[1], status=status)]
    (event,) = events(render(plan))
    assert prop(event, "STATUS") == [expected]


def test_reminders_only_ask_for_something_to_do() -> None:
    """Issue 16: nothing buzzes for an empty slot at its time; a relay waiting for its comment
    says so in its title and the day before."""
    by_uid = event_by_uid(render(small_plan()))
    planned = by_uid["claire-2026-04-01-0900-relay@curator"]  # no comment yet
    assert prop(planned, "SUMMARY")[0].startswith("✎ [comment needed] Relay: ")
    assert prop(planned, "TRIGGER") == ["-P1D", "-PT15M"]
    assert prop(planned, "ACTION") == ["DISPLAY", "DISPLAY"]
    reminder = "DESCRIPTION:Tomorrow: write your comment for ✎ [comment needed] Relay: "
    assert reminder in "\n".join(planned)
    ready = by_uid["claire-2026-03-30-0900-relay@curator"]
    assert prop(ready, "TRIGGER") == ["-PT15M"] and "✎" not in prop(ready, "SUMMARY")[0]
    empty = by_uid["claire-2026-04-08-0900-relay@curator"]
    assert prop(empty, "TRIGGER") == ["-P1D"]  # the day before, never at the empty slot's time
    assert "DESCRIPTION:Tomorrow's relay slot is empty: approve an item (curator review)" in (
        "\n".join(empty)
    )
    assert "BEGIN:VALARM" not in by_uid["claire-2026-03-23-0900-relay@curator"]  # published
    # less than a day ahead: the day-before reminder has passed, so it is left out
    plan = small_plan()
    plan.now = datetime(2026, 4, 7, 9, 0, tzinfo=UTC)
    later = event_by_uid(render(plan))
    assert "BEGIN:VALARM" not in later["claire-2026-04-08-0900-relay@curator"]


def test_no_alarm_for_slots_already_past() -> None:
    plan = small_plan()
    plan.slots[0] = replace(plan.slots[0], status=SlotStatus.PLANNED)  # past, never published
    plan.now = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    by_uid = event_by_uid(render(plan))
    assert "BEGIN:VALARM" not in by_uid["claire-2026-03-23-0900-relay@curator"]
    assert "BEGIN:VALARM" not in by_uid["claire-2026-04-01-0900-relay@curator"]  # started 07:00
    assert "BEGIN:VALARM" in by_uid["claire-2026-04-06-0900-relay@curator"]


def test_no_alarm_when_disabled() -> None:
    plan = small_plan()
    plan.settings = CalendarSettings(alarm_minutes=None)
    assert "BEGIN:VALARM" not in unfold(render(plan))
    plan.settings = CalendarSettings(alarm_minutes=60)
    assert "TRIGGER:-PT1H" in unfold(render(plan))


def test_removed_slots_are_absent_unless_kept_as_cancelled() -> None:
    plan = small_plan()
    uid = "claire-2026-04-09-0900-original@curator"
    assert uid not in event_by_uid(render(plan))
    plan.settings = CalendarSettings(keep_cancelled=True)
    body = render(plan)
    kept = event_by_uid(body)[uid]
    assert prop(kept, "STATUS") == ["CANCELLED"]
    assert prop(kept, "SEQUENCE") == ["1"], "as stored: removing a slot bumped it"
    assert "BEGIN:VALARM" not in kept
    assert "This slot was removed from the plan." in prop(kept, "DESCRIPTION")[0]
    strict_parse(body)


def test_a_slot_back_in_the_plan_is_not_duplicated() -> None:
    plan = small_plan()
    plan.settings = CalendarSettings(keep_cancelled=True)
    plan.cancelled.append(plan.slots[1])
    uids = [prop(block, "UID")[0] for block in events(render(plan))]
    assert len(uids) == len(set(uids)) == 7


def test_a_duplicate_live_slot_is_an_error() -> None:
    plan = small_plan()
    plan.slots.append(plan.slots[0])
    with pytest.raises(ExportError, match="twice"):
        render(plan)


def test_url_with_whitespace_is_left_out() -> None:
    plan = small_plan()
    plan.items[1] = replace(plan.items[1], url="https://example.org/a b")
    assert prop(event_by_uid(render(plan))["claire-2026-03-30-0900-relay@curator"], "URL") == []


def test_missing_item_still_renders() -> None:
    plan = small_plan()
    del plan.items[3], plan.scores[3]
    event = event_by_uid(render(plan))["claire-2026-04-06-0900-relay@curator"]
    assert prop(event, "SUMMARY") == ["✎ [comment needed] Relay: #3"]


# --- parsers and golden file ---------------------------------------------------------------


def test_round_trip_through_icalendar() -> None:
    plan = small_plan()
    plan.settings = CalendarSettings(keep_cancelled=True)
    calendar = icalendar.Calendar.from_ical(render(plan))
    assert calendar.errors == []
    parsed = calendar.walk("VEVENT")
    assert len(parsed) == 7
    for event in parsed:
        assert event.errors == []
        assert event.start.tzinfo is not None and event.start.utcoffset() == timedelta(0)
        assert event.end > event.start
    assert str(calendar["METHOD"]) == "PUBLISH"


def test_round_trip_through_the_strict_ical_parser() -> None:
    plan = small_plan()
    plan.settings = CalendarSettings(keep_cancelled=True)
    calendar = IcsCalendarStream.calendar_from_ics(render(plan).decode("utf-8"))
    assert len(calendar.events) == 7
    by_uid = {event.uid: event for event in calendar.events}
    relay = by_uid["claire-2026-03-30-0900-relay@curator"]
    assert relay.dtstart == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert relay.end - relay.start == timedelta(minutes=15)
    assert relay.sequence == 2
    assert relay.categories == ["curator", "Relay"]
    assert str(relay.status) in ("CONFIRMED", "EventStatus.CONFIRMED")
    assert len(relay.alarm) == 1
    assert by_uid["claire-2026-04-02-0900-original@curator"].summary.startswith("Original post")
    # ical re-encodes what it read: a second pass must accept its own output too.
    IcsCalendarStream.calendar_from_ics(IcsCalendarStream.calendar_to_ics(calendar))


def test_golden_small_plan() -> None:
    plan = small_plan()
    plan.settings = CalendarSettings(keep_cancelled=True)
    body = render(plan)
    if REGENERATE:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(body)
    if not GOLDEN.exists():
        pytest.fail(f"{GOLDEN} is missing: run with CURATOR_REGEN_GOLDEN=1 once and review it")
    assert body == GOLDEN.read_bytes(), "set CURATOR_REGEN_GOLDEN=1 to accept a deliberate change"


# --- daylight saving -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change_day", "offset_before", "offset_after"),
    [
        (datetime(2026, 3, 29), 1, 2),  # last Sunday of March: 02:00 CET -> 03:00 CEST
        (datetime(2026, 10, 25), 2, 1),  # last Sunday of October: 03:00 CEST -> 02:00 CET
    ],
)
def test_dst_week_keeps_local_time_and_duration(
    change_day: datetime, offset_before: int, offset_after: int
) -> None:
    paris = ZoneInfo("Europe/Paris")
    plan = small_plan()
    plan.slots = []
    # 09:00 Paris every day from Thursday before the change to Wednesday after it.
    for day in range(-3, 4):
        local = (change_day + timedelta(days=day)).replace(hour=9, tzinfo=paris)
        plan.slots.append(
            Slot(
                id=f"claire-{local:%Y-%m-%d}-0900-relay",
                profile="claire",
                starts_at=local.astimezone(UTC),
                kind=SlotKind.RELAY,
                status=SlotStatus.PLANNED,
                item_id=1,
                updated_at=NOW,
            )
        )
    # A 45-minute original starting 40 minutes before the change: it straddles the jump.
    jump_utc = change_day.replace(hour=1, tzinfo=UTC)
    plan.slots.append(
        Slot(
            id="claire-straddle-original",
            profile="claire",
            starts_at=jump_utc - timedelta(minutes=40),
            kind=SlotKind.ORIGINAL,
            status=SlotStatus.PLANNED,
            minutes=45,
            updated_at=NOW,
        )
    )
    body = render(plan)
    by_uid = event_by_uid(body)
    for day in range(-3, 4):
        local_day = change_day + timedelta(days=day)
        event = by_uid[f"claire-{local_day:%Y-%m-%d}-0900-relay@curator"]
        hour = 9 - (offset_before if day < 0 else offset_after)
        assert prop(event, "DTSTART") == [f"{local_day:%Y%m%d}T{hour:02d}0000Z"]
        assert prop(event, "DTEND") == [f"{local_day:%Y%m%d}T{hour:02d}1500Z"]
        assert ", 09:00 (Europe/Paris)" in prop(event, "DESCRIPTION")[0].replace("\\,", ",")

    strict = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    straddle = next(e for e in strict.events if e.uid == "claire-straddle-original@curator")
    assert straddle.end - straddle.start == timedelta(minutes=45)
    local_start = straddle.start.astimezone(paris)
    assert local_start.utcoffset() == timedelta(hours=offset_before)
    assert straddle.end.astimezone(paris).utcoffset() == timedelta(hours=offset_after)


# --- real titles ---------------------------------------------------------------------------


def test_le_monde_titles_survive_both_parsers() -> None:
    root = corpus_root()
    path = root / "ranking" / "lemonde_fr" / "lemonde_2017.jsonl" if root else None
    if path is None or not path.is_file():
        pytest.skip("shared corpus (ranking/lemonde_fr) not available")
    articles = [json.loads(line) for line in path.read_text("utf-8").splitlines()[:150]]
    plan = small_plan("fr")
    plan.items = {}
    plan.scores = {}
    plan.slots = []
    for n, article in enumerate(articles, start=1):
        plan.items[n] = make_item(n, article["title"], url=article["url"], feed="Le Monde")
        plan.scores[n] = make_score(n, 0.5, ("société", 0.2))
        plan.slots.append(
            Slot(
                id=f"claire-lemonde-{n}",
                profile="claire",
                starts_at=NOW + timedelta(hours=n),
                kind=SlotKind.RELAY,
                status=SlotStatus.READY,
                item_id=n,
                comment=article["text"][:400],
                updated_at=NOW,
            )
        )
    body = render(plan)
    lines = content_lines(body)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")
    strict = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    by_uid = {e.uid: e for e in strict.events}
    for n, article in enumerate(articles, start=1):
        title = " ".join(article["title"].split())
        event = by_uid[f"claire-lemonde-{n}@curator"]
        assert event.summary == f"Relais : {shorten(title, SUMMARY_CHARS)}"
        assert event.description is not None
        if shorten(title, SUMMARY_CHARS) != title:
            assert event.description.startswith(f"Relais : {title}\n")


# --- HTTP policy for the subscription endpoint ---------------------------------------------


def test_calendar_response_200_then_304() -> None:
    body = render(small_plan())
    first = calendar_response(body, if_none_match=None, filename="calendar-claire.ics")
    headers = first.headers
    assert first.status == 200 and first.body == body
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["ETag"] == calendar_etag(body) and headers["ETag"].startswith('"')
    assert "private" in headers["Cache-Control"]
    assert headers["Content-Disposition"] == 'inline; filename="calendar-claire.ics"'
    again = calendar_response(body, if_none_match=headers["ETag"])
    assert again.status == 304 and again.body == b""
    assert again.headers["ETag"] == headers["ETag"]
    assert again.headers["Cache-Control"] == headers["Cache-Control"]
    changed = calendar_response(body + b"x", if_none_match=headers["ETag"])
    assert changed.status == 200


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        ("*", True),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"zzz", "abc"', True),
        ('"zzz"', False),
        ("abc", False),
    ],
)
def test_etag_matching(header: str | None, matches: bool) -> None:
    assert etag_matches(header, '"abc"') is matches


@pytest.mark.parametrize(
    ("expected", "given", "ok"),
    [
        (None, None, True),
        (None, "anything", True),
        ("s3cret", "s3cret", True),
        ("s3cret", "s3cre", False),
        ("s3cret", None, False),
        ("s3cret", "", False),
        ("clé", "clé", True),
    ],
)
def test_token_ok(expected: str | None, given: str | None, ok: bool) -> None:
    assert token_ok(expected, given) is ok


def test_calendar_url() -> None:
    assert calendar_path("claire") == "/calendar/claire.ics"
    assert (
        calendar_url("127.0.0.1", 8421, "claire") == "webcal://127.0.0.1:8421/calendar/claire.ics"
    )
    assert (
        calendar_url("::1", 80, "jean marc", token="a/b c", scheme="http")
        == "http://[::1]:80/calendar/jean%20marc.ics?token=a%2Fb+c"
    )


def test_calendar_path_profile_reads_what_calendar_path_writes() -> None:
    assert calendar_path_profile(calendar_path("jean marc")) == "jean%20marc"
    assert calendar_path_profile("/calendar/claire.ics") == "claire"
    assert calendar_path_profile("/healthz") is None
    assert calendar_path_profile("/calendar/claire") is None


class _CalendarHandler(BaseHTTPRequestHandler):
    """What `curator serve` does with these helpers, reduced to one calendar."""

    body = b""
    token: str | None = None

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        given = parse_qs(url.query).get("token", [None])[0]
        if url.path != calendar_path("claire") or not token_ok(self.token, given):
            self.send_error(404)
            return
        response = calendar_response(self.body, if_none_match=self.headers.get("If-None-Match"))
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status == 200:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def calendar_server() -> Iterator[str]:
    _CalendarHandler.body = render(small_plan())
    _CalendarHandler.token = "s3cret"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CalendarHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_subscription_over_http(calendar_server: str) -> None:
    url = calendar_server + calendar_path("claire")
    with httpx.Client(timeout=5) as client:
        assert client.get(url).status_code == 404
        assert client.get(url, params={"token": "wrong"}).status_code == 404
        first = client.get(url, params={"token": "s3cret"})
        assert first.status_code == 200
        assert first.headers["content-type"] == "text/calendar; charset=utf-8"
        strict_parse(first.content)
        second = client.get(
            url, params={"token": "s3cret"}, headers={"If-None-Match": first.headers["etag"]}
        )
        assert second.status_code == 304 and second.content == b""


# --- issue 16: what each event asks of the user -------------------------------------------------


def test_an_original_post_describes_its_theme_angle_and_the_items_behind_it() -> None:
    plan = small_plan("fr")
    slot_id = "claire-2026-04-02-0900-original"
    index = next(i for i, s in enumerate(plan.slots) if s.id == slot_id)
    topic = "onboarding · «\u00a0Onboarding des profils tech\u00a0»"
    plan.slots[index] = replace(plan.slots[index], topic=topic)
    behind = [plan.items[1], plan.items[2]]
    body = render_calendar(
        plan.profile, plan.slots, plan.items, plan.scores, plan.settings, now=plan.now,
        behind={slot_id: behind},
    )  # fmt: skip
    parsed = icalendar.Calendar.from_ical(body)
    event = next(e for e in parsed.walk("VEVENT") if str(e["UID"]) == f"{slot_id}@curator")
    text = str(event["DESCRIPTION"])
    assert "Thème : onboarding\n" in text
    assert "Angle : « Onboarding des profils tech »\n" in text  # one line: plain spaces
    assert f"Pour votre objectif : {plan.profile.objective}" in text
    assert "Les articles derrière ce sujet :\n" in text
    for item in behind:
        assert f"- {item.title} ({item.feed_name})\n  {item.url}" in text
    assert "BEGIN:VALARM" in unfold(body)


def test_last_modified_and_if_modified_since() -> None:
    body = render(small_plan())
    changed = datetime(2026, 3, 27, 6, 0, 30, 500, tzinfo=UTC)
    first = calendar_response(body, if_none_match=None, last_modified=changed)
    assert first.status == 200
    assert first.headers["Last-Modified"] == "Fri, 27 Mar 2026 06:00:30 GMT"
    stamp = first.headers["Last-Modified"]
    again = calendar_response(
        body, if_none_match=None, last_modified=changed, if_modified_since=stamp
    )
    assert again.status == 304 and again.body == b"" and again.headers["Last-Modified"] == stamp
    earlier = "Fri, 27 Mar 2026 06:00:29 GMT"
    assert (
        calendar_response(
            body, if_none_match=None, last_modified=changed, if_modified_since=earlier
        ).status
        == 200
    )
    # RFC 9110 13.1.3: If-None-Match wins; an unreadable date is ignored
    assert (
        calendar_response(
            body, if_none_match='"other"', last_modified=changed, if_modified_since=stamp
        ).status
        == 200
    )
    assert (
        calendar_response(
            body, if_none_match=None, last_modified=changed, if_modified_since="yesterday"
        ).status
        == 200
    )


def test_last_modified_follows_changes_and_passing_reminders() -> None:
    from curator.outputs.ics import last_modified

    plan = small_plan()
    newest = max(s.updated_at for s in plan.slots if s.updated_at is not None)
    start = min(s.starts_at for s in plan.slots if s.starts_at > plan.now)
    assert last_modified(plan.slots, [], plan.now) == max(
        newest, *(s.starts_at for s in plan.slots if s.starts_at <= plan.now)
    )
    # the day before a slot, its day-before reminder drops out of the body: a change
    just_after = start - timedelta(days=1) + timedelta(minutes=1)
    assert last_modified(plan.slots, [], just_after) >= start - timedelta(days=1)
    assert last_modified(plan.slots, [], just_after) <= just_after
