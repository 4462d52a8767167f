"""HTML fragments from feeds -> plain text. The only lxml import of curator.

Feed titles, summaries and contents are stored as plain text: scoring, language detection,
near-duplicate clustering, the digest and the review queue all want words, not markup, and text
needs no sanitising downstream (an item can never inject a script into an email). Paragraph
breaks survive as blank lines so the text stays readable.
"""

from __future__ import annotations

import html
import re

from lxml import etree
from lxml import html as lxml_html

# Elements whose text is never content.
_DROP = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head"}
)
# Elements that start a new line of text.
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
        "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul", "details", "summary",
        "caption", "tbody", "thead", "tfoot",
    }
)  # fmt: skip
_CELL = frozenset({"td", "th"})
# Blocks that get a blank line around them (paragraphs), and list-like blocks that only start a
# line, so list items stay on consecutive lines.
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "blockquote", "pre", "table", "figure"})
_LINE_START_ONLY = frozenset({"li", "dt", "dd", "tr"})
_MARKUP = re.compile(r"<[a-zA-Z!/?]")
_SPACES = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_NEWLINES = re.compile(r"\n{3,}")
_ANY_SPACE = re.compile(r"\s+")


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace to single spaces (for titles and one-line values)."""
    return _ANY_SPACE.sub(" ", text).strip()


def tidy_text(text: str) -> str:
    """Plain text with spaces collapsed within lines and at most one blank line between."""
    text = _SPACES.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    return _NEWLINES.sub("\n\n", text).strip()


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment: scripts and styles dropped, blocks on their own lines.

    Never raises: markup too broken for lxml falls back to its text with tags removed.
    """
    if not _MARKUP.search(fragment):
        # Plain text (possibly with entities): the common case for titles, and far cheaper.
        return tidy_text(html.unescape(fragment)) if "&" in fragment else tidy_text(fragment)
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return tidy_text(html.unescape(re.sub(r"<[^>]*>", " ", fragment)))
    parts: list[str] = []
    skip_depth = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""  # comments and PIs have no str tag
        if event == "start":
            if skip_depth or tag in _DROP or not tag:
                skip_depth += 1
                continue
            if tag in _BLOCK:
                parts.append("\n\n" if tag in _PARAGRAPH else "\n")
            elif tag == "br":
                parts.append("\n")
            elif tag in _CELL:
                parts.append(" ")
            elif tag == "img":
                alt = el.get("alt")
                if alt:
                    parts.append(f" {alt} ")
            if el.text:
                parts.append(el.text)
        else:
            if skip_depth:
                skip_depth -= 1
                if skip_depth:
                    continue
            elif tag in _BLOCK and tag not in _LINE_START_ONLY:
                parts.append("\n\n" if tag in _PARAGRAPH else "\n")
            if el.tail and el is not root:
                parts.append(el.tail)
    return tidy_text("".join(parts))
