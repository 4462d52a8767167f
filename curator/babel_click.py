"""The texts click shows as help (issue 16), found in the source for `make extract-messages`.

A command's docstring and the `help=` of its options become its `--help`; marking each with
`_()` would make them unreadable as docstrings, so the extraction finds them instead: the
docstrings of functions decorated by `.command(...)` / `.group(...)`, and the `help=`,
`short_help=` and `epilog=` literals of `click.option(...)`, `.command(...)` and the like.
`curator.cli` translates them in place before it parses (`translate_help`), and
tests/test_i18n_marking.py uses `help_texts` to know which literals are marked this way.

Babel is imported by `extract` only (pybabel runs it); nothing imports this module at run time.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from typing import IO, Any

CLICK_DECORATORS = frozenset({"command", "group"})
CLICK_CALLS = frozenset(
    {"command", "group", "option", "argument", "version_option", "help_option", "Option"}
)
HELP_KEYWORDS = frozenset({"help", "short_help", "epilog"})


def _called_name(node: ast.expr) -> str | None:
    """ "option" for `click.option(...)` or `option(...)`; None for anything else."""
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            return func.attr
        if isinstance(func, ast.Name):
            return func.id
    return None


def is_click_command(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(_called_name(d) in CLICK_DECORATORS for d in function.decorator_list)


def help_texts(tree: ast.AST) -> Iterator[tuple[ast.expr, str]]:
    """Each help text of a module as click will hold it (cleaned of its indentation, cut at
    click's \\f marker), with the literal it comes from."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and is_click_command(node):
            doc = ast.get_docstring(node, clean=True)
            first = node.body[0]
            if doc and isinstance(first, ast.Expr):
                yield first.value, doc.partition("\f")[0]
        if isinstance(node, ast.Call) and _called_name(node) in CLICK_CALLS:
            for keyword in node.keywords:
                value = keyword.value
                if (
                    keyword.arg in HELP_KEYWORDS
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    yield value, inspect.cleandoc(value.value)


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str | tuple[str, ...], list[str]] | tuple[Any, ...]]:
    """A Babel extraction method: the `_()`/`N_()`... calls as Babel's Python extractor finds
    them, then the help texts."""
    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)
    fileobj.seek(0)
    tree = ast.parse(fileobj.read())
    for literal, text in help_texts(tree):
        yield literal.lineno, None, text, []
    for node in ast.walk(tree):
        # curator.i18n.Plural(singular, plural, count, ...): both forms, as ngettext's
        if isinstance(node, ast.Call) and _called_name(node) == "Plural" and len(node.args) >= 2:
            forms = [a.value for a in node.args[:2] if isinstance(a, ast.Constant)]
            if len(forms) == 2 and all(isinstance(f, str) for f in forms):
                yield node.lineno, "ngettext", (forms[0], forms[1]), []
