"""The daily digest: content, rendering, SMTP delivery and the outbox (issue 7)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from curator.app import Curator
from curator.cli import main
from curator.config import Settings, parse_settings
from curator.errors import ConfigError, DeliveryError, DeliveryInDoubt
from curator.outputs import outbox, smtp
from curator.outputs.digest import (
    HTML_LIMIT_BYTES,
    DigestContent,
    SlotAlert,
    build_digest,
    build_message,
    excerpt,
    fit_html,
    message_id,
    render_html,
    render_text,
    safe_url,
    short_date,
)
from curator.outputs.outbox import Action, DigestOutcome, DigestReport
from curator.outputs.words import text_language
from curator.plan import comment_slot
from curator.store import Database
from curator.types import (
    Digest,
    DigestState,
    Profile,
    ScoringSettings,
    SlotKind,
    SlotStatus,
    SmtpSettings,
)
from tests.support.digest import (
    app_config,
    at,
    candidate,
    failing_feed,
    item,
    profile,
    seed,
    seed_slot,
    slot,
)
from tests.support.smtp import DROP, SmtpServer, client_context, make_certificate, smtp_server

DATA = Path(__file__).parent / "data"
REGEN = os.environ.get("CURATOR_REGEN_GOLDEN") == "1"

# 29 March 2026: Europe switches to summer time at 02:00 that night, inside the slot window.
DAY = date(2026, 3, 28)
NOW = at(DAY, 6, 30)


def sample(language: str = "en", timezone: str = "Europe/Paris", day: date = DAY):  # type: ignore[no-untyped-def]
    """A digest with every section filled: two sources, a cap, slots with alerts, a bad feed."""
    now = at(day, 6, 30)
    since = now - timedelta(days=1)
    p = profile(language=language, timezone=timezone, max_items=4, min_score=0.2)
    items = [
        item(
            i,
            fetched_at=now - timedelta(hours=i),
            title=f"Article number {i}",
            summary=f"<p>Summary of article {i}: <b>pipelines</b> &amp; costs.</p>" * 2,
        )
        for i in range(1, 8)
    ]
    cands = [
        candidate(it, round(0.9 - it.id * 0.08, 2), rank=it.id, source=f"Source {'AB'[it.id % 2]}")
        for it in items
    ]
    old = item(50, fetched_at=since - timedelta(hours=3))
    cands.append(candidate(old, 0.99, rank=0))  # fetched before the previous digest
    slots = [
        slot("s1", at(day, 8), item_id=1, comment="too short"),
        slot("s2", at(day + timedelta(days=1), 8), status=SlotStatus.EMPTY, empty_reason="no item"),
        slot(
            "s3",
            at(day + timedelta(days=2), 15),
            kind=SlotKind.ORIGINAL,
            status=SlotStatus.READY,
            topic="What a data team of one should automate first",
        ),
        slot("s4", at(day + timedelta(days=3), 8), item_id=2),  # past the 3-day window
        slot("s0", at(day - timedelta(days=1), 8), item_id=3),  # yesterday
    ]
    feeds = [
        failing_feed(9, "Broken Blog", "HTTP 503 Service Unavailable", now - timedelta(days=2))
    ]
    return build_digest(
        p,
        day,
        candidates=cands,
        slots=slots,
        slot_items={i.id: i for i in items},
        feeds=feeds,
        since=since,
    )


# -- content ----------------------------------------------------------------------------------


def test_selection_keeps_the_queue_order_caps_and_counts_the_rest() -> None:
    content = sample()
    # score = 0.9 - 0.08 * id >= 0.2 keeps ids 1..7 except... 7 -> 0.34: all seven eligible.
    assert content.item_ids == (1, 2, 3, 4)  # the queue's order, whatever the source
    assert [e.source for e in content.reading] == ["Source B", "Source A"] * 2
    assert content.more == 3
    assert 50 not in content.item_ids  # fetched before `since`


def test_selection_skips_blocked_low_excluded_and_orders_by_rank() -> None:
    p = profile(max_items=10, min_score=0.3)
    its = [item(i, fetched_at=NOW) for i in range(1, 6)]
    extra = item(6, fetched_at=NOW)
    cands = [
        candidate(its[0], 0.9, rank=3),
        candidate(its[1], 0.95, rank=1),
        candidate(its[2], 0.99, blocked=True),
        candidate(its[3], 0.29),
        candidate(its[4], 0.5, rank=2),
        candidate(extra, 0.97, rank=None),  # a near-duplicate's lesser copy, or decided
    ]
    content = build_digest(p, DAY, candidates=cands, exclude_ids=[5])
    assert content.item_ids == (2, 1)
    assert content.more == 0


def test_rank_chooses_and_orders_the_items() -> None:
    its = [item(i, fetched_at=NOW) for i in range(1, 5)]
    cands = [
        candidate(its[0], 0.5, rank=1, source="X"),
        candidate(its[1], 0.9, rank=2, source="Y"),
        candidate(its[2], 0.6, rank=3, source="X"),
        candidate(its[3], 0.95, rank=4, source="X"),  # the queue ranked it last
    ]
    content = build_digest(profile(max_items=3), DAY, candidates=cands)
    assert content.item_ids == (1, 2, 3)
    assert content.more == 1


def test_one_busy_feed_does_not_fill_the_reading_list() -> None:
    # Seven of the ten best new items come from one feed (the queue spread its top ranks, but
    # the digest lists new items only): at most max_per_source (3) of them before the others.
    busy = [item(i, fetched_at=NOW, feed_id=1) for i in range(1, 8)]
    quiet = [item(i, fetched_at=NOW, feed_id=2) for i in range(8, 12)]
    cands = [candidate(it, 0.9 - it.id / 100, rank=it.id) for it in busy + quiet]
    content = build_digest(profile(max_items=6), DAY, candidates=cands)
    assert content.item_ids == (1, 2, 3, 8, 9, 10)
    assert content.more == 5
    uncapped = replace(profile(max_items=6), scoring=ScoringSettings(max_per_source=0))
    assert build_digest(uncapped, DAY, candidates=cands).item_ids == (1, 2, 3, 4, 5, 6)


def test_the_action_comes_first_whatever_its_date_within_the_horizon() -> None:
    # A comment due in five days and an empty slot next week: nothing in the next three days,
    # yet the digest opens on both, and the empty slot names the item that would fill it.
    it = item(1, fetched_at=NOW, title="Salaires data 2026")
    due = slot("due", at(DAY + timedelta(days=5), 8), item_id=7)
    linked = item(7, fetched_at=NOW - timedelta(days=1))
    empty = slot(
        "gap", at(DAY + timedelta(days=8), 8), status=SlotStatus.EMPTY, empty_reason="no item"
    )
    p = profile(language="fr")
    content = build_digest(
        p,
        DAY,
        candidates=[candidate(it, 0.8)],
        slots=[due, empty],
        slot_items={7: linked},
        now=NOW,
    )
    assert content.slots == ()  # the three-day agenda is empty
    assert [(s.slot_id, s.alert) for s in content.todo] == [
        ("due", SlotAlert.COMMENT_MISSING),
        ("gap", SlotAlert.EMPTY),
    ]
    assert content.todo[1].suggestion == "Salaires data 2026"
    assert content.next_slot is not None and content.next_slot.slot_id == "due"
    text = render_text(content)
    assert text.index("== À faire ==") < text.index("== À lire")
    assert "!! COMMENTAIRE MANQUANT !! avant jeu. 2 avr. 10:00" in text
    assert "Pour le remplir : Salaires data 2026" in text
    assert (  # the relay's LinkedIn share link, in both parts
        "    Partager sur LinkedIn : <https://www.linkedin.com/sharing/share-offsite/"
        "?url=https%3A%2F%2Fnews.example.org%2Farticles%2F7>"
    ) in text
    assert 'href="https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F' in render_html(
        content
    )
    subject = build_message(content, sender="c@example.com", now=NOW)["Subject"]
    assert subject == (
        "1 commentaire à écrire avant jeu. 2 avr. 10:00 · 1 créneau vide · 1 à lire"
        " · curator du sam. 28 mars"
    )
    # the comment due later is enough to send the digest; an empty slot next week alone is not
    assert not content.is_empty
    only_empty = build_digest(p, DAY, candidates=[], slots=[empty], slot_items={}, now=NOW)
    assert only_empty.is_empty


def test_titles_keep_emoji_sequences_and_lose_invisible_characters() -> None:
    it = replace(item(1, fetched_at=NOW), title="Dev\u202e\u200b 👩\u200d💻 —\n" + "mot " * 60)
    title = build_digest(profile(), DAY, candidates=[candidate(it, 0.8)]).entries[0].title
    assert title.startswith("Dev 👩\u200d💻 — mot ") and title.endswith("mot…")


def test_reasons_are_the_why_terms_deduplicated_and_capped() -> None:
    it = item(1, fetched_at=NOW)
    c = candidate(it, 0.8, why=("a", "b", "a", "c\r\nd", "e", "f"))
    content = build_digest(profile(), DAY, candidates=[c])
    assert content.entries[0].reasons == ("a", "b", "c d", "e")


def test_slots_window_and_alerts() -> None:
    content = sample()
    assert [s.slot_id for s in content.slots] == ["s1", "s2", "s3"]
    alerts = {s.slot_id: s.alert for s in content.slots}
    assert alerts == {"s1": SlotAlert.COMMENT_MISSING, "s2": SlotAlert.EMPTY, "s3": None}
    assert content.slots[0].title == "Article number 1"


def test_a_missing_comment_comes_with_the_planners_starter() -> None:
    starter = "> Trois chiffres <à retenir>.\n> Le reste suit.\nVotre objectif : recrutement"
    s = replace(slot("s1", at(DAY, 9), item_id=1), comment_starter=starter)
    content = build_digest(profile(language="fr"), DAY, candidates=[], slots=[s], slot_items={})
    text = render_text(content)
    assert "    > Trois chiffres <à retenir>.\n    > Le reste suit.\n" in text
    assert "    Votre objectif : recrutement\n" in text
    page = render_html(content)
    # quotes, not a run-on line with stray ">"
    assert '<blockquote class="quote"' in page and "Trois chiffres &lt;à retenir&gt;." in page
    assert "&gt; Trois" not in page and "> Trois" not in page


def test_a_written_comment_clears_the_alert() -> None:
    p = profile()
    s = comment_slot(slot("s1", at(DAY, 9), item_id=1), "x" * 40, p.schedule, NOW)
    content = build_digest(p, DAY, candidates=[], slots=[s], slot_items={})
    assert content.slots[0].alert is None


def test_the_alert_follows_the_planners_status_not_the_comment_length() -> None:
    # min_comment_chars changed after these comments were written: the slots keep their status,
    # and the digest says what the calendar and the .ics say
    ready = slot("r", at(DAY, 9), item_id=1, status=SlotStatus.READY, comment="Short")
    planned = slot("p", at(DAY, 10), item_id=2, comment="x" * 40)
    content = build_digest(profile(), DAY, candidates=[], slots=[ready, planned], slot_items={})
    alerts = {s.slot_id: s.alert for s in content.slots}
    assert alerts == {"r": None, "p": SlotAlert.COMMENT_MISSING}


def test_failing_feeds_are_listed() -> None:
    content = sample()
    assert [f.name for f in content.failing] == ["Broken Blog"]
    assert "503" in content.failing[0].error


@pytest.mark.parametrize(
    ("slots", "send_when_empty", "should_send"),
    [
        ([], False, False),
        ([], True, True),
        ([slot("p", at(DAY, 9), status=SlotStatus.PUBLISHED)], False, False),
        ([slot("r", at(DAY, 9), status=SlotStatus.READY)], False, True),
    ],
)
def test_nothing_new_and_nothing_due_means_no_email(
    slots: list, send_when_empty: bool, should_send: bool
) -> None:
    p = profile(send_when_empty=send_when_empty)
    low = candidate(item(1, fetched_at=NOW), 0.01)
    content = build_digest(p, DAY, candidates=[low], slots=slots, feeds=[])
    assert content.should_send is should_send


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Je publie sur l'IA et la data pour les PME", "fr"),
        ("Veille stratégique en cybersécurité", "fr"),
        ("I write about data engineering for small businesses", "en"),
        ("", "en"),
    ],
)
def test_language_auto_detection(text: str, lang: str) -> None:
    assert text_language(text) == lang


def test_auto_language_follows_the_objective() -> None:
    p = profile(language="auto", objective="Je partage ma veille sur la data pour les PME")
    assert build_digest(p, DAY, candidates=[]).language == "fr"


def test_french_short_dates() -> None:
    assert short_date(date(2026, 6, 1), "fr") == "lun. 1 juin"
    assert short_date(date(2026, 2, 3), "fr") == "mar. 3 févr."
    assert short_date(date(2026, 2, 3), "en") == "Tue 3 Feb"


def test_excerpt_strips_markup_and_shortens() -> None:
    text = "<script>var x = 1;</script><p>Hello <b>world</b> &amp; friends</p>" + " word" * 200
    out = excerpt(text, 60)
    assert out.startswith("Hello world & friends")
    assert "var x" not in out and "<" not in out
    assert len(out) <= 60 and out.endswith("…")


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.org/a?b=1", True),
        ("HTTP://example.org/", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<b>x</b>", False),
        ('https://example.org/"onmouseover=alert(1)', False),
        (None, False),
    ],
)
def test_only_http_links_survive(url: str | None, safe: bool) -> None:
    assert (safe_url(url) is not None) is safe


# -- rendering --------------------------------------------------------------------------------


def test_french_digest_scores_use_a_decimal_comma() -> None:
    html_fr = render_html(sample("fr", "Europe/Paris", DAY))
    html_en = render_html(sample("en", "America/New_York", DAY))
    assert re.search(r"score 0,\d\d<", html_fr) and not re.search(r"score \d\.\d\d<", html_fr)
    assert re.search(r"score 0\.\d\d<", html_en)


@pytest.mark.parametrize(
    ("language", "timezone", "day"),
    [("en", "America/New_York", date(2026, 10, 31)), ("fr", "Europe/Paris", DAY)],
)
def test_text_part_matches_golden_file(language: str, timezone: str, day: date) -> None:
    """Both DST changes fall in a slot window here (US on 1 Nov, Europe on 29 Mar)."""
    text = render_text(sample(language, timezone, day))
    golden = DATA / f"digest_{language}.txt"
    if REGEN:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        "text part changed; regenerate with CURATOR_REGEN_GOLDEN=1 and review the diff"
    )


def test_french_and_english_renderings_differ_where_they_should() -> None:
    fr = render_text(sample("fr"))
    en = render_text(sample("en"))
    assert "Votre digest curator du samedi 28 mars 2026" in fr
    assert "COMMENTAIRE MANQUANT" in fr and "CRÉNEAU VIDE" in fr
    assert "+3 autres" in fr and "Flux en erreur" in fr
    assert "Your curator digest for Saturday 28 March 2026" in en
    assert "COMMENT MISSING" in en and "EMPTY SLOT" in en and "+3 more" in en


def test_slot_times_are_local_across_the_dst_change() -> None:
    d = date(2026, 3, 28)
    content = build_digest(
        profile(timezone="Europe/Paris"),
        d,
        candidates=[],
        slots=[
            slot("a", datetime(2026, 3, 28, 8, 0, tzinfo=UTC), status=SlotStatus.READY),
            slot("b", datetime(2026, 3, 30, 7, 0, tzinfo=UTC), status=SlotStatus.READY),
        ],
    )
    text = render_text(content)
    assert "Sat 28 Mar 09:00" in text  # UTC+1
    assert "Mon 30 Mar 09:00" in text  # UTC+2 after the change


def test_html_keeps_dark_mode_rules_inlines_the_rest_and_hides_a_preheader() -> None:
    page = render_html(sample())
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(styles) == 1 and "prefers-color-scheme: dark" in styles[0]
    assert "border-radius" not in styles[0]  # ordinary rules were inlined, not kept
    assert 'style="' in page and "border-radius: 8px" in page
    assert re.search(r'<div class="preheader" style="[^"]*display: none', page)
    assert len(page.encode()) < HTML_LIMIT_BYTES


def test_html_stays_under_the_clipping_limit_by_dropping_items() -> None:
    p = profile(max_items=1000, min_score=0.0)
    huge = "Long title " * 100
    cands = [
        candidate(item(i, fetched_at=NOW, title=huge, summary="x " * 2000), 0.5, rank=i)
        for i in range(1, 1001)
    ]
    content = build_digest(p, DAY, candidates=cands)
    fitted, page = fit_html(content)
    assert len(page.encode()) <= HTML_LIMIT_BYTES
    assert 0 < len(fitted.entries) < 1000
    assert len(fitted.entries) + fitted.more == 1000
    assert f"+{fitted.more} more" in page


EVIL = 'Buy now <script>alert("x")</script>\r\nBcc: victim@example.com\r\n\r\nbody'


def test_hostile_title_is_escaped_and_cannot_inject_a_header() -> None:
    it = item(1, fetched_at=NOW, title=EVIL, url="javascript:alert(1)")
    content = build_digest(profile(), DAY, candidates=[candidate(it, 0.9)])
    msg = build_message(content, sender="curator@example.com", now=NOW)
    raw = msg.as_bytes()
    parsed = message_from_bytes(raw, policy=default_policy)
    assert parsed["Bcc"] is None
    assert all("victim" not in str(v) for v in parsed.values())
    html_part = _part(parsed, "text/html")
    assert "<script" not in html_part
    assert "&lt;script&gt;" in html_part
    assert "javascript:" not in html_part
    text_part = _part(parsed, "text/plain")
    assert "Bcc: victim@example.com body" in text_part  # one line, harmless in a body


HEADERS = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "X-Auto-Response-Suppress",
    "List-Unsubscribe",
    "X-Curator-Profile",
    "MIME-Version",
    "Content-Type",
    "Content-Language",
]


@settings(max_examples=60, deadline=None)
@given(title=st.text(), summary=st.text(), term=st.text(max_size=30))
def test_no_feed_text_can_add_a_header_or_markup(title: str, summary: str, term: str) -> None:
    # The markup leads the title: a long title is shortened, and the cut must not hide it.
    it = item(1, fetched_at=NOW, title="<b>x</b>" + title, summary=summary)
    c = candidate(it, 0.9, why=(term, "<i>y</i>"))
    msg = build_message(build_digest(profile(), DAY, candidates=[c]), sender="d@e.org", now=NOW)
    parsed = message_from_bytes(msg.as_bytes(), policy=default_policy)
    assert list(parsed.keys()) == HEADERS
    page = _part(parsed, "text/html")
    assert "<b>x</b>" not in page and "<i>y</i>" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page


def test_the_pure_modules_stay_pure() -> None:
    code = (
        "import sys, curator.outputs.digest, curator.outputs.outbox; "
        "bad = {'sqlalchemy', 'smtplib', 'click', 'jinja2.sandbox'} & set(sys.modules); "
        "print(sorted(bad))"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_message_id_is_deterministic_and_safe() -> None:
    assert message_id("alice", DAY) == "<digest.alice.2026-03-28@curator>"
    odd = message_id("équipe\r\nBcc: y", DAY)
    assert re.fullmatch(r"<digest\._quipe__Bcc__y-[0-9a-f]{8}\.2026-03-28@curator>", odd)
    assert odd != message_id("èquipe\r\nBcc: y", DAY)


def test_message_structure_and_headers() -> None:
    msg = build_message(sample(), sender="Curator <digest@example.com>", now=NOW)
    _assert_digest_message(msg)


def test_a_recipient_is_required() -> None:
    content = replace(sample(), recipients=())
    with pytest.raises(ConfigError):
        build_message(content, sender="digest@example.com", now=NOW)


def _part(msg: EmailMessage, ctype: str) -> str:
    for part in msg.walk():
        if part.get_content_type() == ctype:
            content = part.get_content()
            assert isinstance(content, str)
            return content
    raise AssertionError(f"no {ctype} part")


def _assert_digest_message(msg: EmailMessage) -> None:
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]  # plain first: clients show the last they can
    assert [p["MIME-Version"] for p in msg.iter_parts()] == [None, None]
    assert msg["MIME-Version"] == "1.0"
    assert msg["Content-Language"] == "en"
    assert msg["Message-ID"] == "<digest.alice.2026-03-28@curator>"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["List-Unsubscribe"].startswith("<mailto:digest@example.com?")
    assert msg["Date"] == "Sat, 28 Mar 2026 06:30:00 +0000"
    assert msg["To"] == "alice@example.com"
    assert msg["Subject"] == (
        "2 comments to write by Sat 28 Mar 09:00 · 1 empty slot · 4 to read · curator Sat 28 Mar"
    )
    assert "Article number" not in msg["Subject"]
    assert "Article number 1" in _part(msg, "text/plain")
    assert "Article number 1" in _part(msg, "text/html")


# -- SMTP -------------------------------------------------------------------------------------


def _settings(server: SmtpServer, **kw: object) -> SmtpSettings:
    base = SmtpSettings(
        host=server.host, port=server.port, sender="digest@example.com", timeout_seconds=5
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def _message() -> EmailMessage:
    return build_message(sample(), sender="Curator <digest@example.com>", now=NOW)


def test_smtp_delivers_the_message_as_built() -> None:
    with smtp_server() as server:
        smtp.send(_message(), _settings(server))
    assert len(server.messages) == 1
    _assert_digest_message(server.messages[0])
    assert server.handler.envelopes == [("digest@example.com", ["alice@example.com"])]


@pytest.mark.parametrize(
    ("script", "permanent", "code"),
    [
        ({"data": ["550 5.7.1 rejected as spam"]}, True, 550),
        ({"data": ["451 4.3.0 greylisted"]}, False, 451),
        ({"rcpt": ["550 5.1.1 no such user"]}, True, 550),
        ({"rcpt": ["452 4.2.2 mailbox full"]}, False, 452),
    ],
)
def test_smtp_failures_are_classified(script: dict, permanent: bool, code: int) -> None:
    with smtp_server(**script) as server, pytest.raises(DeliveryError) as info:
        smtp.send(_message(), _settings(server))
    assert info.value.permanent is permanent
    assert info.value.code == code
    assert str(code) in str(info.value)
    assert server.messages == []


_NO_TLS_AUTH = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@_NO_TLS_AUTH
def test_smtp_login() -> None:
    with smtp_server(user="bob", password="s3cret") as server:
        smtp.send(_message(), _settings(server, user="bob", password="s3cret"))
        with pytest.raises(DeliveryError) as info:
            smtp.send(_message(), _settings(server, user="bob", password="wrong"))
    assert info.value.permanent and info.value.code == 535
    assert len(server.messages) == 1


@_NO_TLS_AUTH
def test_smtp_user_without_password_is_a_config_error() -> None:
    with smtp_server(user="bob", password="s3cret") as server, pytest.raises(ConfigError):
        smtp.send(_message(), _settings(server, user="bob"))


def test_unreachable_server_is_temporary() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connection refused
        settings = SmtpSettings(host="127.0.0.1", port=port, timeout_seconds=2)
        with pytest.raises(DeliveryError) as info:
            smtp.send(_message(), settings)
    assert not info.value.permanent and info.value.code is None
    from curator.i18n import language

    assert str(info.value).startswith(f"cannot reach 127.0.0.1:{port}: ")
    assert (
        language("fr")
        .say_error(info.value)
        .startswith(f"impossible de joindre 127.0.0.1:{port}\u00a0: ")
    )


def test_smtp_and_digest_settings_errors_read_in_french() -> None:
    from curator.i18n import language
    from curator.outputs import digest as digest_module

    french = language("fr")
    with pytest.raises(ConfigError) as unknown:
        smtp.send(_message(), SmtpSettings(security="tls"))
    assert french.say_error(unknown.value) == (
        "smtp.security: sécurité inconnue 'tls' (attendu l’un de starttls, ssl, none)"
    )
    with pytest.raises(ConfigError) as broken:
        digest_module._address("a@b.example\nBcc: c@d.example", "smtp.from")
    assert french.say_error(broken.value).startswith("smtp.from: l’adresse 'a@b.example")


def test_tls_against_a_plain_server_fails_temporarily() -> None:
    with smtp_server() as server, pytest.raises(DeliveryError) as info:
        smtp.send(_message(), _settings(server, security="ssl", timeout_seconds=2))
    assert not info.value.permanent


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pem = make_certificate(tmp_path_factory.mktemp("tls"))
    if pem is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    return pem


@_NO_TLS_AUTH
def test_starttls_then_login(certificate: Path) -> None:
    with smtp_server(starttls=certificate, user="bob", password="pw") as server:
        settings = _settings(server, security="starttls", user="bob", password="pw")
        smtp.send(_message(), settings, context=client_context(certificate))
    assert len(server.messages) == 1


def test_implicit_tls(certificate: Path) -> None:
    with smtp_server(implicit_tls=certificate) as server:
        smtp.send(
            _message(), _settings(server, security="ssl"), context=client_context(certificate)
        )
    assert len(server.messages) == 1


def test_an_untrusted_certificate_is_refused(certificate: Path) -> None:
    with smtp_server(starttls=certificate) as server, pytest.raises(DeliveryError) as info:
        smtp.send(_message(), _settings(server, security="starttls"))
    assert "certificate" in str(info.value).lower()
    assert server.messages == []


def test_starttls_required_but_not_offered_is_permanent() -> None:
    with smtp_server() as server, pytest.raises(DeliveryError) as info:
        smtp.send(_message(), _settings(server, security="starttls"))
    assert info.value.permanent


def test_connection_lost_after_data_is_in_doubt() -> None:
    with smtp_server(data=[DROP]) as server, pytest.raises(DeliveryInDoubt):
        smtp.send(_message(), _settings(server))


# -- outbox -----------------------------------------------------------------------------------


def _row(state: DigestState, **kw: object) -> Digest:
    return Digest(profile="alice", day=DAY, state=state, message_id="<m>", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("row", "manual", "force", "action"),
    [
        (None, False, False, Action.SEND),
        (_row(DigestState.SENT), False, False, Action.ALREADY_SENT),
        (_row(DigestState.SENT), True, False, Action.ALREADY_SENT),
        (_row(DigestState.SENT), True, True, Action.SEND),
        (_row(DigestState.SENDING), True, False, Action.IN_DOUBT),
        (_row(DigestState.FAILED), False, False, Action.GAVE_UP),
        (_row(DigestState.FAILED), True, False, Action.SEND),
        (_row(DigestState.PENDING, next_attempt_at=NOW + timedelta(1)), False, False, Action.WAIT),
        (_row(DigestState.PENDING, next_attempt_at=NOW + timedelta(1)), True, False, Action.SEND),
        (_row(DigestState.PENDING, next_attempt_at=NOW), False, False, Action.SEND),
        (_row(DigestState.EMPTY), False, False, Action.SEND),
    ],
)
def test_outbox_decisions(row: Digest | None, manual: bool, force: bool, action: Action) -> None:
    assert outbox.decide(row, NOW, manual=manual, force=force) is action


def test_backoff_grows_and_is_capped() -> None:
    delays = [outbox.backoff(n) for n in range(1, 10)]
    assert delays == sorted(delays)
    assert delays[0] == outbox.BACKOFF_BASE and delays[-1] == outbox.BACKOFF_MAX


def test_too_many_temporary_failures_give_up() -> None:
    row = _row(DigestState.SENDING, attempts=outbox.MAX_ATTEMPTS)
    after = outbox.record_failure(row, DeliveryError("451 later", permanent=False), NOW)
    assert after.state is DigestState.FAILED


@pytest.mark.parametrize(
    ("profile_time", "catchup", "due"),
    [
        (time(7, 30), None, True),  # 07:30 local, now 07:30 local (06:30 UTC, UTC+1)
        (time(7, 31), None, False),
        (time(1, 0), 6.0, False),  # 6h30 late: past the catch-up window
        (time(1, 0), None, True),
    ],
)
def test_due_day(profile_time: time, catchup: float | None, due: bool) -> None:
    p = profile(time=profile_time)
    assert (outbox.due_day(p, NOW, catchup) == DAY) is due


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), False),  # 01:59 CET, before the gap
        (datetime(2026, 3, 29, 1, 29, tzinfo=UTC), False),  # 03:29 CEST
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), True),  # 03:30 CEST: 02:30 + the hour skipped
    ],
)
def test_a_digest_time_inside_the_spring_gap_is_due_once_the_gap_is_over(
    now: datetime, due: bool
) -> None:
    p = profile(time=time(2, 30), timezone="Europe/Paris")
    assert (outbox.due_day(p, now) == date(2026, 3, 29)) is due


class MemoryOutbox:
    """The rows as the app stores them, with every saved state kept in order."""

    def __init__(self) -> None:
        self.row: Digest | None = None
        self.history: list[DigestState] = []

    def save(self, row: Digest) -> None:
        self.row = row
        self.history.append(row.state)

    def claim(self, previous: Digest | None, row: Digest) -> bool:
        if self.row != previous:
            return False
        self.save(row)
        return True

    def deliver(self, send: Callable[[EmailMessage], None]) -> Digest | None:
        """Deliver the test message from this outbox's row, at NOW, never sleeping."""
        return outbox.deliver(
            _message(),
            None,
            profile="alice",
            day=DAY,
            item_ids=(),
            claim=self.claim,
            save=self.save,
            send=send,
            clock=lambda: NOW,
            sleep=lambda _: None,
        )


def _deliver(box: MemoryOutbox, server: SmtpServer, **kw: object) -> Digest:  # type: ignore[return]
    sleeps: list[float] = []
    msg = _message()
    result = outbox.deliver(
        msg,
        box.row,
        profile="alice",
        day=DAY,
        item_ids=(1, 2),
        claim=box.claim,
        save=box.save,
        send=lambda m: smtp.send(m, _settings(server)),
        clock=lambda: NOW,
        sleep=sleeps.append,
        **kw,  # type: ignore[arg-type]
    )
    assert result is not None
    return result


def test_451_then_250_sends_exactly_one_message() -> None:
    box = MemoryOutbox()
    with smtp_server(data=["451 4.3.0 try again later"]) as server:
        row = _deliver(box, server)
    assert len(server.messages) == 1
    assert server.handler.data_attempts == 2
    assert row.state is DigestState.SENT and row.attempts == 2
    assert box.history == ["sending", "pending", "sending", "sent"]


def test_repeated_451_leaves_it_pending_with_a_later_attempt() -> None:
    box = MemoryOutbox()
    with smtp_server(data=["451 4.3.0 busy"] * 5) as server:
        row = _deliver(box, server)
    assert server.messages == []
    assert row.state is DigestState.PENDING
    assert row.next_attempt_at is not None and row.next_attempt_at > NOW
    assert row.last_error is not None and "451" in row.last_error
    assert outbox.decide(row, NOW) is Action.WAIT


def test_550_marks_the_digest_failed_with_the_reply() -> None:
    box = MemoryOutbox()
    with smtp_server(data=["550 5.7.1 message refused"]) as server:
        row = _deliver(box, server)
    assert server.handler.data_attempts == 1  # never retried
    assert row.state is DigestState.FAILED
    assert row.last_error == "DATA: 550 5.7.1 message refused"


def test_sending_is_recorded_before_the_smtp_transaction() -> None:
    """A crash inside send() leaves the row in `sending`, and no later run sends it again."""
    box = MemoryOutbox()

    class Crash(BaseException):
        pass

    def crash(_: EmailMessage) -> None:
        assert box.row is not None and box.row.state is DigestState.SENDING
        raise Crash

    with pytest.raises(Crash):
        box.deliver(crash)
    assert box.row is not None and box.row.state is DigestState.SENDING
    assert outbox.decide(box.row, NOW + timedelta(days=1)) is Action.IN_DOUBT


def test_a_lost_claim_sends_nothing() -> None:
    box = MemoryOutbox()
    box.row = _row(DigestState.SENDING)  # another process got there between read and claim
    sent: list[EmailMessage] = []
    result = box.deliver(sent.append)
    assert result is None and sent == []


def test_in_doubt_delivery_is_not_retried() -> None:
    box = MemoryOutbox()
    with smtp_server(data=[DROP]) as server:
        row = _deliver(box, server)
    assert server.handler.data_attempts == 1
    assert row.state is DigestState.SENDING and row.last_error


# -- the use case: Curator.digest, the run stage and the command ------------------------------

APP_NOW = datetime(2026, 3, 28, 7, 0, tzinfo=UTC)  # 08:00 in Paris: past the 07:30 digest time
APP_DAY = date(2026, 3, 28)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(APP_NOW)


@pytest.fixture
def make_app(
    settings_factory: Callable[..., Settings], db: Database, clock: Clock
) -> Iterator[Callable[..., Curator]]:
    def make(port: int | None, **kw: str) -> Curator:
        app = Curator(settings_factory(app_config(port, **kw)), db, clock=clock)
        app.sleep = lambda _seconds: None  # quick retries without waiting
        return app

    yield make


def _outcome(report: DigestReport) -> DigestOutcome:
    assert len(report.outcomes) == 1
    return report.outcomes[0]


def test_app_sends_one_digest_per_profile_and_day(make_app: Callable[..., Curator]) -> None:
    with smtp_server() as server:
        app = make_app(server.port)
        ids = seed(app.db, now=APP_NOW)
        first = _outcome(app.digest())
        second = _outcome(app.digest())
    assert first.outcome == "sent" and first.items == 3
    assert second.outcome == "already-sent"
    assert len(server.messages) == 1
    msg = server.messages[0]
    assert msg["Message-ID"] == "<digest.claire.2026-03-28@curator>"
    assert "Recrutement data : les salaires de 1" in _part(msg, "text/plain")
    assert msg["Subject"].endswith(" à lire · curator du sam. 28 mars")
    [row] = app.digest_status()
    assert row.state is DigestState.SENT and row.item_ids == tuple(ids)
    assert row.sent_at == APP_NOW


def test_app_451_then_250_sends_exactly_one(make_app: Callable[..., Curator]) -> None:
    with smtp_server(data=["451 4.7.1 greylisted, come back later"]) as server:
        app = make_app(server.port)
        seed(app.db, now=APP_NOW)
        outcome = _outcome(app.digest())
    assert outcome.outcome == "sent" and outcome.attempts == 2
    assert len(server.messages) == 1


def test_app_550_marks_failed_and_the_reply_is_visible(
    make_app: Callable[..., Curator], clock: Clock
) -> None:
    with smtp_server(data=["550 5.7.1 relaying denied"]) as server:
        app = make_app(server.port)
        seed(app.db, now=APP_NOW)
        outcome = _outcome(app.digest())
        clock.now += timedelta(hours=1)
        app.run()  # the scheduled stage does not retry a failed digest by itself
    assert outcome.outcome == "failed" and not outcome.ok
    assert outcome.detail == "DATA: 550 5.7.1 relaying denied"
    assert server.handler.data_attempts == 1
    [row] = app.digest_status()
    assert row.state is DigestState.FAILED and "550 5.7.1 relaying denied" in (row.last_error or "")


def test_app_temporary_failure_is_retried_by_a_later_run(
    make_app: Callable[..., Curator], clock: Clock
) -> None:
    busy = ["421 4.3.2 busy"] * (len(outbox.QUICK_RETRY_DELAYS) + 1)
    with smtp_server(data=busy) as server:
        app = make_app(server.port)
        seed(app.db, now=APP_NOW)
        app.run()
        [row] = app.digest_status()
        assert row.state is DigestState.PENDING and row.next_attempt_at is not None
        clock.now = row.next_attempt_at - timedelta(seconds=1)
        app.run()  # not yet
        assert server.messages == []
        clock.now = row.next_attempt_at
        app.run()
    assert len(server.messages) == 1
    assert app.digest_status()[0].state is DigestState.SENT


def test_app_two_runs_on_the_same_date_send_one_message(
    make_app: Callable[..., Curator], clock: Clock
) -> None:
    with smtp_server() as server:
        app = make_app(server.port)
        seed(app.db, now=APP_NOW)
        clock.now = datetime(2026, 3, 28, 6, 0, tzinfo=UTC)  # 07:00 Paris: not yet
        assert "digest" in [s.name for s in app.run().stages]
        assert server.messages == []
        clock.now = APP_NOW
        app.run()
        clock.now = APP_NOW + timedelta(hours=2)
        app.run()
    assert len(server.messages) == 1


def test_app_a_digest_missed_for_too_long_is_not_sent_late(
    make_app: Callable[..., Curator], clock: Clock
) -> None:
    with smtp_server() as server:
        app = make_app(server.port)
        seed(app.db, now=APP_NOW)
        clock.now = datetime(2026, 3, 28, 21, 0, tzinfo=UTC)  # 22:00 Paris, 14h30 late
        report = app.due_digests()
    assert report.outcomes == ()
    assert server.messages == []


def test_app_the_schedulers_daily_job_sends_once(
    make_app: Callable[..., Curator], clock: Clock
) -> None:
    with smtp_server() as server:
        app = make_app(server.port)
        seed(app.db, now=APP_NOW)
        clock.now = datetime(2026, 3, 28, 6, 30, tzinfo=UTC)  # 07:30 Paris, the digest time
        first = app.send_due_digest("claire", catch_up=False)
        again = app.send_due_digest("claire", catch_up=True)  # the start-up catch-up job
    assert [o.outcome for o in first.outcomes + again.outcomes] == ["sent", "already-sent"]
    assert len(server.messages) == 1
    detail = json.loads(json.dumps(first.as_dict()))
    assert detail["digests"][0] == {
        "profile": "claire",
        "day": "2026-03-28",
        "outcome": "sent",
        "detail": None,
        "items": 3,
        "attempts": 1,
    }


def test_app_a_crash_mid_send_is_in_doubt_until_forced(
    make_app: Callable[..., Curator], clock: Clock
) -> None:
    with smtp_server() as server:
        app = make_app(server.port)
        seed(app.db, now=APP_NOW)
        # What a process killed inside the SMTP transaction leaves behind.
        app._save_digest(
            Digest("claire", APP_DAY, DigestState.SENDING, message_id("claire", APP_DAY), 1)
        )
        app.run()
        doubt = _outcome(app.digest())
        assert server.messages == []
        assert doubt.outcome == "in-doubt" and "--force" in (doubt.detail or "")
        forced = _outcome(app.digest(force=True))
    assert forced.outcome == "sent"
    assert len(server.messages) == 1
    assert server.messages[0]["Message-ID"] == "<digest.claire.2026-03-28@curator>"


def test_app_next_day_lists_only_what_is_new(
    make_app: Callable[..., Curator], clock: Clock
) -> None:
    with smtp_server() as server:
        app = make_app(server.port)
        seed(app.db, now=APP_NOW, count=2)
        app.digest()
        clock.now = APP_NOW + timedelta(days=1)
        seed(app.db, now=clock.now, count=2, first_id=10)
        app.digest()
    assert len(server.messages) == 2
    second = _part(server.messages[1], "text/plain")
    assert "salaires de 10" in second and "salaires de 11" in second
    assert "salaires de 1\n" not in second and "salaires de 2\n" not in second


def test_app_nothing_new_and_nothing_due_sends_nothing(
    make_app: Callable[..., Curator], clock: Clock
) -> None:
    with smtp_server() as server:
        app = make_app(server.port)
        outcome = _outcome(app.digest())
        assert outcome.outcome == "empty" and outcome.ok
        seed_slot(app.db, slot_id="x", starts_at=APP_NOW + timedelta(days=1), item_id=None)
        later = _outcome(app.digest())  # an open slot is something due: now it is sent
    assert later.outcome == "sent" and later.alerts == 1
    assert len(server.messages) == 1
    assert "COMMENTAIRE MANQUANT" in _part(server.messages[0], "text/plain")


def test_store_claim_is_a_compare_and_set(
    any_db: Database, settings_factory: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    from curator.store import digests

    Curator(settings_factory(app_config(None)), any_db)  # syncs the profile row
    mid = message_id("claire", APP_DAY)
    sending = Digest("claire", APP_DAY, DigestState.SENDING, mid, attempts=1)
    with any_db.session() as session:
        assert digests.claim(session, None, sending, APP_NOW)
    with any_db.session() as session:
        assert not digests.claim(session, None, sending, APP_NOW)  # the row exists already
    with monkeypatch.context() as m, any_db.session() as session:
        m.setattr(digests, "_row", lambda *_: None)  # lose the race after the check
        assert not digests.claim(session, None, sending, APP_NOW)
    # Another worker's row committed between the look and the insert (PostgreSQL reads what
    # is committed at each statement): the look saw nothing, and the claim must fail rather
    # than take that row over, or both workers send the digest (seen in CI with two workers).
    looked: list[bool] = []
    real_row = digests._row

    def first_look_sees_nothing(*args: Any) -> Any:
        looked.append(True)
        return None if len(looked) == 1 else real_row(*args)

    with monkeypatch.context() as m, any_db.session() as session:
        m.setattr(digests, "_row", first_look_sees_nothing)
        assert not digests.claim(session, None, replace(sending, attempts=7), APP_NOW)
    with any_db.session() as session:
        assert digests.get(session, "claire", APP_DAY) == sending  # the other's row, untouched
    pending = Digest("claire", APP_DAY, DigestState.PENDING, mid, attempts=1)
    with any_db.session() as session:
        assert not digests.claim(session, pending, replace(sending, attempts=2), APP_NOW)
    with any_db.session() as session:
        assert digests.claim(session, sending, replace(sending, attempts=2), APP_NOW)
    with any_db.session() as session:
        assert digests.get(session, "claire", APP_DAY) == replace(sending, attempts=2)


def test_app_sends_once_on_any_database(
    any_db: Database, settings_factory: Callable[..., Settings]
) -> None:
    with smtp_server(data=["451 4.3.0 later"]) as server:
        app = Curator(settings_factory(app_config(server.port)), any_db, clock=lambda: APP_NOW)
        app.sleep = lambda _seconds: None
        seed(any_db, now=APP_NOW)
        outcomes = [_outcome(app.digest()).outcome for _ in range(2)]
    assert outcomes == ["sent", "already-sent"]
    assert len(server.messages) == 1
    [row] = app.digest_status()
    assert row.attempts == 2 and row.item_ids == (1, 2, 3)


def test_an_empty_digest_never_overwrites_one_sent_meanwhile(
    any_db: Database, settings_factory: Callable[..., Settings]
) -> None:
    """Two workers handle the same due digest. The late one reads the outbox (nothing yet), then
    the other sends, and a fetch re-scoring the items empties the queue for a moment: the late
    one finds nothing to say. Recording `empty` over the `sent` row would make the next tick
    send the digest a second time (seen with two workers on PostgreSQL)."""
    from sqlalchemy import delete, insert

    from curator.store.models import ScoreRow

    scores: list[dict[str, object]] = []
    with smtp_server() as server:
        settings = settings_factory(app_config(server.port))
        other = Curator(settings, any_db, clock=lambda: APP_NOW)
        seed(any_db, now=APP_NOW)

        class LateWorker(Curator):
            def _digest_content(self, p: Profile, d: date, now: datetime) -> DigestContent:
                assert _outcome(other.digest()).outcome == "sent"
                with self.db.session() as session:
                    table = ScoreRow.__table__
                    scores.extend(dict(r) for r in session.execute(select(table)).mappings())
                    session.execute(delete(ScoreRow))
                return super()._digest_content(p, d, now)

        late = LateWorker(settings, any_db, clock=lambda: APP_NOW)
        late_outcome = _outcome(late.digest())
        with any_db.session() as session:  # scored again: the queue has something to say
            session.execute(insert(ScoreRow.__table__), scores)
        again = _outcome(other.digest())
    assert late_outcome.outcome == "already-sent"
    assert again.outcome == "already-sent"
    assert len(server.messages) == 1
    assert [row.state for row in other.digest_status()] == [DigestState.SENT]


def test_app_slots_and_failing_feeds_come_from_the_database(
    make_app: Callable[..., Curator], db: Database
) -> None:
    from curator.store.models import FeedRow

    app = make_app(None)
    [item_id] = seed(app.db, now=APP_NOW, count=1)
    seed_slot(app.db, slot_id="a", starts_at=APP_NOW + timedelta(hours=2), item_id=item_id)
    seed_slot(app.db, slot_id="b", starts_at=APP_NOW + timedelta(days=1), status=SlotStatus.EMPTY)
    # past the three-day agenda, within the horizon: in the "to do" block only
    seed_slot(app.db, slot_id="c", starts_at=APP_NOW + timedelta(days=5))
    with db.session() as session:
        feed = session.scalars(select(FeedRow)).one()
        feed.error_count, feed.last_error = 2, "HTTP 500 Internal Server Error"
    text = _outcome(app.digest(mode="dry-run")).text or ""
    assert re.search(r"^Subject: .* · curator du sam\. 28 mars$", text, re.M)
    todo, agenda = text.split("== À faire ==")[1].split("== Les 3 prochains jours ==")
    assert "!! COMMENTAIRE MANQUANT !! avant sam. 28 mars 10:00 : Recrutement" in todo
    assert "!! CRÉNEAU VIDE !! dim. 29 mars 09:00 : rien au-dessus du seuil" in todo
    assert "MANQUANT !! avant jeu. 2 avr. 09:00" in todo  # slot c, five days ahead
    assert text.count("!!") == 6 and "!!" not in agenda
    assert agenda.count("relais,") == 2  # a and b; c is past the agenda's three days
    assert "Local : le site est en panne (HTTP 500)" in text
    assert app.digest_status() == []  # a dry run records nothing


def test_app_without_smtp_run_writes_the_eml_beside_the_database(
    make_app: Callable[..., Curator], tmp_path: Path
) -> None:
    app = make_app(None)
    seed(app.db, now=APP_NOW)
    report = app.run()
    eml = tmp_path / "digest-claire-2026-03-28.eml"
    assert eml.is_file()
    assert "written" in " ".join(report.lines())
    msg = message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert isinstance(msg, EmailMessage)
    assert msg.get_content_type() == "multipart/alternative"
    assert app.digest_status() == []  # writing a file is not sending


def test_app_to_file_writes_one_file_per_profile(
    make_app: Callable[..., Curator], tmp_path: Path
) -> None:
    other = "  - name: bob\n    objective: Data engineering news\n    language: en\n"
    app = make_app(None, extra_profile=other)
    report = app.digest(mode="file", path=tmp_path / "out.eml")
    assert [Path(o.path or "").name for o in report.outcomes] == [
        "out-claire.eml",
        "out-bob.eml",
    ]
    bob = message_from_bytes((tmp_path / "out-bob.eml").read_bytes(), policy=default_policy)
    assert bob["Message-ID"] == "<digest.bob.2026-03-28@curator>"
    assert bob["Content-Language"] == "en"


def test_app_send_without_smtp_is_a_config_error(make_app: Callable[..., Curator]) -> None:
    with pytest.raises(ConfigError, match="smtp"):
        make_app(None).digest()


def test_app_profile_without_recipient_is_skipped(
    make_app: Callable[..., Curator],
) -> None:
    other = "  - name: bob\n    objective: Data engineering news\n    language: en\n"
    with smtp_server() as server:
        app = make_app(server.port, extra_profile=other)
        seed(app.db, now=APP_NOW)
        report = app.digest()
    assert [(o.profile, o.outcome) for o in report.outcomes] == [
        ("claire", "sent"),
        ("bob", "skipped"),
    ]
    assert not report.ok and len(server.messages) == 1


# -- the command ------------------------------------------------------------------------------


@pytest.fixture
def cli_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[int | None], tuple[Path, str]]:
    def setup(port: int | None) -> tuple[Path, str]:
        config = tmp_path / "feeds.yaml"
        config.write_text(app_config(port), encoding="utf-8")
        url = f"sqlite:///{tmp_path / 'cli.db'}"
        app = Curator(parse_settings(config.read_text(), config, env={}), Database.open(url))
        seed(app.db, now=datetime.now(UTC))
        app.close()
        return config, url

    return setup


def test_cli_dry_run_file_send_and_status(
    cli_env: Callable[[int | None], tuple[Path, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with smtp_server(data=["550 5.1.1 unknown recipient"]) as server:
        config, url = cli_env(server.port)
        base = ["--config", str(config), "--db", url, "digest"]

        assert main([*base, "--dry-run"]) == 0
        out = capsys.readouterr().out
        assert re.search(r"^Subject: .* · curator du ", out, re.M) and "salaires de 1" in out

        target = tmp_path / "out.eml"
        assert main([*base, "--to-file", str(target)]) == 0
        # claire reads French: so do the command's lines (issue 16)
        assert "\u00a0: écrit (" in capsys.readouterr().out and target.stat().st_size > 0

        assert main([*base, "--send"]) == 1
        err = capsys.readouterr().err
        assert "\u00a0: échoué (" in err and "550 5.1.1 unknown recipient" in err

        assert main([*base, "--status"]) == 0
        out = capsys.readouterr().out
        assert "\u00a0: échoué, 1 tentative" in out and "550 5.1.1 unknown recipient" in out
        assert "dernière erreur\u00a0: " in out

        assert main([*base, "--send"]) == 0  # asked explicitly: a failed digest is retried
        assert "\u00a0: envoyé (" in capsys.readouterr().out
        assert main([*base, "--send"]) == 0
        out = capsys.readouterr().out
        assert "\u00a0: déjà envoyé" in out and "UTC\u00a0; --force le renvoie" in out
    assert len(server.messages) == 1


def test_cli_status_reads_a_stored_delivery_error_in_the_profile_s_language(
    cli_env: Callable[[int | None], tuple[Path, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config, url = cli_env(port)
    base = ["--config", str(config), "--db", url, "digest"]
    assert main([*base, "--send"]) == 1  # unreachable: to be retried later
    capsys.readouterr()
    assert main([*base, "--status"]) == 0
    out = capsys.readouterr().out
    # stored in English (the database is shared), read in claire's French
    assert f"dernière erreur\u00a0: impossible de joindre 127.0.0.1:{port}\u00a0: " in out, out


@pytest.mark.parametrize(
    "args",
    [[], ["--dry-run", "--send"], ["--dry-run", "--to-file", "x.eml"], ["--dry-run", "--force"]],
)
def test_cli_needs_exactly_one_mode(
    args: list[str],
    cli_env: Callable[[int | None], tuple[Path, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, url = cli_env(None)
    code = main(["--config", str(config), "--db", url, "digest", *args])
    assert code == 2, capsys.readouterr()


@pytest.mark.parametrize(
    ("error", "french"),
    [
        ("HTTP 404 Not Found", "le flux n’existe plus à cette adresse (HTTP 404)"),
        ("HTTP 503 Service Unavailable", "le site est en panne (HTTP 503)"),
        ("HTTP 418 I'm a teapot", "réponse inattendue du site (HTTP 418)"),
        (
            "cannot connect: [Errno 111] Connection refused",
            "impossible de joindre le site ([Errno 111] Connection refused)",
        ),
        ("timed out after 30 s", "le site ne répond pas à temps"),
        (
            "this is an HTML page, not a feed (try `curator feeds add` to discover its feed)",
            "c’est une page web, pas un flux (curator feeds add trouve le flux d’un site)",
        ),
        (
            "failing since 2026-03-01 08:00 UTC (12 errors); last: HTTP 500 Internal Server Error",
            "en échec depuis le 2026-03-01 08:00 UTC (12\u00a0erreurs)\u00a0; "
            "dernière\u00a0: le site est en panne (HTTP 500)",
        ),
        ("something nobody planned for", "something nobody planned for"),
    ],
)
def test_feed_errors_read_in_french(error: str, french: str) -> None:
    from curator.outputs.words import explain_feed_error

    assert explain_feed_error(error, "fr") == french
    assert explain_feed_error(error, "en") == error
