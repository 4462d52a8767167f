"""gettext catalogs: curator/locale/<lang>/LC_MESSAGES/<domain>.mo, English when missing."""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@functools.cache
def translations(language: str, domain: str = "curator") -> gettext.NullTranslations:
    """The catalog of `domain` in `language` (e.g. "fr"), or the English source strings when
    there is none (NullTranslations)."""
    return gettext.translation(domain, LOCALE_DIR, languages=[language], fallback=True)
