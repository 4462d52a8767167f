"""Article pages -> main text and metadata. The only trafilatura import of curator; never fetches.

`extract_article(html, url, headers)` takes the bytes and headers the fetcher downloaded and is a
top-level function over plain values, so the fetch pipeline can run it in a process pool
(extraction is CPU-bound: a page takes 10-500 ms). Decoding is ours, not trafilatura's, because
only we have the HTTP headers: BOM, then the Content-Type charset, then a <meta> or XML
declaration in the first bytes, then UTF-8 (each kept despite a few stray bytes, as browsers
do), then statistical detection (charset_normalizer, which trafilatura depends on), then
windows-1252.

`looks_truncated(entry)` is the `full_text: auto` policy: is the feed's text only an excerpt?
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from curator.errors import ExtractError
from curator.i18n import N_, Message
from curator.lang import detect_language
from curator.types import ParsedEntry

# --- charset sniffing ----------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Encodings browsers read as another (WHATWG Encoding Standard): Latin-1 and ASCII pages are
# decoded as windows-1252, a superset that gives curly quotes instead of C1 control codes.
_SUPERSETS = {"iso8859-1": "cp1252", "ascii": "cp1252"}
# A UTF-16 label found by reading the bytes as ASCII cannot be true.
_NOT_FROM_MARKUP = frozenset(
    {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
)
_PRESCAN_BYTES = 4096  # WHATWG says 1024; real pages put long comments or scripts first
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""")
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)


def _codec(label: str | bytes | None, *, from_markup: bool = False) -> str | None:
    """A Python codec name for an encoding label, or None if unknown."""
    if not label:
        return None
    name = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    try:
        codec = codecs.lookup(name.strip().lower()).name
        b"a".decode(codec)  # "base64", "rot13"... are codecs but not text encodings
    except UnicodeDecodeError:
        pass  # a text encoding all right ("a" alone is not valid UTF-16)
    except LookupError:
        return None
    if from_markup and codec in _NOT_FROM_MARKUP:
        return "utf-8"
    return _SUPERSETS.get(codec, codec)


def decode_html(body: bytes, headers: Mapping[str, str]) -> tuple[str, str]:
    """The page as text and the codec used to decode it."""
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            return body.decode(bom_codec, "replace"), bom_codec.removesuffix("-sig")
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    declared = _HEADER_CHARSET.search(content_type)
    codec = _codec(declared.group(1)) if declared else None
    if codec is None:
        head = body[:_PRESCAN_BYTES]
        found = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
        codec = _codec(found.group(1), from_markup=True) if found else None
    for candidate in (codec, "utf-8"):
        if candidate is not None:
            text = _mostly_decodes(body, candidate)
            if text is not None:
                return text, candidate
    # A wrong declaration (very often "utf-8" on a Latin-1 page), or none: detect.
    detected = _detect(body)
    if detected is not None:
        return body.decode(detected, "replace"), detected
    fallback = codec or "cp1252"
    return body.decode(fallback, "replace"), fallback


_STRAY_BYTES = 2000  # one undecodable byte per this many is a stray, not a wrong encoding


def _mostly_decodes(body: bytes, codec: str) -> str | None:
    """`body` decoded with `codec`, tolerating a few stray bytes (as browsers do), else None.

    A UTF-8 page with one Latin-1 byte in an alt attribute is a UTF-8 page: decoding it all
    as windows-1252 instead would garble every accented letter of the article.
    """
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        pass
    text = body.decode(codec, "replace")
    strays = text.count("\ufffd")
    return text if strays <= max(2, len(body) // _STRAY_BYTES) else None


# Detection chooses among the encodings browsers support (WHATWG): never an old Mac or DOS code
# page, which charset_normalizer otherwise proposes for short texts.
_WEB_ENCODINGS = [
    "utf_8", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
    "cp1258", "iso8859_2", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8",
    "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "koi8_r", "koi8_u",
    "mac_cyrillic", "gb18030", "big5", "euc_jp", "iso2022_jp", "shift_jis", "euc_kr", "cp874",
]  # fmt: skip
_CLOSE_CALL = 0.02  # chaos difference under which windows-1252 is preferred


def _detect(body: bytes) -> str | None:
    from charset_normalizer import from_bytes  # imported late: only undeclared pages need it

    matches = list(from_bytes(body[:200_000], cp_isolation=_WEB_ENCODINGS))
    if not matches:
        return None
    best = min(matches, key=lambda m: m.chaos)
    # Western European text reads without "chaos" in both windows-1250 and windows-1252, and
    # the detector cannot tell "è" from "č". curator's readers write French and English, and
    # windows-1252 is what browsers assume for them: it wins a close call.
    western = next((m for m in matches if m.encoding == "cp1252"), None)
    if western is not None and western.chaos <= best.chaos + _CLOSE_CALL:
        best = western
    return _codec(best.encoding)


# --- extraction ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Extracted:
    """The main text of an article page and what the page says about itself."""

    text: str
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None  # midnight UTC when the page gives only a date
    language: str | None = None  # fr | en | other, detected from the text
    encoding: str = "utf-8"  # how the page was decoded


_HTML_LANG = re.compile(r"""<html[^>]*?\slang\s*=\s*["']?([a-zA-Z_-]+)""", re.IGNORECASE)
_DATE_PARAMS = {
    "original_date": True,  # the publication date, not the last modification
    # The extensive search falls back to dateparser, which compiles huge per-language regexes
    # (seconds per language, per process); the feed's own date is preferred anyway.
    "extensive_search": False,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",  # keep the time when the page gives it
}


def extract_article(
    html: bytes, url: str, headers: Mapping[str, str], *, with_metadata: bool = True
) -> Extracted:
    """Extract the main text of an article page. Raises ExtractError if there is none.

    Pure CPU work on plain values (pass `headers` as a dict): safe to run in a process pool.
    `with_metadata=False` skips looking for the title, author and date (about a third of the
    work) when the feed already gave them.
    """
    page, encoding = decode_html(html, headers)
    try:
        import trafilatura

        # extract(), not bare_extraction(): its text is what trafilatura's evaluations measure
        # (bare_extraction's `text` loses a few passages, e.g. in Bengali pages). JSON carries
        # the metadata along; plain text is cheaper when there is none to carry.
        output = trafilatura.extract(
            page,
            url=url,
            output_format="json" if with_metadata else "txt",
            with_metadata=with_metadata,
            include_comments=False,  # readers' comments are not the article
            include_tables=True,
            date_extraction_params=_DATE_PARAMS,
        )
    except Exception as e:  # trafilatura and lxml raise many kinds; all mean "no text"
        raise ExtractError(
            Message(
                N_("{url}: extraction failed: {kind}: {error}"),
                url=url,
                kind=type(e).__name__,
                error=e,
            )
        ) from e
    document: dict[str, Any] = {}
    if output:
        document = json.loads(output) if with_metadata else {"text": output}
    text = _field(document, "text")
    if not text:
        raise ExtractError(Message(N_("{url}: no article text found in the page"), url=url))
    lang_attr = _HTML_LANG.search(page[:_PRESCAN_BYTES])
    title = _field(document, "title")
    return Extracted(
        text=text,
        title=title or None,
        author=_field(document, "author") or None,
        published_at=_parse_date(document.get("date")),
        language=detect_language(
            f"{title}\n{text}", hint=lang_attr.group(1) if lang_attr else None
        ),
        encoding=encoding,
    )


def _field(document: dict[str, Any], key: str) -> str:
    value = document.get(key)
    return value.strip() if isinstance(value, str) else ""


def warm_up() -> None:
    """Load what extraction loads lazily (trafilatura, its fallbacks, the language model).

    About two seconds of CPU, once per process: pass it as a process pool's `initializer` so
    the first articles of a fetch do not pay it.
    """
    page = f"<html lang='en'><body><article><p>{'Warming up the extractor. ' * 40}</p>"
    page += "</article></body></html>"
    with contextlib.suppress(ExtractError):
        extract_article(page.encode(), "http://localhost/warm-up", {})
    _detect("Préchauffage du détecteur d’encodage. ".encode("cp1252") * 4)


def _parse_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def fill_from_extracted(entry: ParsedEntry, extracted: Extracted) -> ParsedEntry:
    """The entry with the article's text, and its author and date where the feed had none.

    The feed's own metadata wins: it is what the publisher declared for this entry, while the
    page's may belong to a different version (a date found in a sidebar, a site-wide author).
    """
    current = entry.text
    return replace(
        entry,
        content=extracted.text if len(extracted.text) > len(current) else entry.content,
        title=entry.title or (extracted.title or ""),
        author=entry.author or extracted.author,
        published_at=entry.published_at or extracted.published_at,
    )


# --- truncation heuristic ------------------------------------------------------------------

# A feed's full-content field (content:encoded, Atom content) this short is a teaser or a link
# post; a feed giving only a summary this short is giving an excerpt (summaries of complete
# posts are usually long when they are the whole post).
CONTENT_MIN_WORDS = 50
SUMMARY_MIN_WORDS = 200
_FOOTER = re.compile(
    r"(^|\n)\s*(the post .{1,300} appeared first on .{1,200}"
    r"|l[’']article .{1,300} est apparu en premier sur .{1,200}"
    r"|cet article .{1,300} est apparu en premier sur .{1,200})\s*$",
    re.IGNORECASE | re.DOTALL,
)
_TRUNCATION_MARK = re.compile(
    r"(…|\.\.\.|\[…]|\[\.\.\.]|\(…\)|\(\.\.\.\)|&hellip;|\bread more|\bcontinue reading"
    r"|\bkeep reading|\bread the (full|whole|rest)|\bfull (article|story)|\(more…?\)"
    r"|\blire la suite|\blire plus|\blire l[’']article|\bla suite\b|\bsuite de l[’']article"
    r"|\ben savoir plus|\bvoir plus|\bcontinuer la lecture)"
    r"\W{0,6}$",
    re.IGNORECASE,
)


def looks_truncated(entry: ParsedEntry) -> bool:
    """Whether the feed gives only part of the article (the `full_text: auto` policy)."""
    text = entry.text
    text = _FOOTER.sub("", text).rstrip()
    if not text:
        return True
    if _TRUNCATION_MARK.search(text[-120:]):
        return True
    return len(text.split()) < (CONTENT_MIN_WORDS if entry.content else SUMMARY_MIN_WORDS)
