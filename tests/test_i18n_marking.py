"""Every user-facing string goes through the catalogs (issue 16): an AST scan of curator/ that
fails on a literal a user reads but nobody marked for translation.

What counts as user-facing: the text given to click.echo/secho, to click's ClickException /
UsageError / BadParameter, and to curator's CuratorError and its subclasses; the help of click
commands and options. Marked means wrapped in a gettext call (`t._("...")`, `ngettext`,
`Message(N_("..."))`, `Plural(...)`), or, for help texts, a plain literal: command docstrings and
`help=` literals are extracted by curator/babel_click.py and translated by `curator.cli` before
parsing, so a help text only has to be a literal (an f-string cannot be extracted).

A string that no reader sees as words (a separator, a placeholder, a path) has no letters and
passes by itself. To exempt a genuinely non-user string that has letters, add it to ALLOWED:
(file, the literal's first words) -> the reason. Keep the reason honest: "it is a code that
scripts read", not "too long to translate".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from curator import errors, i18n
from curator.babel_click import CLICK_CALLS, HELP_KEYWORDS

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "curator"

ERROR_CLASSES = frozenset(
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.CuratorError)
)
FEED_ERRORS = frozenset(
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.FeedError)
)
SAYING_CALLS = frozenset({"echo", "secho", "ClickException", "UsageError", "BadParameter"}) | (
    ERROR_CLASSES - {"NotFound"}
)

# (file under curator/, first words of the literal) -> why it is not translated.
ALLOWED: dict[tuple[str, str], str] = {
    ("cli/results.py", "  [,  min]"): "a row of figures: the kind is a code, 'min' the SI unit",
    ("web/app.py", "a login needs serve.token"): "a guard against a caller's mistake: `curator "
    "serve` never asks for a login without a token, so no user meets it",
}

# Errors still written in English only: the Results page's refusals in the browser, whose
# translation is still to do (issue 16). The list may only shrink: a new unmarked string fails.
# (file, first words, "" for the whole file)
NOT_YET_TRANSLATED: frozenset[tuple[str, str]] = frozenset()


def _called_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def unmarked_words(node: ast.expr) -> str | None:
    """The literal words of `node` when it is text written in place (a string, an f-string,
    a concatenation or "...".format()) and not a gettext call; None otherwise."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        left, right = unmarked_words(node.left), unmarked_words(node.right)
        return None if left is None and right is None else (left or "") + (right or "")
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return unmarked_words(node.func.value)
    return None


def _has_words(text: str) -> bool:
    return re.search(r"[^\W\d_]{2}", text) is not None


def findings(source: str) -> Iterator[tuple[int, str]]:
    """(line, the unmarked text) for each user-facing literal of a module not marked."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node)
        said: list[ast.expr] = []
        if name in FEED_ERRORS:  # (url, message)
            said = node.args[1:2] + [k.value for k in node.keywords if k.arg == "message"]
        elif name in SAYING_CALLS:
            said = node.args[:1] + [k.value for k in node.keywords if k.arg == "message"]
        elif name == "NotFound":
            kind = node.args[0] if node.args else None
            if isinstance(kind, ast.Constant) and kind.value not in i18n.NOT_FOUND_KINDS:
                yield node.lineno, f"NotFound kind {kind.value!r} is not in NOT_FOUND_KINDS"
            said = node.args[2:3] + [k.value for k in node.keywords if k.arg == "hint"]
        if name in CLICK_CALLS:
            for keyword in node.keywords:
                if keyword.arg in HELP_KEYWORDS and not isinstance(keyword.value, ast.Constant):
                    said.append(keyword.value)
        for expr in said:
            words = unmarked_words(expr)
            if words is not None and _has_words(words):
                yield expr.lineno, words


def _exemption(relative: str, text: str) -> tuple[str, str] | None:
    """The entry of ALLOWED or NOT_YET_TRANSLATED that covers this literal, if any."""
    for file, start in (*ALLOWED, *NOT_YET_TRANSLATED):
        if relative == file and text.startswith(start):
            return file, start
    return None


def test_every_user_facing_string_of_curator_is_marked() -> None:
    unmarked = []
    for path in sorted(SOURCES.rglob("*.py")):
        relative = path.relative_to(SOURCES).as_posix()
        for line, text in findings(path.read_text(encoding="utf-8")):
            if _exemption(relative, text) is None:
                unmarked.append(f"curator/{relative}:{line}: {text!r}")
    assert not unmarked, (
        "user-facing strings not marked for translation (wrap them in t._(), "
        "Message(N_()) or Plural(); see this file's docstring for exemptions):\n"
        + "\n".join(unmarked)
    )


def test_the_exemptions_are_still_needed() -> None:
    """An exemption whose string was translated since goes away (the lists only shrink)."""
    met: set[tuple[str, str]] = set()
    for path in sorted(SOURCES.rglob("*.py")):
        relative = path.relative_to(SOURCES).as_posix()
        for _line, text in findings(path.read_text(encoding="utf-8")):
            entry = _exemption(relative, text)
            if entry is not None:
                met.add(entry)
    stale = (set(ALLOWED) | NOT_YET_TRANSLATED) - met
    assert not stale, f"exemptions no longer needed: {sorted(stale)}"


@pytest.mark.parametrize(
    "snippet",
    [
        'click.echo("Wrote the file")',
        'click.echo(f"Wrote {path}")',
        'click.echo("Wrote " + str(path))',
        'click.echo("Wrote {path}".format(path=path))',
        'raise click.UsageError("give --a or --b")',
        'raise InvalidAction(f"slot {slot.id} is already published")',
        'raise ConfigError("no profile", path=path)',
        'raise NotFound("slot", slot_id, "see curator calendar")',
        'raise NotFound("gadget", key)',
        'raise FetchError(url, f"HTTP {status}")',
        'raise ParseError(url, "not a feed")',
        '@click.option("--x", help=f"The {thing}.")\ndef f(x): ...',
    ],
)
def test_the_scan_finds_an_unmarked_string(snippet: str) -> None:
    assert list(findings(snippet)), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        'click.echo(t._("Wrote {path}.").format(path=path))',
        'click.echo(t.ngettext("{n} feed", "{n} feeds", n).format(n=n))',
        'raise InvalidAction(Message(N_("slot {id} is already published"), id=slot.id))',
        'raise InvalidAction(Plural("{n} slot", "{n} slots", n, n=n))',
        'raise NotFound("slot", slot_id, Message(N_("see curator calendar")))',
        'click.echo(f"  {path}")',
        'click.echo("")',
        "click.echo(line)",
        '@click.option("--x", help="The thing.")\ndef f(x): ...',
    ],
)
def test_the_scan_accepts_a_marked_string(snippet: str) -> None:
    assert not list(findings(snippet)), snippet
