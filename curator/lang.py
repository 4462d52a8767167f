"""Language of an item: "fr", "en" or "other". The only py3langid import of curator.

curator cares about French and English (its users publish in one or both); every other
language is "other". Detection is restricted to widely written languages so that English is
not mistaken for Nigerian Pidgin or French for Haitian Creole on short texts. Text too short to
judge falls back to the feed's declared language, else None: an honest "unknown".

Most texts are told without the statistical model at all: running prose in French or English
is a quarter made of a few dozen function words ("the", "of", "which"; "les", "dans", "cette")
that the other language, and its neighbours, hardly use. `quick_language` counts them; the
model (half a second to load, ~0.3 ms a text) is left for what that cannot settle: other
languages, mixed or list-like text, titles alone. bench/language.py measures how often the
two disagree on the corpora (the figures are in CHANGELOG.md).

`LanguageGapNote` says that a profile's objective and many of its items are in different
languages: here, not in the scorer that finds it, so that the web workspace can say it again
without importing the scorer.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from curator.i18n import N_, Message

log = logging.getLogger(__name__)

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

# Function words of one language that are rare in the other and in its close neighbours:
# words shared with Spanish, Italian, Portuguese, Catalan, German or Dutch ("de", "la", "que",
# "il", "mais", "in", "was", "will") are left out, so a text in those languages never scores
# here and goes to the model. French elisions ("l'", "d'", "qu'") split off as one letter.
_FRENCH_WORDS = frozenset({
    "le", "les", "des", "du", "est", "et", "une", "dans", "pour", "qui", "sur", "pas", "avec",
    "au", "aux", "ces", "cette", "cet", "elle", "elles", "nous", "vous", "ils", "sont", "ont",
    "été", "être", "etre", "fait", "comme", "tout", "tous", "toute", "toutes", "aussi", "sans",
    "peut", "depuis", "très", "tres", "où", "déjà", "deja", "leur", "leurs", "notre", "votre",
    "nos", "vos", "même", "meme", "encore", "après", "apres", "avant", "chez", "donc", "alors",
    "ainsi", "selon", "contre", "lors", "dont", "cela", "ceci", "celui", "celle", "quand",
    "comment", "pourquoi", "avoir", "faire", "peu", "était", "etait", "sera", "avait", "ai",
    "avons", "avez", "sommes", "êtes", "ça", "qu", "d", "l", "j", "c",
})  # fmt: skip
_ENGLISH_WORDS = frozenset({
    "the", "and", "of", "to", "is", "that", "for", "with", "on", "are", "this", "it", "as", "be",
    "by", "from", "at", "have", "not", "or", "which", "you", "we", "can", "has", "their", "they",
    "been", "more", "but", "its", "his", "her", "about", "would", "there", "what", "when", "who",
    "how", "all", "one", "our", "also", "into", "than", "these", "those", "if", "do", "does",
    "just", "should", "could", "because", "after", "over", "some", "out", "up", "your", "may",
    "other", "such", "only", "most", "like", "get", "were", "had", "them", "then", "being",
    "where", "while", "why", "any", "each",
})  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")
_QUICK_MIN_WORDS = 20  # fewer words: a title, a list of names; the model (and the hint) judge
_QUICK_SHARE = 0.15  # of the words must be the language's function words...
_QUICK_DOMINANCE = 6  # ...and outnumber the other language's this many times over


@functools.cache
def _identifier() -> Any:
    """The model restricted to `_CANDIDATES`, once per process, on first use.

    py3langid ships its model LZMA-compressed: unpacking it costs about half a second of CPU
    on every run that meets a text the function words cannot settle (and the service meets
    one on most ticks). The restricted model is therefore kept unpacked in the user's cache
    (~50 MB, plain .npz arrays, no pickle) and read from there in a tenth of the time;
    anything wrong with that copy just means unpacking the original again.
    """
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    cached = _model_cache_path()
    if cached is not None and cached.exists():
        try:
            return _load_cached_model(LanguageIdentifier, cached)
        except Exception:  # damaged, truncated, another layout: rebuild it below
            log.info("language model cache %s unusable; rebuilding it", cached)
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(_CANDIDATES))
    if cached is not None:
        _save_cached_model(identifier, cached)
    return identifier


def forget_model() -> None:
    """Drop the loaded model (the service does between jobs: it is read again when needed)."""
    _identifier.cache_clear()


def _model_cache_path() -> Path | None:
    """Where the unpacked model lives: named by py3langid's version and the candidate
    languages, so an upgrade of either never reads a stale copy. None: caching is off."""
    from importlib.metadata import PackageNotFoundError, version

    if os.environ.get("CURATOR_NO_MODEL_CACHE"):
        return None
    try:
        langid_version = version("py3langid")
    except PackageNotFoundError:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    languages = hashlib.sha1(" ".join(_CANDIDATES).encode()).hexdigest()[:10]
    return Path(base) / "curator" / f"py3langid-{langid_version}-{languages}.npz"


def _load_cached_model(identifier_class: Any, path: Path) -> Any:
    from array import array

    import numpy as np

    with np.load(path, allow_pickle=False) as data:
        # The DFA tables as py3langid keeps them: stdlib arrays (fast item access per byte).
        nextmove, row = data["nextmove"], data["nextmove_row"]
        return identifier_class(
            data["ptc"],
            data["pc"],
            data["classes"].tolist(),
            array(nextmove.dtype.char, nextmove.tobytes()),
            data["out_feat"].tolist(),
            norm_probs=True,
            tk_row=array(row.dtype.char, row.tobytes()),
        )


def _save_cached_model(identifier: Any, path: Path) -> None:
    import numpy as np

    partial = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as f:
            np.savez(
                f,
                ptc=np.ascontiguousarray(identifier.nb_ptc),
                pc=np.asarray(identifier.nb_pc),
                classes=np.array(identifier.nb_classes),
                nextmove=np.frombuffer(identifier.tk_nextmove, identifier.tk_nextmove.typecode),
                nextmove_row=np.frombuffer(identifier.tk_row, identifier.tk_row.typecode),
                out_feat=np.asarray(identifier.tk_output, dtype=np.int32),
            )
        os.replace(partial, path)  # atomic: a concurrent reader sees all of it or nothing
    except Exception as e:  # read-only home, full disk, another py3langid: run without it
        log.info("cannot cache the language model in %s: %s", path, e)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


LANGUAGE_SAMPLE = 300  # characters: enough to tell fr from en (same answers as 2000 on 3,600
# corpus items, in a third of the time)


def language_sample(title: str, body: str) -> str:
    """The text an item's language is read from: its title, then the start of its body."""
    return f"{title}\n{body}"[:LANGUAGE_SAMPLE]


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


def quick_language(text: str) -> str | None:
    """ "fr" or "en" when the text's function words leave no doubt, else None (ask the model).

    Cheap (a regex and two set lookups per word) and never loads the model.
    """
    words = _WORD.findall(text[:_SAMPLE_CHARS].lower())
    if len(words) < _QUICK_MIN_WORDS:
        return None
    french = sum(1 for w in words if w in _FRENCH_WORDS)
    english = sum(1 for w in words if w in _ENGLISH_WORDS)
    needed = _QUICK_SHARE * len(words)
    if french >= needed and french >= _QUICK_DOMINANCE * english:
        return FRENCH
    if english >= needed and english >= _QUICK_DOMINANCE * french:
        return ENGLISH
    return None


UNSETTLED = "?"  # `settle_language`: only the model can tell


def settle_language(text: str, *, hint: str | None = None) -> str | None:
    """What `detect_language` answers, when that needs no model; `UNSETTLED` otherwise.

    Ingestion calls this in its parse workers for every new entry, so most items are stored
    with their language and only the `UNSETTLED` rest waits for the model.
    """
    if len(_LETTER.findall(text[:_SAMPLE_CHARS])) < _MIN_LETTERS:
        return language_from_hint(hint)
    return quick_language(text) or UNSETTLED


def detect_language(text: str, *, hint: str | None = None, quick: bool = True) -> str | None:
    """ "fr" | "en" | "other" for `text`, or None when it cannot be told.

    `hint` is the language the feed or page declares (often wrong: many French blogs run a CMS
    left on "en-US"), so a confident reading of the text wins over it; the hint decides only
    when the text is too short or ambiguous. `quick=False` skips `quick_language` and asks the
    model straight away (bench/language.py compares the two).
    """
    declared = language_from_hint(hint)
    letters = len(_LETTER.findall(text[:_SAMPLE_CHARS]))
    if letters < _MIN_LETTERS:
        return declared
    settled = quick_language(text) if quick else None
    if settled is not None:
        return settled
    code, confidence = classify(text)
    if confidence >= (_CONFIDENT_SHORT if letters < _SHORT_LETTERS else _CONFIDENT):
        return _bucket(code)
    if declared is not None:
        return declared
    if confidence >= _PLAUSIBLE:
        return _bucket(code)
    return None


class LanguageGapNote(Message):
    """The note that a profile's objective is in one language and many of its items in
    another, with what the semantic extra would gain (issue 18). It keeps the language and
    the share it says, so that a full pass can store them and the web workspace say them again
    in its reader's language (`to_json`, `from_json`)."""

    __slots__ = ("language", "share")
    language: str  # the objective's: "fr" or "en"
    share: float  # of the items in another language

    @classmethod
    def of(cls, profile_name: str, language: str, share: float) -> LanguageGapNote:
        names = {"fr": N_("French"), "en": N_("English")}
        note = cls(
            N_(
                "profile {name}: the objective is in {language} and {share} of the items are"
                " not; words do not match across languages. The semantic extra (pip install"
                " 'curator[semantic]') ranks them by meaning as well: on curator's bench, French"
                " objectives over English items went from 0.57 to 0.80 nDCG@10."
            ),
            name=repr(profile_name),
            language=Message(names[language]),
            share=f"{share:.0%}",
        )
        note.language, note.share = language, share
        return note

    def to_json(self) -> dict[str, object]:
        return {"language": self.language, "share": self.share}

    @classmethod
    def from_json(cls, profile_name: str, data: object) -> LanguageGapNote | None:
        """None for anything but what `to_json` stored (no gap, an older row)."""
        if not isinstance(data, Mapping) or data.get("language") not in ("fr", "en"):
            return None
        share = data.get("share")
        if not isinstance(share, int | float):
            return None
        return cls.of(profile_name, str(data["language"]), float(share))
