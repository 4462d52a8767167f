"""Text from feeds and article pages made safe to store and to show (issue 13).

Feeds are written by strangers. Whatever one sends must not break storage or the outputs:
- Control characters go. PostgreSQL refuses a NUL in text (the feed then failed on every
  fetch, while SQLite stored it), and a lone surrogate (a JSON Feed may escape one) cannot be
  encoded for either database. Tabs and line breaks stay in multi-line text, where they are
  the paragraphs; one-line fields (a title, an author) get single spaces.
- Sizes are capped: a 2 MB title and a 3 MB description made a 7.3 MB .ics and a 40,000-line
  calendar. The caps are far above real feeds (README, "How curator reads feeds").
- A URL longer than its column (2048) is dropped, not cut: a cut URL leads somewhere else.

`storable_entry` is applied where a parsed document becomes the entries to store (the parse
worker, before identities and hashes are computed), and `storable_text` to article pages.
"""

from __future__ import annotations

import re
from dataclasses import replace

from curator.types import ParsedEntry

TITLE_CHARS = 300
AUTHOR_CHARS = 200
SUMMARY_CHARS = 50_000  # an RSS description often holds the whole article
CONTENT_CHARS = 200_000  # a feed's content or an article page's text: ~30,000 words
URL_CHARS = 2048  # the URL columns' size
GUID_CHARS = 2048

# C0 and C1 controls but tab and line feed (carriage returns become line feeds first), DEL,
# and lone surrogates.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_ELLIPSIS = "…"


def storable_text(text: str, limit: int) -> str:
    """Multi-line text without control characters, at most `limit` characters (a cut text
    ends with "…")."""
    # Clean a bounded slice only: cleaning 3 MB to keep 50 KB of it is wasted work. (A text
    # that is mostly control characters may come out shorter than it could be: no loss.)
    head = text[: limit * 2]
    if "\r" in head:
        head = head.replace("\r\n", "\n").replace("\r", "\n")
    return _cut(_CONTROLS.sub("", head), limit, more=len(text) > limit * 2)


def storable_line(text: str, limit: int) -> str:
    """One line of text (a title, a name): no control characters, whitespace one space."""
    head = text[: limit * 2]
    cleaned = _SPACES.sub(" ", _CONTROLS.sub("", head)).strip()
    return _cut(cleaned, limit, more=len(text) > limit * 2)


def storable_url(url: str | None) -> str | None:
    """`url` if it fits its column once canonicalised (which percent-encodes), else None."""
    if not url:
        return url
    if _CONTROLS.search(url):
        return None  # not a URL anyone can follow
    # Percent-encoding at most triples each byte: most URLs are short enough to skip the
    # exact (and costlier) check.
    if len(url.encode("utf-8")) * 3 <= URL_CHARS:
        return url
    from curator.ingest.dedupe import canonical_url

    if len(url) > URL_CHARS or len(canonical_url(url)) > URL_CHARS:
        return None
    return url


def storable_entry(entry: ParsedEntry) -> ParsedEntry:
    """`entry` with every text field cleaned and capped, and oversized URLs dropped."""
    guid = storable_line(entry.guid, GUID_CHARS) if entry.guid else entry.guid
    author = storable_line(entry.author, AUTHOR_CHARS) if entry.author else entry.author
    language = storable_line(entry.language, 35) if entry.language else entry.language
    return replace(
        entry,
        guid=guid or None,
        url=storable_url(entry.url),
        title=storable_line(entry.title, TITLE_CHARS),
        summary=storable_text(entry.summary, SUMMARY_CHARS),
        content=storable_text(entry.content, CONTENT_CHARS),
        author=author or None,
        language=language or None,
    )


def _cut(text: str, limit: int, *, more: bool) -> str:
    """`text` in at most `limit` characters; `more`: it is already the head of a longer one."""
    if len(text) <= limit and not more:
        return text
    if len(text) < limit:
        return text + _ELLIPSIS
    cut = text[: limit - 1]
    space = cut.rfind(" ", limit // 2)
    if space > 0:
        cut = cut[:space]
    return cut.rstrip() + _ELLIPSIS
