"""Language detection: fr / en / other, honest about short text, feed hints used sensibly."""

from __future__ import annotations

import pytest

from curator.lang import detect_language, language_from_hint
from tests.support.content import corpus_path

FR = (
    "Les entreprises françaises accélèrent leur transformation numérique et recrutent des "
    "profils capables de piloter des projets d'intelligence artificielle."
)
EN = (
    "Companies are speeding up their digital transformation and hiring people who can lead "
    "artificial intelligence projects across the whole organisation."
)
DE = (
    "Unternehmen beschleunigen ihre digitale Transformation und stellen Menschen ein, die "
    "Projekte der künstlichen Intelligenz leiten können."
)


@pytest.mark.parametrize(("text", "expected"), [(FR, "fr"), (EN, "en"), (DE, "other")])
def test_clear_texts(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "ok", "LinkedIn", "2024 — 10:30", "B2B SaaS"])
def test_too_short_to_tell_is_unknown_or_the_hint(text: str) -> None:
    assert detect_language(text) is None
    assert detect_language(text, hint="fr-FR") == "fr"
    assert detect_language(text, hint="en_US") == "en"


def test_a_confident_reading_beats_a_wrong_hint() -> None:
    # Many French blogs run a CMS left on "en-US".
    assert detect_language(FR, hint="en-US") == "fr"
    assert detect_language(EN, hint="fr") == "en"


def test_a_title_length_mixed_text_follows_the_hint() -> None:
    title = "Le machine learning change le marketing B2B"
    assert detect_language(title, hint="fr") == "fr"


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("fr", "fr"), ("fr-CA", "fr"), ("FRA", "fr"), ("en-gb", "en"), ("de-DE", "other"),
     ("", None), (None, None), ("not a language tag!", None)],
)  # fmt: skip
def test_language_from_hint(hint: str | None, expected: str | None) -> None:
    assert language_from_hint(hint) == expected


def _sentences(language_folder: str) -> list[str]:
    path = corpus_path("ranking", "sib200_en_fr", language_folder, "test.tsv")
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t", 2)[2] for line in lines if line.count("\t") >= 2]


@pytest.mark.parametrize(("folder", "expected"), [("fra_Latn", "fr"), ("eng_Latn", "en")])
def test_parallel_sentences_of_the_corpus(folder: str, expected: str) -> None:
    """SIB-200 (Flores) single sentences, the same 204 in both languages: a short-text case."""
    sentences = _sentences(folder)
    right = sum(detect_language(s) == expected for s in sentences)
    wrong_language = sum(detect_language(s) not in (expected, None) for s in sentences)
    assert right >= 0.95 * len(sentences)
    assert wrong_language <= 0.02 * len(sentences)
