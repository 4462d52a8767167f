"""Helpers for ingestion tests: feeds.yaml text, a Curator on a fresh SQLite file, feed XML."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from curator.app import Curator
from curator.config import parse_settings

PROFILE = """\
profiles:
  - name: claire
    objective: Recrutement tech, profils data et développeurs.
    language: fr
    timezone: Europe/Paris
"""


def config_text(
    feeds: Sequence[str | dict[str, object]],
    *,
    fetch: dict[str, object] | None = None,
) -> str:
    lines = [PROFILE.rstrip(), "fetch:"]
    options: dict[str, object] = {"allow_private_addresses": True, "timeout": 2}
    options.update(fetch or {})
    for key, value in options.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        lines.append(f"  {key}: {text}")
    lines.append("feeds:")
    for feed in feeds:
        if isinstance(feed, str):
            lines.append(f"  - url: {feed}")
            continue
        first = True
        for key, value in feed.items():
            lines.append(f"  {'- ' if first else '  '}{key}: {value}")
            first = False
    return "\n".join(lines) + "\n"


class Clock:
    """A settable clock for the facade."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def open_curator(
    tmp_path: Path,
    feeds: Sequence[str | dict[str, object]],
    *,
    fetch: dict[str, object] | None = None,
    clock: Clock | None = None,
    db_url: str | None = None,
) -> Curator:
    from curator.store import Database

    path = tmp_path / "feeds.yaml"
    path.write_text(config_text(feeds, fetch=fetch), encoding="utf-8")
    settings = parse_settings(path.read_text("utf-8"), path, env={})
    db = Database.open(db_url or f"sqlite:///{tmp_path / 'curator.db'}")
    return Curator(settings, db, clock=clock or Clock(datetime.now(UTC)))


def rss(
    items: Sequence[dict[str, str]],
    *,
    title: str = "Feed",
    link: str = "http://example.test/",
    ttl: int | None = None,
    language: str | None = None,
) -> bytes:
    """A small RSS 2.0 document; each item may have title, link, guid, description, date."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>{escape(link)}</link>",
    ]
    if ttl:
        parts.append(f"<ttl>{ttl}</ttl>")
    if language:
        parts.append(f"<language>{escape(language)}</language>")
    for item in items:
        parts.append("<item>")
        for key in ("title", "link", "guid", "description", "author"):
            if key in item:
                parts.append(f"<{key}>{escape(item[key])}</{key}>")
        if "date" in item:
            parts.append(f"<pubDate>{item['date']}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def rfc822(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)
