"""Language of an item: "fr", "en" or "other". The only py3langid import of curator.

curator cares about French and English (its users publish in one or both); every other
language is "other". Detection is restricted to widely written languages so that English is
not mistaken for Nigerian Pidgin or French for Haitian Creole on short texts. Text too short to
judge falls back to the feed's declared language, else None: an honest "unknown".
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

FRENCH = "fr"
ENGLISH = "en"
OTHER = "other"

# Languages the classifier chooses from. Small, related languages are left out on purpose: on
# short professional texts they are mostly false positives for fr/en.
_CANDIDATES = (
    "ar", "bg", "ca", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "he", "hi",
    "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "nl", "no", "pl", "pt", "ro", "ru", "sk",
    "sl", "sr", "sv", "th", "tr", "uk", "ur", "vi", "zh",
)  # fmt: skip
_SAMPLE_CHARS = 2000  # enough for a confident answer, keeps detection cheap on long articles
_MIN_LETTERS = 12  # below this nothing reliable can be said
_CONFIDENT = 0.8  # trusted even against the feed's declared language
_CONFIDENT_SHORT = 0.95  # the same, for a title-length text (mixed "franglais" fools it)
_SHORT_LETTERS = 120
_PLAUSIBLE = 0.5  # trusted when the feed declares nothing
_HINT = re.compile(r"^\s*([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]+)*\s*$")
_LETTER = re.compile(r"[^\W\d_]")

_lock = threading.Lock()


@functools.cache
def _identifier() -> Any:
    # Loading the model takes about half a second: once per process, on first use.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(_CANDIDATES))
    return identifier


def _bucket(code: str) -> str:
    code = code.lower()
    if code in (FRENCH, "fra", "fre"):
        return FRENCH
    if code in (ENGLISH, "eng"):
        return ENGLISH
    return OTHER


def language_from_hint(hint: str | None) -> str | None:
    """A declared language ("fr-FR", "en_us", "de") -> fr | en | other; None if unusable."""
    if not hint:
        return None
    match = _HINT.match(hint)
    if match is None:
        return None
    return _bucket(match.group(1))


def classify(text: str) -> tuple[str, float]:
    """The best ISO 639-1 code among the candidates and its probability (0..1)."""
    sample = text[:_SAMPLE_CHARS]
    with _lock:  # the identifier keeps per-call state in numpy buffers: one caller at a time
        code, confidence = _identifier().classify(sample)
    return str(code), float(confidence)


def detect_language(text: str, *, hint: str | None = None) -> str | None:
    """ "fr" | "en" | "other" for `text`, or None when it cannot be told.

    `hint` is the language the feed or page declares (often wrong: many French blogs run a CMS
    left on "en-US"), so a confident reading of the text wins over it; the hint decides only
    when the text is too short or ambiguous.
    """
    declared = language_from_hint(hint)
    letters = len(_LETTER.findall(text[:_SAMPLE_CHARS]))
    if letters < _MIN_LETTERS:
        return declared
    code, confidence = classify(text)
    if confidence >= (_CONFIDENT_SHORT if letters < _SHORT_LETTERS else _CONFIDENT):
        return _bucket(code)
    if declared is not None:
        return declared
    if confidence >= _PLAUSIBLE:
        return _bucket(code)
    return None
