"""The only Jinja2 and css-inline code: render a template, then inline its CSS for email.

Email clients drop or ignore <style> blocks unevenly (Gmail keeps them, many webmails strip
them), so every ordinary rule is inlined into style attributes. Media queries cannot be inlined;
css-inline's `keep_at_rules` leaves them in a <style> block, which is where the dark-mode rules
must stay for the clients that honour `prefers-color-scheme`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import css_inline
import jinja2

from curator.errors import CuratorError


class RenderError(CuratorError, RuntimeError):
    """A template could not be rendered (a bug or a broken installation, not user input)."""


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("curator", "templates"),
        # Autoescape every template whatever its suffix: item titles and excerpts come from
        # feeds, i.e. from strangers, and must never become markup.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    try:
        return _environment().get_template(template).render(**context)
    except jinja2.TemplateError as e:
        raise RenderError(f"template {template}: {e}") from e


@cache
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(
        keep_at_rules=True,
        # Never reach the network while rendering a mail.
        load_remote_stylesheets=False,
    )


def inline_css(html: str) -> str:
    try:
        result: str = _inliner().inline(html)
    except (ValueError, css_inline.InlineError) as e:  # type: ignore[attr-defined]
        raise RenderError(f"cannot inline CSS: {e}") from e
    return result
