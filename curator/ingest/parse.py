"""Feed documents (bytes + HTTP headers) -> ParsedFeed. The only feedparser import of curator.

feedparser gets the downloaded bytes and the response headers, never a URL: fetching is
`curator.ingest.fetch`'s job alone. The headers give the charset (Content-Type) and the base for
relative links (Content-Location, defaulting to the URL the body came from), applied by us so
that guids stay as the feed wrote them. JSON Feed 1.0/1.1, which feedparser 6 does not read, is
parsed here.

feedparser runs with HTML sanitising and relative-URI rewriting inside content switched off: we
keep only the text of titles, summaries and contents (see `htmltext`), so sanitising markup that
is thrown away anyway would only cost time (it is over half of feedparser's work).

Entity-expansion ("billion laughs") and external-entity documents are harmless: feedparser's
strict parser refuses undefined entities and falls back to its loose parser, which does not expand
DTD entities nor read external ones; `tests/test_parse.py` shows it.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from curator.errors import ParseError
from curator.i18n import N_, Message
from curator.ingest.htmltext import html_to_text, normalize_space, tidy_text
from curator.types import ParsedEntry

# Headers that describe the transfer, not the document: the fetcher already undid them.
_TRANSFER_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_JSON_FEED_PREFIXES = ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")
_KNOWN_JSON_FEED_VERSIONS = frozenset({"1", "1.1"})
_WEB_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What a feed document says about itself and its entries."""

    title: str | None
    site_url: str | None
    ttl_minutes: int | None  # RSS <ttl>: how long the publisher says the feed stays fresh
    entries: tuple[ParsedEntry, ...]
    warning: str | None = None  # the document is broken but still yielded entries
    language: str | None = None  # declared by the feed or the Content-Language header
    kind: str = ""  # "rss20", "atom10", "json1.1", ... as detected


def parse_feed(body: bytes, *, url: str, headers: Mapping[str, str]) -> ParsedFeed:
    """Parse a downloaded feed. Raises ParseError when the body is not a usable feed.

    A well-formed feed that simply has no entries yet is not an error: it returns an empty
    `entries`. A document that is not a feed at all (an HTML page, an empty body, XML too broken
    to yield anything) raises, with a reason a user can act on.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.strip():
        raise ParseError(url, Message(N_("empty body: the server sent no feed")))
    content_type = lowered.get("content-type", "").lower()
    if head.startswith(b"{") or (content_type.endswith("json") and not head.startswith(b"<")):
        return _parse_json_feed(body, url=url, headers=lowered)
    return _parse_xml_feed(body, url=url, headers=lowered)


# --- RSS / Atom / RDF via feedparser -------------------------------------------------------


def _parse_xml_feed(body: bytes, *, url: str, headers: dict[str, str]) -> ParsedFeed:
    # feedparser is not told where the document came from: it would resolve permalink guids
    # ("1234") against that URL, and a feed that moves would then change every identity. It
    # still applies xml:base; what stays relative is resolved here against the document URL.
    response_headers = {
        k: v for k, v in headers.items() if k not in _TRANSFER_HEADERS and k != "content-location"
    }
    base = urljoin(url, headers.get("content-location", "")) or url
    try:
        parsed = feedparser.parse(
            body,
            response_headers=response_headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as e:  # feedparser is not supposed to raise; a bug there must not crash us
        raise ParseError(
            url,
            Message(N_("the feed parser failed: {kind}: {error}"), kind=type(e).__name__, error=e),
        ) from e
    repair = None
    if not parsed.entries and parsed.get("bozo"):
        repaired = _strip_undeclared_prefixes(body)
        if repaired is not None:
            retry = feedparser.parse(
                repaired,
                response_headers=response_headers,
                sanitize_html=False,
                resolve_relative_uris=False,
            )
            if retry.entries:
                parsed, repair = retry, "undeclared namespace prefixes ignored"
    version = str(parsed.get("version") or "")
    feed = parsed.get("feed") or {}
    feed_language = _str(feed.get("language")) or headers.get("content-language")
    entries = tuple(_xml_entry(e, base=base, feed_language=feed_language) for e in parsed.entries)
    bozo = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not entries and not version:
        raise ParseError(url, _why_not_a_feed(body, bozo))
    warning = repair or (_describe_bozo(bozo) if bozo is not None else None)
    return ParsedFeed(
        title=normalize_space(_text_of(feed, "title")) or None,
        site_url=_web_url(feed.get("link"), base),
        ttl_minutes=_positive_int(feed.get("ttl")),
        entries=entries,
        warning=warning,
        language=feed_language,
        kind=version,
    )


_PREFIXED_TAG = re.compile(rb"<(/?)([A-Za-z][\w.-]*):(rss|channel|item|entry|feed|title|link)\b")
_BROKEN_DECLARATION = re.compile(rb"<\?xml\?xml[^>]*\?>")


def _strip_undeclared_prefixes(body: bytes) -> bytes | None:
    """Repair "<rss:item>"-style feeds whose prefix is never declared (seen in the wild).

    feedparser drops every element in an undeclared namespace, so such a feed yields nothing;
    readers like fastfeedparser read it. Returns None when there is nothing to repair.
    """
    prefixes = {m.group(2) for m in _PREFIXED_TAG.finditer(body[:65536])}
    undeclared = [p for p in prefixes if b"xmlns:" + p + b"=" not in body]
    if not undeclared:
        return None
    repaired = _BROKEN_DECLARATION.sub(b"", body)
    for prefix in undeclared:
        escaped = re.escape(prefix)
        repaired = re.sub(rb"<(/?)" + escaped + rb":", rb"<\1", repaired)
        repaired = re.sub(rb"\s" + escaped + rb":[\w-]+=\S+?(?=[\s>])", b"", repaired)
    return repaired


def _why_not_a_feed(body: bytes, bozo: object) -> str:
    start = body[:2048].lower()
    if b"<html" in start or b"<!doctype html" in start:
        return "this is an HTML page, not a feed (try `curator feeds add` to discover its feed)"
    line = getattr(bozo, "getLineNumber", None)
    message = getattr(bozo, "getMessage", None)
    if callable(line) and callable(message):
        return f"malformed XML at line {line()}: {message()}"
    return "no RSS, Atom or JSON Feed found in the document"


def _describe_bozo(exc: object) -> str | None:
    name = type(exc).__name__
    if name == "NonXMLContentType":
        return None  # a missing or text/html Content-Type says nothing about the document
    line = getattr(exc, "getLineNumber", None)
    message = getattr(exc, "getMessage", None)
    if callable(line) and callable(message):
        return f"not well-formed XML (line {line()}: {message()}); entries read leniently"
    return f"{name}: {exc}"


def _xml_entry(
    parsed_entry: Mapping[str, Any], *, base: str, feed_language: str | None
) -> ParsedEntry:
    # A plain dict: FeedParserDict.get maps keys on every access (slow), and it answers
    # "updated_parsed" with the published date when the entry has no update date.
    e = dict(parsed_entry)
    guid = _str(e.get("id")) or None
    link = _str(e.get("link"))
    if e.get("guidislink") and link == guid and not _is_web_url(link):
        link = ""  # feedparser copied a non-URL guid ("1234") into the link: not a link
    content_value, content_type, content_language = _best_content(e.get("content"))
    summary_detail = e.get("summary_detail") or {}
    summary_value = _str(e.get("summary"))
    content = _to_text(content_value, content_type) if content_value else ""
    if summary_value == content_value:
        summary = content  # Atom with only <content>: feedparser copies it; convert once
    else:
        summary = _to_text(summary_value, _str(summary_detail.get("type")))
    published = _struct_to_utc(e.get("published_parsed")) or _struct_to_utc(e.get("created_parsed"))
    updated = _struct_to_utc(e.get("updated_parsed"))
    return ParsedEntry(
        guid=guid,
        url=_web_url(link, base),
        title=normalize_space(_text_of(e, "title")),
        summary=summary,
        content=content,
        author=_author(e),
        published_at=published or updated,
        updated_at=updated,
        language=content_language
        or _str(summary_detail.get("language"))
        or _str((e.get("title_detail") or {}).get("language"))
        or feed_language,
    )


def _best_content(contents: object) -> tuple[str, str, str]:
    """The entry content to keep: the HTML variant when several are given."""
    if not isinstance(contents, list) or not contents:
        return "", "", ""
    chosen = next((c for c in contents if "html" in _str(c.get("type"))), contents[0])
    return _str(chosen.get("value")), _str(chosen.get("type")), _str(chosen.get("language"))


def _text_of(node: Mapping[str, Any], key: str) -> str:
    detail = node.get(f"{key}_detail") or {}
    return _to_text(_str(node.get(key)), _str(detail.get("type")))


def _to_text(value: str, content_type: str) -> str:
    if not value:
        return ""
    return tidy_text(value) if content_type == "text/plain" else html_to_text(value)


def _author(e: Mapping[str, Any]) -> str | None:
    detail = e.get("author_detail") or {}
    name = _str(detail.get("name")) or _str(e.get("author"))
    return (normalize_space(html_to_text(name)) or None) if name else None


def _struct_to_utc(value: object) -> datetime | None:
    """feedparser's parsed dates are UTC struct_times; make them aware datetimes."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


# --- JSON Feed ------------------------------------------------------------------------------


def _parse_json_feed(body: bytes, *, url: str, headers: dict[str, str]) -> ParsedFeed:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise ParseError(url, Message(N_("JSON feed is not UTF-8: {error}"), error=e)) from e
    except json.JSONDecodeError as e:
        raise ParseError(
            url, Message(N_("malformed JSON at line {line}: {error}"), line=e.lineno, error=e.msg)
        ) from e
    except RecursionError as e:  # "[[[[...]]]]": a hostile document, not a feed
        raise ParseError(url, Message(N_("JSON nested too deeply"))) from e
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith(_JSON_FEED_PREFIXES):
        raise ParseError(
            url, Message(N_("a JSON document but not a JSON Feed (no jsonfeed.org version)"))
        )
    number = version.rsplit("/", 1)[-1]
    warnings: list[str] = []
    if number not in _KNOWN_JSON_FEED_VERSIONS:
        warnings.append(f"unknown JSON Feed version {number!r}, read as 1.1")
    feed_language = _str(document.get("language")) or headers.get("content-language")
    items = document.get("items")
    if not isinstance(items, list):
        warnings.append("`items` is not a list")
        items = []
    entries = []
    for raw in items:
        if isinstance(raw, dict):
            entries.append(_json_entry(raw, base=url, feed_language=feed_language))
        else:
            warnings.append("an item is not an object")
    return ParsedFeed(
        title=normalize_space(_str(document.get("title"))) or None,
        site_url=_web_url(document.get("home_page_url"), url),
        ttl_minutes=None,
        entries=tuple(entries),
        warning="; ".join(dict.fromkeys(warnings)) or None,
        language=feed_language,
        kind=f"json{number}",
    )


def _json_entry(raw: Mapping[str, Any], *, base: str, feed_language: str | None) -> ParsedEntry:
    raw_id = raw.get("id")
    guid = str(raw_id).strip() if isinstance(raw_id, str | int | float) else ""
    html_content = _str(raw.get("content_html"))
    content = html_to_text(html_content) if html_content else _tidy_plain(raw.get("content_text"))
    published = _iso_to_utc(raw.get("date_published"))
    updated = _iso_to_utc(raw.get("date_modified"))
    return ParsedEntry(
        guid=guid or None,
        url=_web_url(raw.get("url"), base) or _web_url(raw.get("external_url"), base),
        title=normalize_space(html_to_text(_str(raw.get("title")))),
        summary=_tidy_plain(raw.get("summary")),
        content=content,
        author=_json_author(raw),
        published_at=published or updated,
        updated_at=updated,
        language=_str(raw.get("language")) or feed_language,
    )


def _json_author(raw: Mapping[str, Any]) -> str | None:
    authors = raw.get("authors")
    candidates = authors if isinstance(authors, list) else [raw.get("author")]  # 1.1, then 1.0
    for author in candidates:
        if isinstance(author, dict):
            name = _str(author.get("name"))
            if name:
                return normalize_space(name)
    return None


def _tidy_plain(value: object) -> str:
    return tidy_text(_str(value))


def _iso_to_utc(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # RFC 3339 requires an offset; assume UTC if absent
    return parsed.astimezone(UTC)


# --- small helpers -------------------------------------------------------------------------


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _is_web_url(value: str) -> bool:
    return urlsplit(value).scheme.lower() in _WEB_SCHEMES


def _web_url(value: object, base: str) -> str | None:
    """`value` resolved against `base`, if it is an http(s) URL; anything else is dropped."""
    text = _str(value)
    if not text:
        return None
    try:
        absolute = urljoin(base, text)
        parts = urlsplit(absolute)
    except ValueError:  # e.g. an invalid IPv6 host
        return None
    if parts.scheme.lower() not in _WEB_SCHEMES or not parts.netloc:
        return None
    return absolute


def _positive_int(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
