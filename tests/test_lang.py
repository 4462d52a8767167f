"""Language detection: fr / en / other, honest about short text, feed hints used sensibly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from curator import lang
from curator.lang import (
    UNSETTLED,
    detect_language,
    language_from_hint,
    language_sample,
    quick_language,
    settle_language,
)
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
    assert len(sentences) == 204
    right = sum(detect_language(s) == expected for s in sentences)
    wrong_language = sum(detect_language(s) not in (expected, None) for s in sentences)
    assert right >= 0.95 * len(sentences)
    assert wrong_language <= 0.02 * len(sentences)


# --- function words first, the model for the rest ---------------------------------------------

LONG_FR = (
    "Depuis trois ans, les équipes de recrutement sont confrontées à une pénurie de profils "
    "techniques : elles doivent revoir leurs méthodes, car les candidats choisissent désormais "
    "les entreprises qui leur proposent du télétravail et une vraie progression."
)
LONG_EN = (
    "For the last three years, recruiting teams have faced a shortage of technical profiles: "
    "they have to rethink how they work, because candidates now choose the companies that "
    "offer them remote work and a real path to grow."
)
# Neighbours that share function words with French or English ("de", "la", "que", "in",
# "was", "mais"): none may be settled as fr/en without the model.
NEIGHBOURS = {
    "es": "Desde hace tres años, los equipos de selección se enfrentan a una escasez de perfiles "
    "técnicos: tienen que cambiar sus métodos, porque los candidatos eligen ahora las empresas "
    "que les ofrecen teletrabajo y una carrera de verdad.",
    "it": "Da tre anni le squadre di selezione del personale affrontano una carenza di profili "
    "tecnici: devono rivedere i loro metodi, perché i candidati scelgono ormai le aziende che "
    "offrono il lavoro da remoto e una vera crescita.",
    "pt": "Há três anos, as equipas de recrutamento enfrentam uma falta de perfis técnicos: "
    "têm de rever os seus métodos, porque os candidatos escolhem agora as empresas que lhes "
    "oferecem teletrabalho e mais uma verdadeira progressão.",
    "de": "Seit drei Jahren haben die Teams in der Personalgewinnung mit einem Mangel an "
    "technischen Profilen zu kämpfen: sie müssen ihre Methoden überdenken, weil die Bewerber "
    "jetzt die Firmen wählen, die ihnen Homeoffice und echte Entwicklung bieten.",
    "nl": "Al drie jaar kampen de teams voor werving met een tekort aan technische profielen: "
    "ze moeten hun methoden herzien, want kandidaten kiezen nu de bedrijven die hun thuiswerk "
    "en een echte doorgroei bieden, en dat was vroeger anders.",
    "ca": "Des de fa tres anys, els equips de selecció s'enfronten a una manca de perfils "
    "tècnics: han de revisar els seus mètodes, perquè els candidats trien ara les empreses que "
    "els ofereixen teletreball i una progressió de debò.",
}


def test_clear_prose_is_settled_by_its_function_words() -> None:
    assert quick_language(LONG_FR) == "fr"
    assert quick_language(LONG_EN) == "en"
    assert settle_language(LONG_FR, hint="en-US") == "fr"  # as confident as the model
    assert settle_language(LONG_EN) == "en"


@pytest.mark.parametrize("language", sorted(NEIGHBOURS))
def test_neighbouring_languages_are_left_to_the_model(language: str) -> None:
    text = NEIGHBOURS[language]
    assert quick_language(text) is None
    assert settle_language(text) == UNSETTLED
    assert detect_language(text) == "other"


@pytest.mark.parametrize(
    "text",
    [
        "Le machine learning change le marketing B2B",
        "How the best recruiters write to engineers who are not looking for a job",
        "Pourquoi les recruteurs ne lisent plus les lettres de motivation en 2026",
    ],
)
def test_short_texts_are_left_to_the_model(text: str) -> None:
    assert quick_language(text) is None  # under 20 words: a title, a teaser
    assert settle_language(text) == UNSETTLED


def test_settle_language_takes_the_hint_for_text_too_short_to_read() -> None:
    assert settle_language("B2B SaaS", hint="fr-FR") == "fr"
    assert settle_language("B2B SaaS") is None


def test_function_words_agree_with_the_model_on_real_feeds() -> None:
    """Every entry of the 149 real feeds: asking the function words first changes nothing
    (at most one text in 300 may differ; bench/language.py shows the one that does)."""
    from curator.ingest.parse import parse_feed

    folder = corpus_path("feeds", "fastfeedparser", "real_feeds")
    texts = []
    for path in sorted(folder.iterdir()):
        if path.name == "MANIFEST.tsv":
            continue
        parsed = parse_feed(path.read_bytes(), url="http://127.0.0.1/feed", headers={})
        texts += [
            (language_sample(e.title, e.content or e.summary), e.language) for e in parsed.entries
        ]
    assert len(texts) > 3000  # 3,032 entries: the feeds were all read
    settled = [(t, h) for t, h in texts if quick_language(t) is not None]
    assert len(settled) >= 0.6 * len(texts)  # the point: most never need the model
    differ = [
        text
        for text, hint in settled
        if detect_language(text, hint=hint) != detect_language(text, hint=hint, quick=False)
    ]
    assert len(differ) <= len(texts) / 300, differ[:5]


# --- the unpacked model kept in the user's cache ------------------------------------------------


@pytest.fixture
def fresh_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The model is loaded again, with its cache in tmp_path."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("CURATOR_NO_MODEL_CACHE", raising=False)
    lang._identifier.cache_clear()
    yield tmp_path / "curator"
    lang._identifier.cache_clear()


SAMPLES = [FR, EN, DE, *NEIGHBOURS.values(), "Could Trump can AUKUS?", "Kubernetes 1.31 est là"]


def test_the_model_is_cached_unpacked_and_reads_back_the_same(fresh_model: Path) -> None:
    first = [lang.classify(text) for text in SAMPLES]
    (cached,) = fresh_model.glob("py3langid-*.npz")
    lang._identifier.cache_clear()
    assert set(lang._identifier().nb_classes) == set(lang._CANDIDATES)
    assert [lang.classify(text) for text in SAMPLES] == first
    assert cached.stat().st_size > 10_000_000


def test_a_damaged_cache_is_rebuilt(fresh_model: Path) -> None:
    lang._identifier()
    (cached,) = fresh_model.glob("py3langid-*.npz")
    expected = [lang.classify(text) for text in SAMPLES]
    cached.write_bytes(cached.read_bytes()[:1000])  # a crash while it was being copied
    lang._identifier.cache_clear()
    assert [lang.classify(text) for text in SAMPLES] == expected
    assert cached.stat().st_size > 10_000_000


def test_the_cache_can_be_turned_off(fresh_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURATOR_NO_MODEL_CACHE", "1")
    assert lang.classify(FR)[0] == "fr"
    assert not fresh_model.exists()


def test_an_unwritable_cache_only_costs_time(
    fresh_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = fresh_model.parent / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert lang.classify(FR)[0] == "fr"
    assert blocker.read_text() == "a file where the cache folder would go"
