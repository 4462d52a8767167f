"""Language detection: function words first (`quick_language`) vs the model alone.

For each corpus set, side by side in one run: how many texts the function words settle
without the model, how often the two paths disagree (and, where the corpus says the
language, how often each is right), and the time per 1,000 texts of each path. Texts are
what ingestion gives the detector: title + body, cut to 300 characters.

    python bench/language.py [--corpus DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curator.errors import CuratorError  # noqa: E402
from curator.ingest.parse import parse_feed  # noqa: E402
from curator.lang import classify, detect_language, language_sample, quick_language  # noqa: E402
from tests.support.content import corpus_root  # noqa: E402

Text = tuple[str, str | None, str | None]  # (text, declared language, known language)


def feed_items(folder: Path) -> Iterator[Text]:
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix in (".tsv", ".md", ".json") or path.name == "LICENSE":
            continue
        try:
            parsed = parse_feed(path.read_bytes(), url=f"http://127.0.0.1/{path.name}", headers={})
        except CuratorError:
            continue
        for entry in parsed.entries:
            yield language_sample(entry.title, entry.content or entry.summary), entry.language, None


def ag_news(corpus: Path) -> Iterator[Text]:
    with open(corpus / "ranking" / "ag_news_en" / "ag_news_test.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            yield language_sample(row["title"], row["description"]), None, "en"


def le_monde(corpus: Path) -> Iterator[Text]:
    with open(corpus / "ranking" / "lemonde_fr" / "lemonde_2017.jsonl", encoding="utf-8") as f:
        for line in f:
            article = json.loads(line)
            yield language_sample(article["title"], article["text"]), None, "fr"


def sib(corpus: Path, folder: str, language: str) -> Iterator[Text]:
    path = corpus / "ranking" / "sib200_en_fr" / folder / "test.tsv"
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.count("\t") >= 2:
            yield line.split("\t", 2)[2], None, language


def timed(texts: list[Text], quick: bool) -> tuple[list[str | None], float]:
    started = time.perf_counter()
    answers = [detect_language(text, hint=hint, quick=quick) for text, hint, _ in texts]
    return answers, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="the shared corpus folder")
    corpus = corpus_root(parser.parse_args().corpus, expect="feeds")
    if corpus is None:
        sys.exit("the shared corpus is not on this machine (pass --corpus or set CURATOR_CORPUS)")
    sets = {
        "feeds (all corpus feeds)": list(feed_items(corpus / "feeds")),
        "AG News (en)": list(ag_news(corpus)),
        "Le Monde (fr)": list(le_monde(corpus)),
        "SIB-200 en (sentences)": list(sib(corpus, "eng_Latn", "en")),
        "SIB-200 fr (sentences)": list(sib(corpus, "fra_Latn", "fr")),
    }
    classify("load the model before timing anything")
    print(
        f"{'set':26} {'texts':>6} {'settled':>8} {'differ':>7} {'right q/m':>11} "
        f"{'ms/1k quick':>12} {'ms/1k model':>12} {'ratio':>6}"
    )
    for name, texts in sets.items():
        model, model_seconds = timed(texts, quick=False)
        quick, quick_seconds = timed(texts, quick=True)
        settled = sum(quick_language(text) is not None for text, _, _ in texts)
        differ = [(t, m, q) for (t, _, _), m, q in zip(texts, model, quick, strict=True) if m != q]
        known = [k for _, _, k in texts]
        right = ""
        if known[0] is not None:
            right_quick = sum(q == k for q, k in zip(quick, known, strict=True)) / len(texts)
            right_model = sum(m == k for m, k in zip(model, known, strict=True)) / len(texts)
            right = f"{right_quick:.3f}/{right_model:.3f}"
        per_k = 1000 / len(texts)
        print(
            f"{name:26} {len(texts):6d} {settled / len(texts):8.1%} {len(differ):7d} {right:>11} "
            f"{quick_seconds * 1000 * per_k:12.1f} {model_seconds * 1000 * per_k:12.1f} "
            f"{model_seconds / quick_seconds:6.1f}x"
        )
        for text, m, q in differ[:5]:
            print(f"    model {m} / quick {q}: {text[:110]!r}")


if __name__ == "__main__":
    main()
