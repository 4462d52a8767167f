"""Article extraction: charset sniffing, metadata, process pools, quality, truncation policy."""

from __future__ import annotations

import json
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import trafilatura

from curator.errors import ExtractError
from curator.extract import (
    Extracted,
    decode_html,
    extract_article,
    fill_from_extracted,
    looks_truncated,
)
from curator.types import ParsedEntry
from tests.support.content import corpus_path

# --- charset sniffing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("iso-8859-1.html", "cp1252"),
        ("iso-8859-1-meta-after-1024.html", "cp1252"),
        ("utf8.html", "utf-8"),
        ("utf8-meta-after-1024.html", "utf-8"),
    ],
)
def test_meta_charset_pages_from_corpus(name: str, codec: str) -> None:
    body = corpus_path("feeds", "miniflux", "encoding", name).read_bytes()
    text, used = decode_html(body, {})
    assert used == codec
    assert "Café" in text
    assert "\ufffd" not in text


LATIN9 = b'<?xml version="1.0" encoding="iso-8859-15"?>'
META_1252 = '<head><meta charset="windows-1252">'
PAGE = "<html><head><title>Été</title></head><body><p>Café crème, déjà vu, œuvre.</p></body></html>"


@pytest.mark.parametrize(
    ("body", "headers", "codec"),
    [
        # The HTTP header wins over the markup...
        (PAGE.encode("cp1252"), {"Content-Type": "text/html; charset=ISO-8859-1"}, "cp1252"),
        (PAGE.encode("koi8-r", "replace"), {"content-type": "text/html;charset=koi8-r"}, "koi8-r"),
        # ...unless the bytes prove it wrong (a Latin-1 page served as UTF-8).
        (PAGE.encode("cp1252"), {"Content-Type": "text/html; charset=utf-8"}, "cp1252"),
        # A BOM wins over everything.
        (PAGE.encode("utf-16"), {"Content-Type": "text/html; charset=iso-8859-1"}, "utf-16"),
        (b"\xef\xbb\xbf" + PAGE.encode(), {}, "utf-8"),
        # Declarations in the markup.
        (LATIN9 + PAGE.encode("iso-8859-15"), {}, "iso8859-15"),
        (PAGE.replace("<head>", META_1252).encode("cp1252"), {}, "cp1252"),
        (
            PAGE.replace("<head>", '<head><meta http-equiv="Content-Type" content="text/html; '
                         'charset=iso-8859-1">').encode("cp1252"),
            {},
            "cp1252",
        ),
        # A page claiming UTF-16 in ASCII-readable markup is not UTF-16.
        (PAGE.replace("<head>", '<head><meta charset="utf-16">').encode(), {}, "utf-8"),
        # Codecs that are not text encodings are ignored.
        (PAGE.encode(), {"Content-Type": "text/html; charset=base64"}, "utf-8"),
        (PAGE.replace("<head>", '<head><meta charset="rot13">').encode(), {}, "utf-8"),
        # Nothing declared: valid UTF-8 is UTF-8, anything else is detected.
        (PAGE.encode(), {"Content-Type": "text/html"}, "utf-8"),
    ],
)  # fmt: skip
def test_decode_html_order_of_evidence(body: bytes, headers: dict[str, str], codec: str) -> None:
    text, used = decode_html(body, headers)
    assert used == codec
    if codec != "koi8-r":
        assert "Café crème, déjà vu" in text


@pytest.mark.parametrize("headers", [{}, {"Content-Type": "text/html; charset=utf-8"}])
def test_a_stray_byte_does_not_make_a_utf8_page_latin1(headers: dict[str, str]) -> None:
    article = "<p>So schön winterlich ist es – déjà vu.</p>" * 200
    # One Latin-1 byte (\xfc) in an attribute, as found on a real page of the corpus.
    body = b"<html><body><img alt='K\xfcchen'>" + article.encode() + b"</body></html>"
    text, used = decode_html(body, headers)
    assert used == "utf-8"
    assert "So schön winterlich ist es – déjà vu." in text


def test_undeclared_cyrillic_page_is_detected() -> None:
    body = corpus_path("feeds", "miniflux", "parser", "encoding_WINDOWS-1251.xml").read_bytes()
    body = body.replace(b'encoding="windows-1251"', b"")
    text, used = decode_html(body, {})
    assert used == "cp1251"
    assert "Новый цитатник Рунета" in text


def test_undeclared_latin1_french_page_is_detected() -> None:
    paragraph = "Les élèves étaient très intéressés par la présentation générale du thème. " * 20
    body = f"<html><body><p>{paragraph}</p></body></html>".encode("latin-1")
    text, used = decode_html(body, {})
    assert "élèves étaient très intéressés" in text
    assert used in ("cp1252", "iso8859-1", "iso8859-15")


# --- extraction -----------------------------------------------------------------------------

PARAGRAPHS = [
    "Le recrutement des profils techniques est devenu un défi majeur pour les PME françaises, "
    "qui peinent à rivaliser avec les salaires proposés par les grands groupes.",
    "Selon une étude publiée ce mois-ci, près de la moitié des dirigeants interrogés déclarent "
    "avoir renoncé à un projet faute de compétences disponibles en interne.",
    "Les experts recommandent de miser sur la formation continue, la flexibilité du travail et "
    "une marque employeur authentique, plutôt que sur la seule surenchère salariale.",
]
ARTICLE_PAGE = f"""<!DOCTYPE html>
<html lang="fr-FR"><head><meta charset="utf-8">
<title>Recrutement : les PME face à la pénurie | Le Journal</title>
<meta name="author" content="Claire Dubois">
<meta property="article:published_time" content="2024-03-05T09:30:00+01:00">
</head><body>
<nav><ul><li><a href="/">Accueil</a></li><li><a href="/eco">Économie</a></li></ul></nav>
<article><h1>Recrutement : les PME face à la pénurie</h1>
{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}
</article>
<section class="comments"><p>Super article, merci ! Commentaire de lecteur très enthousiaste.</p>
</section>
<footer><p>© 2024 Le Journal. Mentions légales. Politique de cookies.</p></footer>
</body></html>"""


def test_extract_article_text_and_metadata() -> None:
    result = extract_article(ARTICLE_PAGE.encode(), "https://journal.example.fr/a/1", {})
    for paragraph in PARAGRAPHS:
        assert paragraph in result.text
    assert "Mentions légales" not in result.text
    assert "Accueil" not in result.text
    assert result.title is not None and "Recrutement" in result.title
    assert result.author == "Claire Dubois"
    assert result.published_at == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert result.language == "fr"
    assert result.encoding == "utf-8"


def test_extract_article_without_metadata() -> None:
    result = extract_article(ARTICLE_PAGE.encode(), "https://j.example/1", {}, with_metadata=False)
    assert PARAGRAPHS[2] in result.text and "Mentions légales" not in result.text
    assert (result.title, result.author, result.published_at) == (None, None, None)
    assert result.language == "fr"


def test_extract_article_latin1_page_served_without_charset() -> None:
    body = ARTICLE_PAGE.replace('<meta charset="utf-8">', "").encode("cp1252", "replace")
    result = extract_article(body, "https://journal.example.fr/a/1", {"Content-Type": "text/html"})
    assert PARAGRAPHS[0] in result.text


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body></body></html>", b"\x00\x01\x02\xff" * 100, b"<p>   </p>"],
)
def test_pages_without_article_raise_extract_error(body: bytes) -> None:
    with pytest.raises(ExtractError, match=r"https://x\.example/p"):
        extract_article(body, "https://x.example/p", {})


def test_extract_article_runs_in_a_spawned_process_pool() -> None:
    # The fetch pipeline runs extraction in worker processes: the function, its arguments, its
    # result and its error must all cross a process boundary.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        ok = pool.submit(extract_article, ARTICLE_PAGE.encode(), "https://j.example/1", {})
        bad = pool.submit(extract_article, b"<html></html>", "https://j.example/2", {})
        result = ok.result(timeout=120)
        with pytest.raises(ExtractError, match=r"j\.example/2"):
            bad.result(timeout=120)
    assert isinstance(result, Extracted) and PARAGRAPHS[1] in result.text


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def test_french_pages_of_trafilatura_eval_no_worse_than_trafilatura() -> None:
    folder = corpus_path("pages", "trafilatura_eval")
    cases = json.loads((folder / "evaldata_subset.json").read_text(encoding="utf-8"))
    french = [(url, case) for url, case in cases.items() if case["lang"] == "fr"][:10]
    ours_score = theirs_score = 0
    for url, case in french:
        body = (folder / "html" / case["file"]).read_bytes()
        try:
            ours = _norm(extract_article(body, url, {}).text)
        except ExtractError:
            ours = ""
        theirs = _norm(trafilatura.extract(body, url=url))
        for snippet in case["with"]:
            ours_score += snippet in ours
            theirs_score += snippet in theirs
        for snippet in case["without"]:
            ours_score += snippet not in ours
            theirs_score += snippet not in theirs
    assert ours_score >= theirs_score


# --- the `full_text: auto` policy -----------------------------------------------------------

LONG = " ".join(["Un paragraphe complet qui développe son propos jusqu'au bout."] * 40)


def entry(content: str = "", summary: str = "") -> ParsedEntry:
    return ParsedEntry(
        guid="g",
        url="https://x.example/a",
        title="Titre",
        summary=summary,
        content=content,
        author=None,
        published_at=None,
        updated_at=None,
    )


@pytest.mark.parametrize(
    ("content", "summary", "truncated"),
    [
        ("", "", True),
        (LONG, "", False),
        ("", LONG, False),
        (LONG + " …", "", True),
        (LONG + " [...]", "", True),
        (LONG + " [&#8230;]", "", False),  # an entity left in text is not a marker we know
        (LONG + "\n\nRead more »", "", True),
        (LONG + "\n\nLire la suite", "", True),
        (LONG + " Continue reading →", "", True),
        (LONG + " (more…)", "", True),
        (
            LONG + " […]\n\nThe post Hiring in 2024 appeared first on The Blog.",
            "",
            True,
        ),
        (
            LONG + " […]\n\nL’article Recruter en 2024 est apparu en premier sur Le Blog.",
            "",
            True,
        ),
        (LONG + "\n\nThe post Hiring appeared first on The Blog.", "", False),
        ("Un lien intéressant à lire.", "", True),  # short: a link post
        ("", " ".join(["mot"] * 150), True),  # summary only and short
        (" ".join(["mot"] * 60), "", False),  # full content, merely short
        (" ".join(["mot"] * 40), LONG, True),  # a content field this short is a teaser
    ],
)
def test_looks_truncated(content: str, summary: str, truncated: bool) -> None:
    assert looks_truncated(entry(content, summary)) is truncated


def test_fill_from_extracted_keeps_feed_metadata_first() -> None:
    feed_date = datetime(2024, 3, 1, tzinfo=UTC)
    page_date = datetime(2024, 2, 1, tzinfo=UTC)
    short = replace(entry(summary="Début de l'article…"), published_at=feed_date)
    extracted = Extracted(
        text=LONG, title="Page title", author="Page Author", published_at=page_date
    )
    filled = fill_from_extracted(short, extracted)
    assert filled.content == LONG
    assert filled.author == "Page Author"  # the feed had none
    assert filled.published_at == feed_date  # the feed's own date wins
    assert filled.title == "Titre"
    assert fill_from_extracted(entry(content=LONG + LONG), extracted).content == LONG + LONG
