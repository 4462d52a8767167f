"""Relevance scoring: objective + items (+ review decisions) + now -> ranked, explained scores.

Pure policy: no database, no network, no clock of its own. This is the only module that
imports scikit-learn (issue 4), and only where a decision model is fitted (issue 19).

Text analysis (French and English): HTML stripped, lowercased, stop words removed (the
`stop-words` package for French, scikit-learn's list for English: the `stop-words` English list
drops content words such as "computer"), Snowball stemming in the text's language so that
recrutement / recruteur / recruter meet, accents folded after stemming (the French stemmer needs
them; a root that keeps less than half of the word gives way to the word), word 1-2-grams,
a title's words counted like the body's, sublinear tf. Terms are hashed into a fixed space
(words and two-word phrases apart), so the document frequencies (`CorpusStats`) can be updated
one item at a time and stored as a small blob, without a vocabulary to refit.

Score of an item for a profile:
    relevance = squash(cosine(profile vector, item))         # profile = objective + keywords +
                                                              # examples, expanded by pseudo-
                                                              # relevance feedback; with the
                                                              # semantic extra, the feedback
                                                              # comes from the best items of
                                                              # both rankings, which are then
                                                              # fused by rank
    base      = relevance; with decisions of one kind only, a Rocchio-updated cosine; with a few
                of both kinds, a logistic model trained on them (the profile as one more
                positive, then its own best items as weaker ones), its order carried on
                the relevance's own values; with the semantic extra, fused by rank with the
                embeddings' similarity to the objective moved by the decisions (Rocchio)
    final     = base scaled by freshness (half-life, with a floor of 0.95), its odds scaled by
                the source weight, then combined with the keyword boost as 1 - (1 - x)(1 - boost)
Hashed columns are checked against the strings for the head of the queue: a hash collision
neither moves a score there nor shows as a reason (issue 18).
A blocked item gets final 0 and no rank. A near-duplicate cluster is one story: it is ranked
once, under the best score of its pending versions, and shown as its original (the earliest
published version, ties to the representative ingestion chose), which carries that score; an
aggregator's repost never leads the queue in place of the article it quotes. The queue is
diversified by MMR and a per-feed cap on each page of ten, both choosing only among the items
within VARIETY_MARGIN of the best one left.
"""

from __future__ import annotations

import base64
import html
import math
import re
import unicodedata
import warnings
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, KeysView, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from itertools import accumulate, chain, compress, groupby, pairwise
from typing import Any

import numpy as np
import snowballstemmer
import stop_words
from scipy import sparse

# scikit-learn is imported by `_fit` alone: its import costs more than a run's scoring (issue 19).
from curator.analysis_parts import ENGLISH_STOP_WORDS, murmurhash3_32
from curator.i18n import N_, Message
from curator.lang import LanguageGapNote
from curator.types import (
    RELATED_PREFIX,
    Decision,
    DecisionKind,
    Item,
    Profile,
    Score,
    Term,
    is_pending,
    item_columns,
    item_ids,
)
from curator.types import prefetch as _prefetch

# Unigrams and bigrams hash into separate halves (issue 18): a word can no longer share a column
# with a two-word phrase ("pourcentag" and "conseiller voyag" did). Collisions that remain within
# a half are checked against the strings for the head of the queue (`_collision_free`).
HALF_FEATURES = 1 << 20
N_FEATURES = 2 * HALF_FEATURES
WINDOW_DAYS = 30  # items fetched this recently are scored and make the idf (a rolling window)
# A title word counts as much as a body word. Counted twice, nDCG@10 of the relevance alone was
# lower on both sets with titles and bodies (bench/relevance.py --quick, issue 18): Le Monde,
# title + 600 characters, 0.503 against 0.540; AG News 0.742 against 0.754, and 0.712 against
# 0.724 over the AG News rows the bench leaves out. Headlines are often figurative ("l'usine à
# rêves" is Hollywood), and a lead says what the article is about. With 2,000 characters of
# Le Monde the other way round: 0.524 counted twice against 0.517 (the queue: 0.511 and 0.488).
TITLE_REPEAT = 1
BODY_CHARS = 2000  # the first page of an article says what it is about; analysis is linear in it
RELEVANCE_SCALE = 0.12  # cosine -> [0, 1): squash(0.12) = 0.63
# Freshness reorders items of about the same relevance, no more (issue 18: with a floor of 0.5 a
# week-old 0.76 item fell below a fresh 0.48 one): an old item keeps 95% of its score (0.85 cost
# 0.01 to 0.02 nDCG@10 on the relevance bench's sets, whose publication times are random).
FRESHNESS_FLOOR = 0.95
BOOST_STEP = 0.1
BOOST_MAX = 0.3
BLOCK_CHECK = 1000  # items checked word by word for block rules over their whole text
PRF_DOCS = 20  # pseudo-relevance feedback: the top items expand the profile vector
PRF_WEIGHT = 0.7
# Feedback items this close are one story (issue 18, bench/relevance.py on both objective sets:
# counting each story once gained 0.003 to 0.005 nDCG@10 pooled at any threshold from 0.4 to
# 0.7; 0.3 lost on both; 0.4 did best after 30 decisions).
PRF_SAME_STORY = 0.4
ROCCHIO_POS = 0.8
ROCCHIO_NEG = 0.3
MIN_CLASS_FOR_MODEL = 3  # a linear model needs a few decisions on both sides
# Inverse regularisation of the logistic model. After 30 decisions on Le Monde titles, nDCG@10 of
# the queue (defaults): C = 1 0.562, 5 0.566, 20 0.551 (bench/relevance.py).
MODEL_C = 5.0
# The decision model is fitted a second time with its best MODEL_PRF_DOCS items as positives of
# weight MODEL_PRF_WEIGHT (issue 18). After 30 decisions, nDCG@10 of the queue (defaults,
# bench/relevance.py, halves A and B of the objectives): without it 0.608 and 0.730, weight 0.5
# 0.625 and 0.739, 0.25 0.618 and 0.740, a weight of 0.5 x (positives + 1) / 20 0.617 and 0.737
# (the logistic regression on tuned TF-IDF: 0.623 and 0.718).
MODEL_PRF_DOCS = 20
MODEL_PRF_WEIGHT = 0.5
MMR_POOL = 300  # MMR re-ranks only the head of the queue
PAGE = 10  # the per-source cap applies to each page of this many ranks
# Diversity and the per-feed cap choose only among items within this share of the best score
# left (issue 18): variety never puts a clearly worse item above a clearly better one. On the
# relevance bench (nDCG@10 of the defaults, each half of its sets apart), 4% cost 0.020 and 0.006
# against no variety at all, 2% 0.013 and 0.001, 1% nothing on either half; after 30
# decisions, when the learned scores crowd the head, 4% cost 0.026 and 0.009.
VARIETY_MARGIN = 0.01
# Single-row products over one matrix (decided profiles: three each) before it is also kept by
# column, which makes the next ones read only the items holding the row's terms.
DOTS_BEFORE_COLUMNS = 6
VERIFY_HEAD = 300  # items checked for hash collisions against the strings, best first
EXPLAIN_LIMIT = 300  # explanations (original words) for the head of the queue only
WHY_TERMS = 5

# Content words the maintained stop lists contain but that carry a topic for our users.
_KEEP_WORDS = """bill fire mill interest system empty fill found front full move part serious show
side sincere thick thin top bottom detail describe call name keep con cry
état droite valeur force essai pièce parole mine haut"""
_KEEP = frozenset(_KEEP_WORDS.split())
_WORD = re.compile(r"[^\W_]{2,}")
_WORD_SPLIT = re.compile(r"([^\W_]{2,})")  # `_WORD`, keeping what parts the words
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"[.,;:!?()\[\]«»\"“”]")  # a shown bigram does not span punctuation
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=[\"«“(]?[A-ZÀ-ÖØ-Þ0-9])")


def _fold(text: str) -> str:
    """Lowercase and strip accents: "Économie" -> "economie"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    words: set[str] = set(ENGLISH_STOP_WORDS)
    words.update(stop_words.get_stop_words("fr"))
    # Elisions and common contractions the tokenizer keeps as words.
    words.update(["qu", "jusqu", "lorsqu", "puisqu", "aujourd", "hui", "don", "doesn", "isn"])
    return frozenset(_fold(w) for w in words if w not in _KEEP)


_STEMMERS = {"fr": snowballstemmer.stemmer("french"), "en": snowballstemmer.stemmer("english")}
# token -> folded stem, or "" for a stop word; one cache per language. Bounded by the language's
# vocabulary, which is what makes analysis fast enough for 100,000 items.
_STEM_CACHE: dict[str, dict[str, str]] = {"fr": {}, "en": {}}
_FR_HINTS: frozenset[str] = frozenset(
    _fold(w) for w in stop_words.get_stop_words("fr") if len(w) > 1
) - frozenset(_fold(w) for w in ENGLISH_STOP_WORDS)
_EN_HINTS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) - _FR_HINTS - {"de", "en", "un"}


# Letters of French words that English words hardly ever carry.
_FRENCH_LETTER = re.compile(r"[àâæçéèêëîïôœùûüÿ]")


def guess_language(text: str, declared: str | None = None) -> str:
    """fr or en: the declared language when it is one of them, else a stop-word vote; when the
    stop words do not settle it, as in a list of terms ("Post-doc : CRISPR, exoplanètes, ondes
    gravitationnelles"), a French accent says French (issue 18: such objectives were stemmed
    in English, and "ondes" as "ond" missed the French items' "onde")."""
    if declared in ("fr", "en"):
        return declared
    sample = text[:2000].lower()
    fr = en = 0
    for word in _WORD.findall(sample):
        folded = _fold(word)
        if folded in _FR_HINTS:
            fr += 1
        elif folded in _EN_HINTS:
            en += 1
    if fr == en:
        return "fr" if _FRENCH_LETTER.search(sample) else "en"
    return "fr" if fr > en else "en"


def _stem(token: str, lang: str) -> str:
    cache = _STEM_CACHE[lang]
    stem = cache.get(token)
    if stem is None:
        folded = _fold(token)
        if folded in _stop_words() or folded.isdigit():
            stem = ""
        else:
            stem = _STEMMERS[lang].stemWord(token)
            if lang == "fr":
                stem = _agent_noun(token, stem)
            stem = _fold(stem)
            light = _light_stem(folded)
            # Snowball strips derivational suffixes down to short roots that unrelated words
            # share ("operation" and "tour-operateur" -> "oper", "communication" and
            # "commune" -> "commun"): when the root keeps less than half of the word, the
            # word keeps its own form, less its plural (issue 18).
            if 2 * len(stem) < len(light):
                stem = light
        cache[token] = stem
    return stem


def _light_stem(folded: str) -> str:
    """The word without a plural mark: enough to match "operations" with "operation"."""
    if len(folded) > 4 and folded[-1] in "sx" and folded[-2] not in "su":
        return folded[:-1]
    return folded


_AGENT = re.compile(r"(?:eur|eux|ric)$")


def _agent_noun(token: str, stem: str) -> str:
    """Snowball keeps French agent nouns apart from their verb (recruteur / recrut, directrice /
    direct): strip -eur, -euse, -rice when a stem of four letters or more remains."""
    if token.rstrip("s").endswith(("eur", "euse", "rice")):
        m = _AGENT.search(stem)
        if m and m.start() >= 4:
            return stem[: m.start()]
    return stem


def _clean(text: str) -> str:
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def _stems(text: str, lang: str) -> list[str]:
    return _token_stems(_WORD.findall(text.lower()), lang)


def _token_stems(tokens: list[str], lang: str) -> list[str]:
    """The stems of lowercased `tokens`, stop words left out."""
    return list(filter(None, _all_stems(tokens, lang)))


def _all_stems(tokens: list[str], lang: str) -> list[str]:
    """The stem of each lowercased token, "" for a stop word: one look-up in the stem cache
    for all of them (in C), `_stem` only for the words it has not met."""
    cache = _STEM_CACHE[lang]
    stems = list(map(cache.get, tokens))
    if None in stems:
        stems = [s if s is not None else _stem(t, lang) for s, t in zip(stems, tokens, strict=True)]
    return stems  # type: ignore[return-value]


def _terms(stems: list[str]) -> list[str]:
    """Word unigrams and bigrams (over the stop-word-free sequence)."""
    return stems + list(map(" ".join, pairwise(stems)))


def analyze(title: str, body: str, lang: str) -> list[str]:
    """The terms of a document, for reading and tests (the matrices hash the same terms):
    title terms are repeated so they weigh more."""
    title_terms = _terms(_stems(_clean(title), lang))
    body_terms = _terms(_stems(_clean(body[:BODY_CHARS]), lang)) if body else []
    return title_terms * TITLE_REPEAT + body_terms


# Terms are hashed, not looked up in a vocabulary: document frequencies can then be updated item
# by item and stored as one array. A stem's hash is murmurhash3; a bigram's column is mixed from
# its two stems' hashes, so bigrams never exist as strings on the hot path.
_HASH_CACHE: dict[str, dict[str, int]] = {"fr": {}, "en": {}}  # token -> stem hash, 0 = stop
_MASK32 = 0xFFFFFFFF
_MIX_A, _MIX_B, _MIX_C = 0x9E3779B1, 0x85EBCA77, 0x165667B1


def _stem_hash(stem: str) -> int:
    return murmurhash3_32(stem) or 1


def term_index(term: str) -> int:
    """The column of a term ("stem" or "stem stem") in the item matrices: unigrams in the first
    half of the space, bigrams in the second."""
    parts = term.split(" ")
    if len(parts) == 1:
        return _stem_hash(term) % HALF_FEATURES
    a, b = _stem_hash(parts[0]), _stem_hash(parts[1])
    return HALF_FEATURES + ((a * _MIX_A + b * _MIX_B + _MIX_C) & _MASK32) % HALF_FEATURES


def _hashes(text: str, lang: str) -> list[int]:
    """Stem hashes of a text's content words, in order (the hot path of analysis)."""
    cache = _HASH_CACHE[lang]
    tokens = _WORD.findall(text.lower())
    hashes = list(map(cache.get, tokens))
    if None in hashes:
        for k, (h, token) in enumerate(zip(hashes, tokens, strict=True)):
            if h is None:
                stem = _stem(token, lang)
                h = cache[token] = _stem_hash(stem) if stem else 0
                hashes[k] = h
    return list(filter(None, hashes))  # type: ignore[arg-type]


def _counts(
    segments: Sequence[list[int]], rows: Sequence[int], weights: Sequence[float], n_rows: int
) -> sparse.csr_matrix:
    """Term counts: each segment (a title, a body) adds its unigrams and in-segment bigrams,
    times its weight, to its row."""
    lengths = np.fromiter(map(len, segments), np.int64, len(segments))
    total = int(lengths.sum())
    if total == 0:
        return sparse.csr_matrix((n_rows, N_FEATURES), dtype=np.float64)
    flat = np.fromiter(chain.from_iterable(segments), np.uint64, total)
    seg = np.repeat(np.arange(len(segments)), lengths)
    row = np.asarray(rows, dtype=np.int64)[seg]
    weight = np.asarray(weights, dtype=np.float64)[seg]
    same = seg[:-1] == seg[1:]
    a, b = flat[:-1][same], flat[1:][same]
    bigram = np.uint64(HALF_FEATURES) + (
        (a * np.uint64(_MIX_A) + b * np.uint64(_MIX_B) + np.uint64(_MIX_C)) & np.uint64(_MASK32)
    ) % np.uint64(HALF_FEATURES)
    cols = np.concatenate([flat % np.uint64(HALF_FEATURES), bigram]).astype(np.int64)
    x = sparse.coo_matrix(
        (
            np.concatenate([weight, weight[:-1][same]]),
            (np.concatenate([row, row[:-1][same]]), cols),
        ),
        shape=(n_rows, N_FEATURES),
    ).tocsr()
    x.sum_duplicates()
    return x


def _count_texts(texts: Sequence[tuple[str, str, str]]) -> sparse.csr_matrix:
    """Counts for (title, body, lang) texts, one row each; titles weigh TITLE_REPEAT."""
    segments: list[list[int]] = []
    rows: list[int] = []
    weights: list[float] = []
    for r, (title, body, lang) in enumerate(texts):
        if title:
            segments.append(_hashes(_clean(title), lang))
            rows.append(r)
            weights.append(float(TITLE_REPEAT))
        if body:
            segments.append(_hashes(_clean(body[:BODY_CHARS]), lang))
            rows.append(r)
            weights.append(1.0)
    return _counts(segments, rows, weights, len(texts))


def _item_lang(item: Item) -> str:
    return guess_language(item.title + " " + item.text[:500], item.language)


def _item_counts(items: Sequence[Item]) -> sparse.csr_matrix:
    return _count_texts([(item.title, item.text, _item_lang(item)) for item in items])


def _text_terms(text: str, lang: str) -> frozenset[str]:
    """The term strings a text adds to its row (as `_count_texts` hashes them)."""
    return frozenset(_terms(_stems(_clean(text[:BODY_CHARS]), lang)))


def item_terms(item: Item) -> frozenset[str]:
    """The term strings of an item's row in the matrices."""
    lang = _item_lang(item)
    return _text_terms(item.title, lang) | _text_terms(item.text, lang)


COUNT_CHUNK = 10_000  # items counted at once: the counting arrays are ~50 bytes a term


def _chunked_counts(items: Sequence[Item]) -> sparse.csr_matrix:
    """`_item_counts` a chunk at a time, the same matrix: counting 100,000 items at once held
    gigabytes of intermediate arrays (issue 19)."""
    if len(items) <= COUNT_CHUNK:
        return _item_counts(items)
    parts = [
        _item_counts(items[start : start + COUNT_CHUNK])
        for start in range(0, len(items), COUNT_CHUNK)
    ]
    return sparse.csr_matrix(sparse.vstack(parts, format="csr"))


# An item's counts as stored between passes (issue 19): its term columns (int32, ascending) and
# their counts (uint16, or uint32 when one exceeds it), as bytes. Raw counts only: idf and
# weighting depend on the corpus and are applied at scoring time.
Packed = tuple[bytes, bytes]

#: The version of the analysis (tokens, stop words, stems, hashing, title weight, body length)
#: that packed counts were made by: change it with anything `_item_counts` depends on, and the
#: stored counts are recomputed.
# 2: an accent settles a tie of the stop-word vote (`guess_language`); 3: TITLE_REPEAT 1.
ANALYSER_VERSION = 3


def pack_counts(counts: sparse.csr_matrix) -> list[Packed]:
    """Each row of an `_item_counts` matrix, packed."""
    out: list[Packed] = []
    indices = counts.indices.astype(np.int32, copy=False)
    data = counts.data
    wide = np.uint16 if not data.size or data.max() <= np.iinfo(np.uint16).max else np.uint32
    values = data.astype(wide)
    bounds = counts.indptr.tolist()
    for lo, hi in pairwise(bounds):
        out.append((indices[lo:hi].tobytes(), values[lo:hi].tobytes()))
    return out


def unpack_counts(rows: Sequence[Packed]) -> sparse.csr_matrix:
    """The counts matrix of packed rows: `unpack_counts(pack_counts(m))` equals `m` entry for
    entry, in the same order, so the products over it are the same to the bit. Filled a chunk
    of rows at a time into the final arrays: no second copy of 100,000 items' counts."""
    n = len(rows)
    lengths = np.fromiter((len(t) // 4 for t, _ in rows), np.int64, n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    data = np.empty(int(indptr[-1]), dtype=np.float64)
    for start in range(0, n, COUNT_CHUNK):
        chunk = rows[start : start + COUNT_CHUNK]
        lo, hi = int(indptr[start]), int(indptr[min(n, start + COUNT_CHUNK)])
        indices[lo:hi] = np.frombuffer(b"".join(t for t, _ in chunk), dtype=np.int32)
        if sum(len(c) for _, c in chunk) == 2 * (hi - lo):
            data[lo:hi] = np.frombuffer(b"".join(c for _, c in chunk), dtype=np.uint16)
        else:  # a row with a count past 65,535 holds uint32
            at = lo
            for t, c in chunk:
                m = len(t) // 4
                wide = np.uint16 if len(c) == 2 * m else np.uint32
                data[at : at + m] = np.frombuffer(c, dtype=wide)
                at += m
    return sparse.csr_matrix((data, indices, indptr), shape=(n, N_FEATURES))


def item_counts(
    items: Sequence[Item], stored: Mapping[int, Packed] | None = None
) -> tuple[sparse.csr_matrix, dict[int, Packed]]:
    """The items' term counts, one row each: those in `stored` (packed, by item id) are read,
    the others analysed; returns the matrix and the packed counts of the items analysed, for
    the caller to store."""
    known = stored or {}
    ids = item_ids(items)
    rows = [k for k, item_id in enumerate(ids) if item_id not in known]
    _prefetch(items, rows)
    missing = [items[k] for k in rows]
    fresh = dict(zip((i.id for i in missing), pack_counts(_chunked_counts(missing)), strict=True))
    return unpack_counts([known.get(i) or fresh[i] for i in ids]), fresh


# ---------------------------------------------------------------------------------------------
# Corpus statistics


@dataclass(frozen=True, eq=False)
class CorpusStats:
    """Document frequencies of hashed terms over the stored corpus (a rolling window).

    `updated` adds new items and removes those that left the window without refitting; the app
    keeps it in the `meta` table as `to_json()`. The window counted is the items fetched from
    `since` (inclusive) to `through` (inclusive), as the caller chose them.
    """

    n_docs: int
    df: np.ndarray  # int32, one count per hashed term
    through: datetime | None = None
    since: datetime | None = None

    @classmethod
    def empty(cls) -> CorpusStats:
        return cls(0, np.zeros(N_FEATURES, dtype=np.int32))

    @classmethod
    def fit(
        cls,
        items: Sequence[Item],
        *,
        since: datetime | None = None,
        through: datetime | None = None,
    ) -> CorpusStats:
        return cls.empty().updated(added=items, since=since, through=through)

    @classmethod
    def fit_counts(
        cls,
        counts: sparse.csr_matrix,
        *,
        since: datetime | None = None,
        through: datetime | None = None,
    ) -> CorpusStats:
        """`fit` from the items' counts (`item_counts`), one row per item."""
        return cls(counts.shape[0], _doc_freq(counts), through, since)

    def updated(
        self,
        *,
        added: Sequence[Item] = (),
        removed: Sequence[Item] = (),
        since: datetime | None = None,
        through: datetime | None = None,
    ) -> CorpusStats:
        return self.updated_counts(
            added=_chunked_counts(added) if added else None,
            removed=_item_counts(removed) if removed else None,
            since=since,
            through=through,
        )

    def updated_counts(
        self,
        *,
        added: sparse.csr_matrix | None = None,
        removed: sparse.csr_matrix | None = None,
        since: datetime | None = None,
        through: datetime | None = None,
    ) -> CorpusStats:
        """`updated` from the items' counts (`item_counts`), one row per item."""
        df = self.df.copy()
        n = self.n_docs
        if added is not None and added.shape[0]:
            df += _doc_freq(added)
            n += added.shape[0]
        if removed is not None and removed.shape[0]:
            df -= _doc_freq(removed)
            n -= removed.shape[0]
            np.maximum(df, 0, out=df)
            n = max(n, 0)
        return CorpusStats(
            n,
            df,
            through if through is not None else self.through,
            since if since is not None else self.since,
        )

    def idf(self) -> np.ndarray:
        """Smoothed idf; with an empty corpus every term weighs 1."""
        if self.n_docs == 0:
            return np.ones(N_FEATURES, dtype=np.float64)
        return np.log((1.0 + self.n_docs) / (1.0 + self.df.astype(np.float64))) + 1.0

    def to_json(self) -> dict[str, object]:
        nz = np.flatnonzero(self.df).astype(np.int32)
        blob = nz.tobytes() + self.df[nz].astype(np.int32).tobytes()
        return {
            "version": 1,
            "analyser": ANALYSER_VERSION,
            "n_features": N_FEATURES,
            "n_docs": self.n_docs,
            "nnz": int(nz.size),
            "through": self.through.isoformat() if self.through else None,
            "since": self.since.isoformat() if self.since else None,
            # Level 1: written on every scoring pass; level 6 took 0.2 s more for 7% less (issue 19)
            "df": base64.b64encode(zlib.compress(blob, 1)).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> CorpusStats | None:
        """None when the blob is from another version, analyser or hash space: the caller refits
        (document frequencies counted by another analyser would not match the stored counts
        that update them)."""
        if (
            data.get("version") != 1
            or data.get("n_features") != N_FEATURES
            or data.get("analyser", 1) != ANALYSER_VERSION
        ):
            return None
        try:
            nnz = int(str(data["nnz"]))
            raw = zlib.decompress(base64.b64decode(str(data["df"])))
            nz = np.frombuffer(raw[: 4 * nnz], dtype=np.int32)
            counts = np.frombuffer(raw[4 * nnz :], dtype=np.int32)
            df = np.zeros(N_FEATURES, dtype=np.int32)
            df[nz] = counts
            return cls(int(str(data["n_docs"])), df, _when(data, "through"), _when(data, "since"))
        except (KeyError, ValueError, zlib.error) as e:
            del e  # a damaged blob is refitted, not fatal
            return None


def _when(data: Mapping[str, object], key: str) -> datetime | None:
    value = data.get(key)
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _doc_freq(x: sparse.csr_matrix) -> np.ndarray:
    return np.bincount(x.indices, minlength=N_FEATURES).astype(np.int32)


# ---------------------------------------------------------------------------------------------
# Vectors


@dataclass(frozen=True, eq=False)
class ItemMatrix:
    """Items vectorised once (tf-idf, L2-normalised rows), reusable for every profile."""

    item_ids: tuple[int, ...]
    x: sparse.csr_matrix
    idf: np.ndarray
    # Each item's words (`_ItemWords`: its term strings and where it shows them), analysed on
    # demand (collision check, explanations, results by topic) and kept for the other
    # profiles scored over the same matrix: `words_of`.
    words: dict[int, _ItemWords] = field(default_factory=dict, repr=False)
    # What every profile reads of the items, computed once per matrix rather than once per
    # profile (issue 19): per-item columns (`_item_columns`), the rows holding a hashed term
    # (keyword rules), and the relevance of the profiles announced by `expect_profiles`.
    columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    term_rows: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    stem_seqs: dict[int, tuple[list[str], ...]] = field(default_factory=dict, repr=False)
    checked: list[Sequence[Item]] = field(default_factory=list, repr=False)
    expected: list[tuple[Profile, tuple[str, ...]]] = field(default_factory=list, repr=False)
    prepared: dict[tuple[Profile, tuple[str, ...]], _Relevance] = field(
        default_factory=dict, repr=False
    )
    # The matrix by column (`dot`), built once enough single-row products were asked for.
    by_column: dict[str, Any] = field(default_factory=dict, repr=False)

    def words_of(self, items: Sequence[Item], k: int) -> _ItemWords:
        """The words of the item of row `k` (`items` are the matrix's), analysed once."""
        got = self.words.get(k)
        if got is None:
            got = self.words[k] = _ItemWords(items[k])
        return got

    def dot(self, v: sparse.csr_matrix) -> np.ndarray:
        """`x @ v.T` for one row `v`, as a flat array. The first few as one pass of `x`
        against `v` as a dense column (`_dot`); then from the matrix by column, reading only
        the items that hold one of `v`'s terms: ~15 ms instead of ~70 over 100,000 items, and
        the copy by column (~0.5 s) pays for itself after a few decided profiles (issue 17)."""
        done = self.by_column.get("products", 0)
        self.by_column["products"] = done + 1
        xc = self.by_column.get("csc")
        if xc is None:
            if done < DOTS_BEFORE_COLUMNS:
                return _dot(self.x, v)
            xc = self.by_column["csc"] = self.x.tocsc()
        v = sparse.csr_matrix(v)
        v.sum_duplicates()
        out: np.ndarray = xc[:, v.indices] @ v.data
        return out


def _tfidf(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Weights `counts` in place (every caller passes counts it does not keep): 100,000 items
    are hundreds of megabytes, and each copy of them counted in the peak (issue 19)."""
    x = counts.astype(np.float64, copy=False)
    np.log(x.data, out=x.data)
    x.data += 1.0
    x.data *= idf[x.indices]
    return _normalize(x)


def _normalize(x: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    # Each row times its inverse norm, in place: the same products as a diagonal matrix times
    # x, without two more copies of the matrix.
    x.data *= np.repeat(1.0 / norms, np.diff(x.indptr))
    return x


def vectorize(
    items: Sequence[Item], stats: CorpusStats | None, counts: sparse.csr_matrix | None = None
) -> ItemMatrix:
    """Analyse and weight the items. Without stats, the idf is fitted on the items themselves.
    `counts`: the items' counts when the caller has them (`item_counts`), weighted in place."""
    if counts is None:
        counts = _chunked_counts(items)
    elif counts.shape[0] != len(items):
        raise ValueError("counts were made for other items")
    if stats is None or stats.n_docs == 0:
        stats = CorpusStats(len(items), _doc_freq(counts))
    idf = stats.idf()
    return ItemMatrix(tuple(item_ids(items)), _tfidf(counts, idf), idf)


def _text_vector(
    texts: Sequence[tuple[str, str]], idf: np.ndarray, declared: str | None = None
) -> sparse.csr_matrix:
    """One normalised row per (title, body) text, analysed in its own language (the declared
    one when it is fr or en)."""
    rows = [(t, b, guess_language(t + " " + b, declared)) for t, b in texts]
    return _tfidf(_count_texts(rows), idf)


def _row_sum(rows: sparse.csr_matrix) -> sparse.csr_matrix:
    """The sum of `rows`, as one sparse row. Summed sparse: a dense row of all 2^21 columns,
    made and scanned for every centroid, cost ~13 ms per profile (issue 17)."""
    out = sparse.csr_matrix(
        (rows.data, rows.indices, np.array([0, rows.nnz])), shape=(1, rows.shape[1])
    )
    out.sum_duplicates()
    return out


def _unit(v: sparse.csr_matrix) -> sparse.csr_matrix:
    norm = math.sqrt(float(v.multiply(v).sum()))
    return v / norm if norm > 0 else v


@dataclass(frozen=True, eq=False)
class ProfileVector:
    vector: sparse.csr_matrix  # 1 x N_FEATURES, unit norm (or all zero)
    warnings: tuple[str, ...] = ()
    strings: frozenset[str] = frozenset()  # the terms of the objective, keywords and examples


def profile_vector(
    profile: Profile, idf: np.ndarray, example_texts: Sequence[str] = ()
) -> ProfileVector:
    """Objective + boost keywords + examples. `example_texts` are examples resolved to text by
    the caller (a URL example is replaced by the stored item's title and text)."""
    notes: list[str] = []
    objective = profile.objective.strip()
    lang = profile.language if profile.language in ("fr", "en") else None
    obj_lang = guess_language(objective, lang)
    obj_stems = _stems(objective, obj_lang)
    parts: list[sparse.csr_matrix] = []
    strings: set[str] = set()
    if obj_stems:
        parts.append(_text_vector([("", objective)], idf, lang))
        strings |= _text_terms(objective, obj_lang)
    if len(set(obj_stems)) <= 1:
        if obj_stems:
            msgid = N_(
                "profile {name}: the objective is a single word; describe your job and goal"
                " in a few sentences for a better ranking"
            )
        elif profile.keywords.boost:
            msgid = N_(
                "profile {name}: the objective is empty; describe your job and goal in a few"
                " sentences for a better ranking"
            )
        else:
            msgid = N_(
                "profile {name}: the objective is empty; describe your job and goal in a few"
                " sentences for a better ranking (ranking by freshness only)"
            )
        notes.append(Message(msgid, name=repr(profile.name)))
    if profile.keywords.boost:
        kw = _text_vector([("", k) for k in profile.keywords.boost], idf, lang)
        parts.append(_unit(_row_sum(kw)) * 0.7)
        for k in profile.keywords.boost:
            strings |= _text_terms(k, guess_language(k, lang))
    examples = [e for e in (*example_texts, *_free_text_examples(profile)) if e.strip()]
    if examples:
        ex = _text_vector([("", e) for e in examples], idf)
        parts.append(_unit(_row_sum(ex)) * 0.8)
        for e in examples:
            strings |= _text_terms(e, guess_language(e))
    if not parts:
        return ProfileVector(sparse.csr_matrix((1, N_FEATURES)), tuple(notes))
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return ProfileVector(_unit(sparse.csr_matrix(total)), tuple(notes), frozenset(strings))


def _free_text_examples(profile: Profile) -> list[str]:
    return [e for e in profile.examples if not e.lower().startswith(("http://", "https://"))]


# ---------------------------------------------------------------------------------------------
# Work shared by the profiles scored over one matrix (issues 17 and 19)

# Profiles whose relevance is computed as one sparse product: their cosines are held as an
# (items x PROFILE_BLOCK) array, 51 MB for 100,000 items.
PROFILE_BLOCK = 64


@dataclass(frozen=True, eq=False)
class _Relevance:
    """A profile's relevance over a matrix: its vector, the vector expanded by pseudo-relevance
    feedback with the strings behind it, and the (collision-checked) cosines to the latter."""

    pv: ProfileVector
    q: sparse.csr_matrix
    allowed: frozenset[str]
    cos: np.ndarray


def _dot(x: sparse.csr_matrix, v: sparse.csr_matrix) -> np.ndarray:
    """`x @ v.T` for one row `v`, as a flat array. Over many rows, `v` is made a dense column
    first: a sparse product counts its result's entries before computing them, ~120 ms over
    100,000 items where one pass of `x` against a dense column takes a few (issue 17). Both add
    each row's products in the order of its terms, so the sums are the same to the bit."""
    if x.nnz < v.shape[1]:
        return np.asarray((x @ v.T).toarray()).ravel()
    out: np.ndarray = x @ np.asarray(v.toarray()).ravel()
    return out


def _cosines(x: sparse.csr_matrix, vectors: Sequence[sparse.csr_matrix]) -> np.ndarray:
    """Cosines of the rows of `x` to each of `vectors`, (items, vectors), as one product of
    items x terms by terms x vectors. Each column equals `x @ v.T` to the bit: the product
    sums a column in the order of the row's terms either way."""
    if not x.shape[0] or not vectors:
        return np.zeros((x.shape[0], len(vectors)))
    return np.asarray((x @ sparse.vstack(vectors, format="csr").T).toarray())


def _relevances(
    x: sparse.csr_matrix,
    vectors: Sequence[ProfileVector],
    terms_of: Callable[[int], AbstractSet[str]],
    read_ahead: Callable[[Iterable[int]], None] = lambda rows: None,
) -> list[_Relevance]:
    """Relevance for each profile vector: cosine to the profile, expanded by the best few items
    (pseudo-relevance feedback: a short objective gains the vocabulary of the items it
    obviously matches). Hashed columns are checked against the strings where ranks are read
    (issue 18). Two sparse products for all the vectors, not two per profile. `read_ahead`
    is told the rows whose terms are about to be asked for (items read on demand, issue 19)."""
    n = x.shape[0]
    cos0 = _cosines(x, [pv.vector for pv in vectors])
    read_ahead(chain.from_iterable(_top_indices(c, PRF_DOCS).tolist() for c in cos0.T))
    expanded: list[tuple[sparse.csr_matrix, frozenset[str]]] = []
    for j, pv in enumerate(vectors):
        q0 = pv.vector
        first = _collision_free(cos0[:, j], x, q0, pv.strings, terms_of, PRF_DOCS)
        q, allowed = q0, pv.strings
        if q0.nnz and n > PRF_DOCS * 3:
            top = _top_indices(first, PRF_DOCS)
            top = top[first[top] > 0]
            if top.size:
                q = _unit(q0 + PRF_WEIGHT * _feedback_centroid(x[top]))
                allowed = allowed.union(*(terms_of(int(k)) for k in top))
        expanded.append((q, allowed))
    del cos0
    cos = _cosines(x, [q for q, _ in expanded])
    read_ahead(chain.from_iterable(_top_indices(c, VERIFY_HEAD).tolist() for c in cos.T))
    return [
        _Relevance(pv, q, allowed, _collision_free(cos[:, j], x, q, allowed, terms_of))
        for j, (pv, (q, allowed)) in enumerate(zip(vectors, expanded, strict=True))
    ]


def _feedback_centroid(rows: sparse.csr_matrix) -> sparse.csr_matrix:
    """The unit centroid of the feedback items `rows` (unit rows), each story counted once: an
    item weighs 1 / the number of feedback items at a cosine of PRF_SAME_STORY or more to it,
    itself included. Without it an event reported by many items took the expansion, and items
    sharing its words the head of the queue (issue 18: Le Monde and AG News report events
    several times; see PRF_SAME_STORY). Different articles on one subject are not one story
    here: their cosines are lower."""
    same_story = _pairwise(rows) >= PRF_SAME_STORY
    weights = 1.0 / same_story.sum(axis=1)
    return _unit(_row_sum(sparse.csr_matrix(rows.multiply(weights[:, None]))))


def _pairwise(rows: sparse.csr_matrix) -> np.ndarray:
    """`rows @ rows.T` as a dense array, computed over the columns the rows use: transposing a
    few rows over all 2^21 columns took 2 ms per product. Each entry sums the same products in
    the same order, so the values are the same to the bit."""
    used, columns = np.unique(rows.indices, return_inverse=True)
    compact = sparse.csr_matrix((rows.data, columns, rows.indptr), shape=(rows.shape[0], used.size))
    return np.asarray((compact @ compact.T).toarray())


def expect_profiles(matrix: ItemMatrix, profiles: Sequence[tuple[Profile, Sequence[str]]]) -> None:
    """Announce the profiles about to be scored over `matrix`, each with the example texts
    `score_items` will get: their relevance is then computed PROFILE_BLOCK profiles at a time,
    as one sparse product (items x terms by terms x profiles), when the first of a block is
    scored (issue 17). The scores are the same as without it."""
    matrix.expected[:] = [(p, tuple(e)) for p, e in profiles]


#: Below this many profiles, or this many profile x items, a pass scores its profiles in one
#: process: forking, the caches each process fills again and the results sent back would cost
#: more than they save (issue 17). Set by estimate, not measured: a profile costs ~1.3 ms of
#: CPU per 1,000 items, and a second process ~12% more CPU in all (130 profiles x 20,000
#: items), so below ~2 seconds of work it is not worth a fork.
SPLIT_MIN_PROFILES = 8
SPLIT_MIN_WORK = 2_000_000


def scoring_processes(profiles: int, items: int, wanted: int) -> int:
    """How many processes should score `profiles` over `items`, at most `wanted`."""
    if profiles < SPLIT_MIN_PROFILES or profiles * items < SPLIT_MIN_WORK:
        return 1
    return max(1, min(wanted, profiles))


def profile_chunk(profiles: int, processes: int) -> int:
    """How many consecutive profiles to score together: a block of `expect_profiles` (one
    sparse product), or less so that every process gets a share."""
    return max(1, min(PROFILE_BLOCK, -(-profiles // max(1, processes))))


def share_before_fork(
    matrix: ItemMatrix, items: Sequence[Item], *, feedback: int, fit_models: bool
) -> None:
    """Build now what scoring over `matrix` would build on first use in each process, so that
    processes forked afterwards share one copy of it (copy-on-write) instead of each building
    its own (issue 17): the per-item columns, the matrix by column when the `feedback` profiles
    (those with decisions, a product or more each) would have it built, and scikit-learn
    imported when a decision model will be fitted. The scores are the same either way: a
    product by row or by column adds each item's terms in the same order."""
    if not any(seen is items for seen in matrix.checked):
        if matrix.item_ids != tuple(item_ids(items)):
            raise ValueError("matrix was built for other items")
        matrix.checked.append(items)
    _item_columns(items, matrix.columns)
    if feedback > DOTS_BEFORE_COLUMNS and "csc" not in matrix.by_column:
        matrix.by_column["csc"] = matrix.x.tocsc()
    if fit_models:
        import sklearn.linear_model  # noqa: F401


def _prepared(
    matrix: ItemMatrix,
    key: tuple[Profile, tuple[str, ...]],
    terms_of: Callable[[int], AbstractSet[str]],
    read_ahead: Callable[[Iterable[int]], None] = lambda rows: None,
) -> _Relevance | None:
    """The relevance of an expected profile, computing it with the next ones of its block."""
    got = matrix.prepared.pop(key, None)
    if got is not None or key not in matrix.expected:
        return got
    start = matrix.expected.index(key)
    block = matrix.expected[start : start + PROFILE_BLOCK]
    del matrix.expected[start : start + PROFILE_BLOCK]
    vectors = [profile_vector(p, matrix.idf, examples) for p, examples in block]
    matrix.prepared.update(
        zip(block, _relevances(matrix.x, vectors, terms_of, read_ahead), strict=True)
    )
    # The rows holding the block's keyword terms, found in one pass over the matrix for all
    # its profiles: a pass per profile cost ~60 ms on 100,000 items (issue 17).
    _fill_term_rows(
        matrix.x,
        (
            term_index(t)
            for p, _ in block
            for k in (*p.keywords.boost, *p.keywords.block)
            for terms in _keyword_terms(k)
            for t in terms
        ),
        matrix.term_rows,
    )
    return matrix.prepared.pop(key)


def _item_columns(items: Sequence[Item], cache: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-item arrays every profile's ranking reads, computed once into `cache`: ids, story
    keys (the cluster, else the item), the time freshness counts from (published, else
    fetched), each item's feed as a position in the sorted distinct feeds, and the items
    earliest first (`_rank`)."""
    if "ids" not in cache:
        c = item_columns(items)
        n = len(c.ids)
        cache["ids"] = np.fromiter(c.ids, np.int64, n)
        cache["keys"] = np.fromiter(
            (i if k is None else k for i, k in zip(c.ids, c.cluster_ids, strict=True)), np.int64, n
        )
        cache["when"] = np.fromiter((d.timestamp() for d in c.dated_at), np.float64, n)
        feeds = np.fromiter(c.feed_ids, np.int64, n)
        cache["feeds"], cache["feed_of"] = np.unique(feeds, return_inverse=True)
        # The order in which `_rank` finds each story's original, the same for every profile:
        # earliest first, ties to ingestion's representative, then lower id.
        ids, keys = cache["ids"], cache["keys"]
        cache["earliest"] = np.lexsort((ids, keys != ids, cache["when"]))
        # The items that share their story with others: only they need a look-up by key
        # when ranking (most items are alone in theirs).
        _, story, size = np.unique(keys, return_inverse=True, return_counts=True)
        cache["multi"] = size[story] > 1
        cache["earliest_clustered"] = cache["earliest"][cache["multi"][cache["earliest"]]]
        # Whether the rows are in ascending id order, as the store reads them: ranking then
        # breaks ties by row.
        cache["ids_ascend"] = np.array([bool(np.all(ids[1:] > ids[:-1]))])
    return cache


def _source_weights(columns: Mapping[str, np.ndarray], weights: Mapping[int, float]) -> np.ndarray:
    """Each item's source weight (1 for a feed without one), looked up once per feed."""
    per_feed = [max(0.0, weights.get(f, 1.0)) for f in columns["feeds"].tolist()]
    out: np.ndarray = np.asarray(per_feed, dtype=np.float64)[columns["feed_of"]]
    return out


def _fill_term_rows(
    x: sparse.csr_matrix, cols: Iterable[int], cache: dict[int, np.ndarray]
) -> None:
    """Add to `cache` the rows of `x` holding each of `cols` that it lacks, in one pass over the
    matrix: a pass per keyword term took ~20 ms on 100,000 items, for every profile."""
    todo = np.array(sorted(set(cols) - cache.keys()), dtype=np.int64)
    if not todo.size:
        return
    wanted = np.zeros(x.shape[1], dtype=bool)
    wanted[todo] = True
    hits = np.flatnonzero(wanted[x.indices])
    found = x.indices[hits]
    rows = np.searchsorted(x.indptr, hits, side="right") - 1
    order = np.argsort(found, kind="stable")
    found, rows = found[order], rows[order]
    lo = np.searchsorted(found, todo, side="left")
    hi = np.searchsorted(found, todo, side="right")
    for col, a, b in zip(todo.tolist(), lo.tolist(), hi.tolist(), strict=True):
        cache[col] = rows[a:b]


# ---------------------------------------------------------------------------------------------
# Keyword rules


def _contains(seq: list[str], sub: tuple[str, ...]) -> bool:
    if not sub:
        return False
    n = len(sub)
    first = sub[0]
    # Scanned for the first stem by list.index (in C): this runs for a thousand items per
    # profile with block words (issue 19).
    i = -1
    last = len(seq) - n
    while True:
        try:
            i = seq.index(first, i + 1, last + 1)
        except ValueError:
            return False
        if tuple(seq[i : i + n]) == sub:
            return True


def _item_stem_seqs(item: Item) -> tuple[list[str], ...]:
    """The item's stems under both stemmers: a keyword matches whatever language it is in."""
    tokens = _WORD.findall((_clean(item.title) + " \n " + _clean(item.text)).lower())
    return (_token_stems(tokens, "fr"), _token_stems(tokens, "en"))


def _holds_any(seqs: tuple[list[str], ...], patterns: Sequence[tuple[str, ...]]) -> bool:
    """Whether the item holds one of `patterns`, a keyword's stems in a row: French, then
    English, for each block word in turn. A set of each item's stems would answer faster, but
    kept for every item checked it cost hundreds of megabytes over 100,000 items."""
    return any(_contains(seqs[n % 2], sub) for n, sub in enumerate(patterns))


def _keyword_terms(keyword: str) -> list[list[str]]:
    """The terms an item must all hold to contain the keyword, in French and in English: its
    stem, or the bigrams of its stems in a row."""
    out = []
    for lang in ("fr", "en"):
        stems = _stems(keyword, lang)
        if stems:
            out.append(stems if len(stems) == 1 else list(map(" ".join, pairwise(stems))))
    return out


def _keyword_rows(n: int, keyword: str, term_rows: Mapping[int, np.ndarray]) -> np.ndarray:
    """Rows of the analysed items that contain the keyword (its stems in a row, in French or
    English), read from the matrix (`term_rows`: the rows holding each term's column, from
    `_fill_term_rows`): fast, but it only sees what was analysed."""
    found = np.zeros(n, dtype=bool)
    for terms in _keyword_terms(keyword):
        rows_with_all = np.ones(n, dtype=bool)
        for term in set(terms):
            has = np.zeros(n, dtype=bool)
            has[term_rows[term_index(term)]] = True
            rows_with_all &= has
        found |= rows_with_all
    return found


def _keyword_rules(
    profile: Profile,
    items: Sequence[Item],
    x: sparse.csr_matrix,
    score: np.ndarray,
    term_rows: dict[int, np.ndarray] | None = None,
    stem_seqs: dict[int, tuple[list[str], ...]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(blocked, boost) per item. Blocking must not miss: the items that could reach the head
    of the queue are also checked word by word over their whole text. `term_rows` and
    `stem_seqs` (by row) keep what is read of the items for the other profiles scored over
    `x`."""
    n = len(items)
    blocked = np.zeros(n, dtype=bool)
    hits = np.zeros(n)
    block = profile.keywords.block
    rows = {} if term_rows is None else term_rows
    seq_cache = {} if stem_seqs is None else stem_seqs
    keywords = (*profile.keywords.boost, *block)
    _fill_term_rows(
        x, (term_index(t) for k in keywords for terms in _keyword_terms(k) for t in terms), rows
    )
    for keyword in profile.keywords.boost:
        hits += _keyword_rows(n, keyword, rows)
    for keyword in block:
        blocked |= _keyword_rows(n, keyword, rows)
    if block:
        # Each block word's stems, once per profile rather than once per item checked.
        patterns = [
            tuple(stems)
            for b in block
            for stems in (tuple(_stems(b, "fr")), tuple(_stems(b, "en")))
        ]
        for k in _top_indices(np.where(blocked, -1.0, score), BLOCK_CHECK).tolist():
            if not blocked[k]:
                seqs = seq_cache.get(k)
                if seqs is None:
                    seqs = seq_cache[k] = _item_stem_seqs(items[k])
                blocked[k] = _holds_any(seqs, patterns)
    return blocked, np.minimum(BOOST_MAX, BOOST_STEP * hits)


# ---------------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True, slots=True)
class ScoreResult:
    scores: list[Score]
    warnings: list[str] = field(default_factory=list)
    # The decision model the scores come from (`score_items`' `model` when it still applied):
    # results are equal by what they say, whichever model object said it.
    model: DecisionModel | None = field(default=None, compare=False)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as plain rows (a forked process sends its profiles' results back, issue 17):
        # 2,000 Score objects pickled one by one took ~10 ms each way, as rows ~1 ms there and
        # ~6 ms here to build the Score objects again.
        rows: list[_ScoreRow] = [
            (
                (s.profile, s.item_id, s.final, s.relevance, s.feedback, s.freshness, s.source),
                (s.boost, s.blocked, s.rank),
                tuple((t.text, t.weight) for t in s.why),
            )
            for s in self.scores
        ]
        return (_result_from_rows, (rows, self.warnings, self.model))


# A Score as a pickled ScoreResult holds it: its numbers, then boost, blocked and rank, then
# its terms.
_ScoreRow = tuple[
    tuple[str, int, float, float, float, float, float],
    tuple[float, bool, int | None],
    tuple[tuple[str, float], ...],
]


def _result_from_rows(
    rows: list[_ScoreRow], warnings: list[str], model: DecisionModel | None
) -> ScoreResult:
    scores = [
        Score(
            *head,
            boost=boost,
            blocked=blocked,
            rank=rank,
            why=tuple(Term(text, weight) for text, weight in why) if why else (),
        )
        for head, (boost, blocked, rank), why in rows
    ]
    return ScoreResult(scores, warnings, model)


def current_decisions(decisions: Sequence[Decision]) -> dict[int, Decision]:
    """The latest decision per item, from the history in the order it was recorded (as
    `store.decisions.history` gives it: the store's "current" is the last one recorded)."""
    return {d.item_id: d for d in decisions}


def _freshness(
    items: Sequence[Item], now: datetime, half_life_hours: float, when: np.ndarray | None = None
) -> np.ndarray:
    """Each item's freshness: 1 when just published, halving every `half_life_hours`.
    `when`: the items' times as `_item_columns` has them, when the caller has them."""
    if half_life_hours <= 0 or not items:
        return np.ones(len(items))
    if when is None:
        when = _item_columns(items, {})["when"]
    age_h = np.maximum(0.0, (now.timestamp() - when) / 3600.0)
    return np.asarray(0.5 ** (age_h / half_life_hours))


def _combine(
    base: np.ndarray, fresh: np.ndarray, source: np.ndarray, boost: np.ndarray
) -> np.ndarray:
    """The final score, kept inside [0, 1) without clipping, so that strong items still differ:
    freshness scales the base, the source weight scales its odds, boost adds like a chance
    ("either relevant or boosted")."""
    x = np.clip(np.nan_to_num(base, nan=0.0), 0.0, 1.0)
    x = x * (FRESHNESS_FLOOR + (1.0 - FRESHNESS_FLOOR) * fresh)
    x = x * source / np.maximum(x * source + (1.0 - x), 1e-12)
    return np.asarray(np.clip(1.0 - (1.0 - x) * (1.0 - boost), 0.0, 1.0))


def _squash(cos: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 - np.exp(-np.clip(cos, 0.0, None) / RELEVANCE_SCALE))


def score_items(
    profile: Profile,
    items: Sequence[Item],
    *,
    decisions: Sequence[Decision] = (),
    decided_items: Sequence[Item] = (),
    stats: CorpusStats | None = None,
    feed_weights: Mapping[int, float] | None = None,
    now: datetime,
    example_texts: Sequence[str] = (),
    matrix: ItemMatrix | None = None,
    semantic: SemanticInput | None = None,
    keep_rank: int | None = None,
    keep_items: Iterable[int] = (),
    item_weights: Mapping[int, float] | None = None,
    model: DecisionModel | None = None,
) -> ScoreResult:
    """Score and rank `items` for `profile`. Deterministic for the same inputs.

    `decisions` are the profile's decision history; `decided_items` the items they are about
    (they may or may not be in `items`). `matrix` is `vectorize(items, stats)` when the caller
    scores several profiles over the same items. Items with a current decision get a score but
    no rank: the rank orders the pending queue. `semantic` (the optional extra's embeddings)
    is fused with the TF-IDF relevance. With `keep_rank`, only the items ranked down to it
    and those of `keep_items` (ids) get a Score, in the order of `items`. `item_weights`
    multiply the source weight of single items (by id), as `feed_weights` do for a whole feed
    (the results of a topic, issue 15). `model` is the profile's decision model from an earlier
    pass (`ScoreResult.model`): applied when it learned from the current decisions, else a model
    is fitted (and returned).
    """
    notes: list[str] = []
    weights = feed_weights or {}
    if matrix is None:
        matrix = vectorize(items, stats)
    if not any(seen is items for seen in matrix.checked):
        if matrix.item_ids != tuple(item_ids(items)):
            raise ValueError("matrix was built for other items")
        matrix.checked.append(items)  # checked once for all the profiles scored over them
    x, idf = matrix.x, matrix.idf
    cache = matrix.words

    def words_of(k: int) -> _ItemWords:
        return matrix.words_of(items, k)

    def terms_of(k: int) -> AbstractSet[str]:
        return words_of(k).terms

    # Relevance (`_relevances`), computed with the other expected profiles when there are.
    def read_ahead(rows: Iterable[int]) -> None:
        _prefetch(items, (k for k in rows if k not in cache))

    rel = _prepared(matrix, (profile, tuple(example_texts)), terms_of, read_ahead)
    if rel is None:
        vector = profile_vector(profile, idf, example_texts)
        (rel,) = _relevances(x, [vector], terms_of, read_ahead)
    pv, q, allowed = rel.pv, rel.q, rel.allowed
    notes.extend(pv.warnings)
    q0 = pv.vector
    relevance = _squash(rel.cos)
    by_meaning: tuple[SemanticInput, np.ndarray] | None = None
    if semantic is not None and items:
        rel, by_meaning = _semantic_feedback(rel, matrix, semantic, terms_of, read_ahead)
        q, allowed = rel.q, rel.allowed
        relevance = _fuse(_squash(rel.cos), by_meaning[1])

    # Feedback from decisions: Rocchio on the profile vector, a logistic model once both sides
    # have a few examples, weighed by how well it predicts decisions it was not trained on.
    base = relevance.copy()
    latest = current_decisions(decisions)
    q_fb, fb_allowed = q, allowed
    if latest and items:
        base, q_fb, fb_allowed, model = _feedback(
            latest, decided_items, idf, matrix, q, relevance, allowed, terms_of, by_meaning, model
        )
    else:
        model = None
    feedback = base - relevance

    columns = _item_columns(items, matrix.columns)
    fresh = _freshness(items, now, profile.scoring.freshness_half_life_hours, columns["when"])
    source = _source_weights(columns, weights)
    if item_weights:
        source = source * np.array(
            [max(0.0, item_weights.get(i, 1.0)) for i in columns["ids"].tolist()]
        )
    if profile.keywords.block:
        # Read together the items the block rules are about to check word by word (most of
        # them): one at a time, the reads cost more than the checks (issue 19).
        _prefetch(items, _top_indices(base, BLOCK_CHECK).tolist())
    blocked, boost = _keyword_rules(profile, items, x, base, matrix.term_rows, matrix.stem_seqs)
    final = _combine(base, fresh, source, boost)
    final[blocked] = 0.0
    # ... and those whose words give the reasons, at the head of the queue.
    _prefetch(items, _top_indices(np.where(blocked, -1.0, final), EXPLAIN_LIMIT).tolist())

    order, final = _rank(profile, items, x, final, blocked, latest, now, columns, keep_rank)
    rank_of = np.zeros(len(items), dtype=np.int64)  # 0: not ranked
    rank_of[order] = np.arange(1, order.size + 1)
    why = _explain(x, words_of, (q0, pv.strings), (q_fb, fb_allowed), final, blocked, items)
    # Only what the caller keeps becomes a Score: 100,000 objects per profile cost more than
    # ranking them (issue 19).
    if keep_rank is None:
        kept = np.arange(len(items))
    else:
        wanted = np.fromiter(keep_items, np.int64)
        kept = np.union1d(
            order[: max(0, keep_rank)], np.flatnonzero(np.isin(columns["ids"], wanted))
        )
    # Rounded once, in bulk: stored values stay stable and comparable across runs.
    cols = [
        np.round(np.nan_to_num(a[kept], nan=0.0), 6).tolist()
        for a in (final, relevance, feedback, fresh, source, boost)
    ]
    blocked_list = blocked[kept].tolist()
    rank_list = rank_of[kept].tolist()
    scores = [
        Score(
            profile.name,
            item_id,
            f,
            r,
            fb,
            fr,
            src,
            b,
            bl,
            why.get(k, ()),
            rank or None,
        )
        for k, item_id, f, r, fb, fr, src, b, bl, rank in zip(
            kept.tolist(),
            columns["ids"][kept].tolist(),
            *cols,
            blocked_list,
            rank_list,
            strict=True,
        )
    ]
    return ScoreResult(scores, notes, model)


LANGUAGE_GAP = 0.25  # share of items in another language than the objective's worth a note


def language_gap_note(
    profile: Profile, items: Sequence[Item], semantic: bool
) -> LanguageGapNote | None:
    """A note when many items are in another language than the objective and the semantic
    extra is not there to bridge them: stems do not meet across languages (issue 18)."""
    if semantic or not items or not profile.objective.strip():
        return None
    declared = profile.language if profile.language in ("fr", "en") else None
    lang = guess_language(profile.objective, declared)
    languages = item_columns(items).languages
    rows = range(0, len(items), max(1, len(items) // 500))
    # A declared language needs no look at the item's text.
    other = sum(
        1
        for k in rows
        if (languages[k] if languages[k] in ("fr", "en") else _item_lang(items[k])) != lang
    ) / len(rows)
    if other < LANGUAGE_GAP:
        return None
    return LanguageGapNote.of(profile.name, lang, other)


def _top_indices(values: np.ndarray, k: int) -> np.ndarray:
    """The positions of the `k` largest values, best first. Stable: ties broken by position,
    so equal inputs give equal outputs. Only the candidates at or above the k-th value are
    sorted: a full sort of 100,000 scores, several times per profile, added up (issue 19)."""
    if 0 < k < values.size:
        kth = values[np.argpartition(-values, k - 1)[k - 1]]
        if np.isfinite(kth):
            candidates = np.flatnonzero(values >= kth)
            return candidates[np.argsort(-values[candidates], kind="stable")][:k]
    order = np.argsort(-values, kind="stable")
    return order[:k]


def _feedback(
    latest: Mapping[int, Decision],
    decided_items: Sequence[Item],
    idf: np.ndarray,
    matrix: ItemMatrix,
    q: sparse.csr_matrix,
    relevance: np.ndarray,
    allowed: frozenset[str],
    terms_of: Callable[[int], AbstractSet[str]],
    by_meaning: tuple[SemanticInput, np.ndarray] | None,
    model: DecisionModel | None = None,
) -> tuple[np.ndarray, sparse.csr_matrix, frozenset[str], DecisionModel | None]:
    """The base score with the decisions' feedback, the profile vector they moved, the strings
    behind it, and the decision model fitted (or `model`, applied when it was fitted on the same
    decisions). `by_meaning`: the semantic extra's embeddings and relevance, when installed."""
    x = matrix.x
    by_id = {i.id: i for i in decided_items}
    labelled: list[tuple[Item, int]] = []
    for item_id in sorted(latest):
        d = latest[item_id]
        item = by_id.get(item_id)
        if item is None:
            continue
        if d.kind == DecisionKind.APPROVE:
            labelled.append((item, 1))
        elif d.kind in (DecisionKind.REJECT, DecisionKind.WITHDRAW):
            labelled.append((item, 0))
    if not labelled:
        return relevance, q, allowed, None
    xd = _tfidf(_item_counts([i for i, _ in labelled]), idf)
    allowed = allowed.union(*(item_terms(i) for i, _ in labelled))
    y = np.array([label for _, label in labelled])
    pos, neg = xd[y == 1], xd[y == 0]
    q_fb = q
    if pos.shape[0]:
        q_fb = q_fb + ROCCHIO_POS * _unit(_row_sum(pos))
    if neg.shape[0]:
        q_fb = q_fb - ROCCHIO_NEG * _unit(_row_sum(neg))
    q_fb = sparse.csr_matrix(q_fb)
    q_fb.data = np.clip(q_fb.data, 0.0, None)
    q_fb.eliminate_zeros()
    q_fb = _unit(q_fb)
    cos_fb = matrix.dot(q_fb)
    rocchio = _squash(_collision_free(cos_fb, x, q_fb, allowed, terms_of))
    if by_meaning is not None:
        rocchio = 0.5 * (rocchio + by_meaning[1])
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if min(n_pos, n_neg) < MIN_CLASS_FOR_MODEL:
        return rocchio, q_fb, allowed, None
    labels = tuple((i.id, label) for i, label in labelled)
    if model is None or model.labels != labels:
        model = _fit_model(labels, xd, y, q, matrix, allowed, terms_of)
    learned = _learned(model, matrix, relevance, terms_of)
    if by_meaning is not None:
        # The model learns from TF-IDF features alone, and without this the embeddings had no
        # say once it was fitted: the decisions move the objective's embedding too (Rocchio),
        # and the two rankings are fused as without decisions (issue 18).
        learned = _fuse(learned, _semantic_rocchio(by_meaning[0], matrix, labelled, relevance))
    return learned, q_fb, allowed, model


# How fast the model takes over from the objective, measured (issue 18): the objective is one
# positive among the decisions the model trains on, and adds nothing once the model is fitted.
# Its evidence added as a prior, weighed per profile on held-out decisions (weights 0 to 32,
# taken when they ranked the decisions 0.05 AUC better), gave after 30 decisions 0.675 nDCG@10
# pooled (halves A and B: 0.624 and 0.739) against 0.678 (0.627 and 0.743) without, which
# loses on no set by more than 0.002; after 100, 0.714 pooled either way (bench/relevance.py
# --quick). The decisions judged are the head of the first queue, where the objective's
# evidence says little about the rest: a weight chosen on them overrates it.


# Version 2: no prior weight beside the model (version 1 models are fitted again).
MODEL_VERSION = 2


@dataclass(frozen=True, eq=False)
class DecisionModel:
    """A profile's decision model as `_fit_model` leaves it: kept between scoring passes, so
    that a pass over the same decisions applies it instead of fitting it again (issue 19: the
    fit, and importing scikit-learn for it, cost a run more than scoring its new items)."""

    labels: tuple[tuple[int, int], ...]  # (item id, 1 approved / 0 rejected) it learned from
    coef: sparse.csr_matrix  # 1 x N_FEATURES
    intercept: float
    terms: frozenset[str]  # the strings behind the columns of `coef` (hash collisions)

    def decision(self, matrix: ItemMatrix) -> np.ndarray:
        return matrix.dot(self.coef) + self.intercept

    def to_json(self) -> dict[str, object]:
        cols = self.coef.indices.astype(np.int32)
        values = self.coef.data.astype(np.float64)
        blob = cols.tobytes() + values.tobytes() + "\n".join(sorted(self.terms)).encode()
        return {
            "version": MODEL_VERSION,
            "n_features": N_FEATURES,
            "analyser": ANALYSER_VERSION,
            "labels": [list(pair) for pair in self.labels],
            "nnz": int(cols.size),
            "intercept": self.intercept,
            "blob": base64.b64encode(zlib.compress(blob, 1)).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: object) -> DecisionModel | None:
        """None when `data` is not a model of this version, hash space and analyser (its columns
        would be other terms): the pass fits one."""
        if not isinstance(data, Mapping) or data.get("version") != MODEL_VERSION:
            return None
        if data.get("n_features") != N_FEATURES or data.get("analyser") != ANALYSER_VERSION:
            return None
        try:
            nnz = int(data["nnz"])
            raw = zlib.decompress(base64.b64decode(str(data["blob"])))
            cols = np.frombuffer(raw[: 4 * nnz], dtype=np.int32)
            values = np.frombuffer(raw[4 * nnz : 12 * nnz], dtype=np.float64)
            text = raw[12 * nnz :].decode()
            coef = sparse.csr_matrix(
                (values, cols, np.array([0, nnz])), shape=(1, N_FEATURES), copy=True
            )
            labels = tuple((int(i), int(label)) for i, label in data["labels"])
            return cls(
                labels,
                coef,
                float(data["intercept"]),
                frozenset(text.split("\n")) if text else frozenset(),
            )
        except (KeyError, TypeError, ValueError, zlib.error):
            return None  # a damaged blob is fitted again, not fatal


def _learned(
    model: DecisionModel,
    matrix: ItemMatrix,
    relevance: np.ndarray,
    terms_of: Callable[[int], AbstractSet[str]],
) -> np.ndarray:
    """The relevance once decisions of both kinds are in: the decision model's logit over the
    items. The objective has its say as one of the examples it was trained on: the decisions
    outweigh it as they come (measured: see above). The result keeps the objective's scale: the
    k-th best item gets the k-th best relevance, so freshness and variety reorder as little as
    they do without decisions."""
    logit = _collision_free(model.decision(matrix), matrix.x, model.coef, model.terms, terms_of)
    out = np.empty_like(relevance)
    out[np.lexsort((np.arange(logit.size), -logit))] = _strictly_decreasing(
        np.sort(relevance)[::-1]
    )
    return out


#: Ratio between consecutive scores given to the items the objective does not match at all,
#: once the model ranks them: below freshness's floor and variety's margin, so neither
#: reorders what the model ordered.
UNMATCHED_RATIO = 0.9
UNMATCHED_FLOOR = 0.01  # the first of them when the objective matches no item at all


def _strictly_decreasing(values: np.ndarray) -> np.ndarray:
    """`values` (sorted, best first) with the trailing zeros replaced by a decreasing series.

    Items the objective does not match share a relevance of 0, and a French objective over
    English items matches few of them: mapped onto those values, the model's ranking of all
    the others became a tie, and the queue fell back to an order that has nothing to do with
    the decisions (issue 18: after 30 decisions a financial adviser's queue dropped from
    0.29 to 0.14 nDCG@10; 0.84 in the model's order). Some 6,700 items down, the series
    reaches 0: far past any page anyone reads."""
    zeros = np.flatnonzero(values <= 0)
    if not zeros.size:
        return values
    first = int(zeros[0])
    start = float(values[first - 1]) if first else UNMATCHED_FLOOR
    series = _unmatched_series()[: values.size - first]
    out = values.astype(float, copy=True)
    out[first : first + series.size] = start * series
    return out


@lru_cache(maxsize=1)
def _unmatched_series() -> np.ndarray:
    """UNMATCHED_RATIO to the powers 1, 2, ... while they stay normal floats: computed once, as
    raising it to 100,000 powers per profile took three times the sort beside it."""
    count = int(math.log(np.finfo(float).tiny) / math.log(UNMATCHED_RATIO))
    series: np.ndarray = UNMATCHED_RATIO ** np.arange(1, count + 1)
    return series


def _fit_model(
    labels: tuple[tuple[int, int], ...],
    xd: sparse.csr_matrix,
    y: np.ndarray,
    q: sparse.csr_matrix,
    matrix: ItemMatrix,
    allowed: frozenset[str],
    terms_of: Callable[[int], AbstractSet[str]],
) -> DecisionModel:
    """A logistic regression on the item matrix, trained on the decisions with the profile
    vector as one more positive (and again with its own best items as weaker positives:
    MODEL_PRF_DOCS)."""
    x = matrix.x
    xt = sparse.vstack([xd, q]).tocsr()
    yt = np.append(y, 1)
    model = _fit(xt, yt)
    logit = _collision_free(model.decision(matrix), x, model.coef, allowed, terms_of)
    # Thirty decisions use few of the words the wanted items use: fitted again with the model's
    # own best items as weaker positives, it learns their vocabulary too (pseudo-relevance
    # feedback, as the objective gets without decisions).
    top = _top_indices(logit, MODEL_PRF_DOCS)
    expanded = allowed.union(*(terms_of(int(k)) for k in top))
    row_weights = np.append(np.ones(yt.size), np.full(top.size, MODEL_PRF_WEIGHT))
    model = _fit(
        sparse.vstack([xt, x[top]]).tocsr(), np.append(yt, np.ones(top.size, yt.dtype)), row_weights
    )
    # Only the strings at the model's columns take part in its collision checks.
    columns = set(model.coef.indices.tolist())
    terms = frozenset(t for t in expanded if _index_of(t) in columns)
    return DecisionModel(labels, model.coef, model.intercept, terms)


@dataclass(frozen=True, eq=False)
class _Linear:
    """A fitted logistic regression as a sparse weight row over every column."""

    coef: sparse.csr_matrix  # 1 x columns
    intercept: float

    def decision(self, matrix: ItemMatrix) -> np.ndarray:
        return matrix.dot(self.coef) + self.intercept


def _fit(x: sparse.csr_matrix, y: np.ndarray, row_weights: np.ndarray | None = None) -> _Linear:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=MODEL_C, class_weight="balanced", max_iter=200, solver="liblinear")
    # Fitted over the terms the training rows use: the weights of the other columns are 0 at
    # the optimum and the solver's steps never touch them, so the model is the same, but a fit
    # over all 2^20 hashed columns took a second per profile (issue 19).
    cols = np.unique(x.indices)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x[:, cols], y, sample_weight=row_weights)
    coef = sparse.csr_matrix(
        (model.coef_[0], (np.zeros(cols.size, dtype=np.int64), cols)), shape=(1, x.shape[1])
    )
    return _Linear(coef, float(model.intercept_[0]))


def _collision_free(
    values: np.ndarray,
    x: sparse.csr_matrix,
    q: sparse.csr_matrix,
    allowed: frozenset[str],
    terms_of: Callable[[int], AbstractSet[str]],
    head: int = VERIFY_HEAD,
) -> np.ndarray:
    """`values` (x . q, plus a constant) where, for the best `head` items, the columns an item
    shares with `q` through a different term (a hash collision) are taken out: only the
    item's terms that are also terms of `allowed` (the strings behind `q`) count (issue 18).
    Checked from the top until the best `head` are all checked: a check only lowers a value."""
    out = np.array(values, dtype=np.float64, copy=True)
    if not q.nnz or not out.size:
        return out
    order = np.argsort(q.indices)
    qc, qv = q.indices[order], q.data[order]
    checked = np.zeros(out.size, dtype=bool)
    while True:
        top = _top_indices(out, head)
        todo = top[~checked[top]]
        if not todo.size:
            return out
        checked[todo] = True
        # The checked rows' columns shared with `q`, all rows at once.
        rows = x[todo]
        pos = np.minimum(np.searchsorted(qc, rows.indices), qc.size - 1)
        shared = np.flatnonzero(qc[pos] == rows.indices)
        if not shared.size:
            continue
        row_of = np.searchsorted(rows.indptr, shared, side="right") - 1
        # A shared column is right when one of the item's terms that are also allowed hashes
        # to it: one set intersection per item (in C) and a look-up per common term, rather
        # than each shared column's allowed terms looked for among the item's (~30 ms per
        # profile on 100,000 items, issue 17).
        shared_cols = rows.indices[shared].tolist()
        bounds = np.searchsorted(row_of, np.arange(todo.size + 1)).tolist()
        flags: list[bool] = []
        for r, k in enumerate(todo.tolist()):
            lo, hi = bounds[r], bounds[r + 1]
            if lo < hi:
                right = set(_indices_of(terms_of(k) & allowed))
                flags.extend(col not in right for col in shared_cols[lo:hi])
        wrong = np.array(flags, dtype=bool)
        if wrong.any():
            hit = shared[wrong]
            out[todo] -= np.bincount(
                row_of[wrong], weights=rows.data[hit] * qv[pos[hit]], minlength=todo.size
            )


_INDEX_CACHE: dict[str, int] = {}


def _indices_of(terms: Iterable[str]) -> list[int]:
    """`_index_of` for many terms, read from the cache in one pass (in C) when it has them."""
    listed = list(terms)
    got = list(map(_INDEX_CACHE.get, listed))
    if None in got:
        return [_index_of(t) if g is None else g for g, t in zip(got, listed, strict=True)]
    return got  # type: ignore[return-value]


def _index_of(term: str) -> int:
    got = _INDEX_CACHE.get(term)
    if got is None:
        if len(_INDEX_CACHE) > 1_000_000:
            _INDEX_CACHE.clear()
        got = _INDEX_CACHE[term] = term_index(term)
    return got


@dataclass(frozen=True, eq=False)
class SemanticInput:
    """Embeddings from the semantic extra: one unit row per item (NaN rows for items without
    one) and the objective's."""

    items: np.ndarray  # (n, d)
    objective: np.ndarray  # (d,)


SEMANTIC_TOP = 0.99  # the best 1% of semantic matches weigh like a good TF-IDF match


def _semantic_relevance(semantic: SemanticInput, relevance: np.ndarray) -> np.ndarray:
    """Semantic similarity on the relevance scale: cosines of e5 sit between 0.7 and 0.9 for
    everything, so they are measured from the median of the items (0) in units of the gap
    between the median and the best 1%, then squashed like the TF-IDF cosine: the best 1% get
    0.63 or more, as a good TF-IDF match does. Items without a vector get 0."""
    sims = semantic.items @ semantic.objective
    known = np.isfinite(sims)
    out = np.zeros_like(relevance)
    if known.sum() < 2:
        return out
    mid, top = np.quantile(sims[known], [0.5, SEMANTIC_TOP])
    if top <= mid:
        return out
    out[known] = 1.0 - np.exp(-np.clip((sims[known] - mid) / (top - mid), 0.0, None))
    return out


SEMANTIC_RRF_K = 60  # reciprocal rank fusion's usual constant (Cormack, Clarke, Buettcher 2009)


def _fuse(relevance: np.ndarray, sem_rel: np.ndarray) -> np.ndarray:
    """The TF-IDF and semantic relevances fused by their ranks (reciprocal rank fusion), not
    their values: across languages the TF-IDF relevance is near zero for most items and the
    two scales differ, so a mean let whichever spread wider decide (0.632 nDCG@10 on French
    objectives over English items against 0.684 by rank, bench/relevance.py; every set of
    the bench gains). The constant is the usual one: nothing was tuned on the bench. The order
    takes the values of the two relevances' mean, sorted: the k-th item gets the k-th best
    mean, so the scale that min_score, the digest floor and freshness read is unchanged."""
    fused = 1.0 / (SEMANTIC_RRF_K + _shared_ranks(relevance))
    fused += 1.0 / (SEMANTIC_RRF_K + _shared_ranks(sem_rel))
    mean = 0.5 * (relevance + sem_rel)
    out = np.empty_like(relevance)
    # Equal fused ranks (first by one, second by the other) are ordered by the mean.
    out[np.lexsort((np.arange(fused.size), -mean, -fused))] = np.sort(mean)[::-1]
    return out


# Pseudo-relevance feedback with the semantic extra (issue 18) takes the best items of the fused
# ranking: across languages the TF-IDF's own best items share few words with the objective and
# expand it with unrelated ones. Measured on the relevance alone (bench/relevance.py's sets,
# nDCG@10 pooled, each half of the objectives apart): 10 items +0.016 and +0.007 against the
# fusion without this feedback; 20, as TF-IDF alone takes, +0.029 and +0.001, and French
# objectives over AG News fell (0.868 -> 0.830; 0.895 with 10). There, the profile vector
# expanded by the embeddings' own 20 best items lost 0.10 (the queue), and the profile vector
# alone expanded by the fused ranking's 10, without moving the embedding, 0.02.
SEMANTIC_PRF_DOCS = 10


def _semantic_feedback(
    rel: _Relevance,
    matrix: ItemMatrix,
    semantic: SemanticInput,
    terms_of: Callable[[int], AbstractSet[str]],
    read_ahead: Callable[[Iterable[int]], None],
) -> tuple[_Relevance, tuple[SemanticInput, np.ndarray]]:
    """The TF-IDF relevance and the semantic one, both expanded by the best items of their
    fusion (pseudo-relevance feedback seeded by meaning): the profile vector gains the words
    of the items that match the objective by meaning, in the items' language, so that TF-IDF
    starts to match across languages (a French objective over English items); the objective's
    embedding moves towards theirs (Rocchio on the embeddings). Both take the items'
    centroid with the weight TF-IDF's own feedback gives it (PRF_WEIGHT). Returns the
    expanded TF-IDF relevance, and the embeddings with the moved objective and their
    relevance."""
    relevance = _squash(rel.cos)
    sem_rel = _semantic_relevance(semantic, relevance)
    x = matrix.x
    if x.shape[0] <= SEMANTIC_PRF_DOCS * 3:
        return rel, (semantic, sem_rel)
    # Each seed counts fully here: counting each story once, as `_relevances` does, lost 0.001
    # and 0.003 nDCG@10 pooled on the two objective sets (issue 18).
    seeds = _top_indices(_fuse(relevance, sem_rel), SEMANTIC_PRF_DOCS)
    read_ahead(seeds.tolist())
    q0 = rel.pv.vector
    q = _unit(q0 + PRF_WEIGHT * _unit(_row_sum(x[seeds])))
    allowed = rel.pv.strings.union(*(terms_of(int(k)) for k in seeds))
    cos = matrix.dot(q)
    read_ahead(_top_indices(cos, VERIFY_HEAD).tolist())
    expanded = _Relevance(rel.pv, q, allowed, _collision_free(cos, x, q, allowed, terms_of))
    vectors = semantic.items[seeds]
    vectors = vectors[np.isfinite(vectors).all(axis=1)]
    if not vectors.size:
        return expanded, (semantic, sem_rel)
    objective = semantic.objective + PRF_WEIGHT * _unit_dense(vectors.mean(axis=0))
    moved = SemanticInput(semantic.items, _unit_dense(objective))
    return expanded, (moved, _semantic_relevance(moved, relevance))


def _semantic_rocchio(
    semantic: SemanticInput,
    matrix: ItemMatrix,
    labelled: Sequence[tuple[Item, int]],
    relevance: np.ndarray,
) -> np.ndarray:
    """The semantic relevance once the objective's embedding moved towards the approved
    items' and away from the rejected ones', with Rocchio's weights (ROCCHIO_POS, ROCCHIO_NEG).
    Decided items outside `matrix` (no longer in the window) have no embedding here."""
    row_of = {item_id: k for k, item_id in enumerate(matrix.item_ids)}
    objective = semantic.objective.astype(np.float64)
    for label, weight in ((1, ROCCHIO_POS), (0, -ROCCHIO_NEG)):
        rows = [row_of[i.id] for i, got in labelled if got == label and i.id in row_of]
        vectors = semantic.items[rows]
        vectors = vectors[np.isfinite(vectors).all(axis=1)]
        if vectors.size:
            objective = objective + weight * _unit_dense(vectors.mean(axis=0))
    return _semantic_relevance(SemanticInput(semantic.items, _unit_dense(objective)), relevance)


def _unit_dense(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def _shared_ranks(values: np.ndarray) -> np.ndarray:
    """0 for the highest value; equal values share the best of their ranks (the number of
    higher values). Across languages most items have no TF-IDF evidence at all: ranked by
    position, their order in the database would decide the fusion."""
    ascending = np.sort(values)
    return np.asarray(values.size - np.searchsorted(ascending, values, side="right"), float)


def _rank(
    profile: Profile,
    items: Sequence[Item],
    x: sparse.csr_matrix,
    final: np.ndarray,
    blocked: np.ndarray,
    latest: Mapping[int, Decision],
    now: datetime,
    columns: Mapping[str, np.ndarray] | None = None,
    depth: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rank the pending queue: one item per near-duplicate cluster, MMR over the head, and at
    most `max_per_source` items of one feed on each page of ten.

    Returns the ranked item indices, best first (rank r is position r - 1), and the final
    scores, where each cluster's shown member carries the best final of the cluster's pending
    versions (the story's score), so that the digest floor and the planner judge the story,
    not the version shown. With `depth`, the ranks down to it at least (the same ones), not
    necessarily every pending item's.
    """
    cols = columns if columns is not None else _item_columns(items, {})
    ids, keys, multi = cols["ids"], cols["keys"], cols["multi"]
    pending = ~blocked
    decided_stories: set[int] = set()
    # Rows of the decided items, found from the decisions (a few) rather than the items.
    decided_ids = np.fromiter(latest, np.int64, len(latest))
    for k in np.flatnonzero(np.isin(ids, decided_ids)).tolist():
        if not is_pending(latest[int(ids[k])], now):
            pending[k] = False
            decided_stories.add(int(keys[k]))
    # A story decided through one of its versions (an aggregator's repost, say) is decided:
    # its other versions must not come back to the queue as if they were new.
    if decided_stories:
        pending &= ~np.isin(keys, np.fromiter(decided_stories, np.int64, len(decided_stories)))
    # Best first (ties: lower id); the first item met of each cluster is its best version,
    # which places the story in the queue. Only the pending items are sorted, and when the
    # ids ascend with the rows (as the store reads them), by one stable sort rather than two.
    waiting = np.flatnonzero(pending)
    if depth is not None and cols["ids_ascend"].all():
        # Only the best few thousand of 100,000 are sorted (~8 ms per profile, issue 17): a
        # story's best version is among the best items whenever the story is, so the leaders
        # found there are the first ones of the whole order. Taken deeper while folding
        # versions leaves fewer stories than the ranks asked for.
        want = depth + MMR_POOL
        while True:
            top = _top_indices(final[waiting], want)
            best = waiting[top]
            if want >= waiting.size or np.unique(keys[best]).size >= depth + MMR_POOL:
                break
            want *= 2
    elif cols["ids_ascend"].all():
        best = waiting[np.argsort(-final[waiting], kind="stable")]
    else:
        best = np.lexsort((ids, -final))
        best = best[pending[best]]
    # An item alone in its story leads it and is its face: only the clustered ones are looked
    # up by key (most items are alone, and a sort by key per profile cost as much as ranking).
    clustered = multi[best]
    if clustered.any():
        in_cluster = best[clustered]
        _, first = np.unique(keys[in_cluster], return_index=True)
        leads = np.zeros(in_cluster.size, dtype=bool)
        leads[first] = True
        keep = np.ones(best.size, dtype=bool)
        keep[clustered] = leads
        leaders = best[keep]
    else:
        leaders = best
    if not leaders.size:
        return leaders, final
    candidates = leaders
    grouped = multi[leaders]
    if grouped.any():
        # The story is shown as its original: users relay the source, not an aggregator's
        # repost. Earliest published (else fetched), ties to ingestion's representative, then
        # lower id.
        earliest = cols["earliest_clustered"]
        earliest = earliest[pending[earliest]]
        _, first_seen = np.unique(keys[earliest], return_index=True)
        # Each story's face, looked up by its key among the faces' keys (sorted by np.unique).
        faces = earliest[first_seen]
        led = leaders[grouped]
        candidates = leaders.copy()
        candidates[grouped] = faces[np.searchsorted(keys[faces], keys[led])]
        final = final.copy()
        final[candidates[grouped]] = final[led]
    lam = 1.0 - min(1.0, max(0.0, profile.scoring.diversity))
    cap = profile.scoring.max_per_source
    head, tail = candidates[:MMR_POOL].tolist(), candidates[MMR_POOL:]
    sim = _pairwise(x[head]) if lam < 1.0 else np.zeros((len(head), len(head)))
    head_final = final[head]
    # each candidate's feed, as its position among the distinct feeds: no item is read
    feed_of = cols["feed_of"][head]
    max_sim = np.zeros(len(head))  # similarity of each candidate to the closest one chosen
    free = np.ones(len(head), dtype=bool)
    order: list[int] = []
    per_feed: dict[int, int] = {}
    while free.any():
        if len(order) % PAGE == 0:
            per_feed = {}
        # Variety chooses among the items close to the best one left, never further down.
        close = free & (head_final >= (1.0 - VARIETY_MARGIN) * head_final[free].max())
        value = np.where(close, lam * head_final - (1.0 - lam) * max_sim, -np.inf)
        pick = int(np.argmax(value))
        if cap > 0 and per_feed.get(int(feed_of[pick]), 0) >= cap:
            full = [f for f, n in per_feed.items() if n >= cap]
            allowed = close & ~np.isin(feed_of, full)
            if allowed.any():  # else the cap gives way: other feeds only have weaker items
                pick = int(np.argmax(np.where(allowed, value, -np.inf)))
        free[pick] = False
        if order or lam < 1.0:
            max_sim = np.maximum(max_sim, sim[:, pick])
        order.append(head[pick])
        per_feed[int(feed_of[pick])] = per_feed.get(int(feed_of[pick]), 0) + 1
    return np.concatenate([np.asarray(order, dtype=np.int64), tail]), final


def _explain(
    x: sparse.csr_matrix,
    words_of: Callable[[int], _ItemWords],
    own: tuple[sparse.csr_matrix, frozenset[str]],
    related: tuple[sparse.csr_matrix, frozenset[str]],
    final: np.ndarray,
    blocked: np.ndarray,
    items: Sequence[Item],
) -> dict[int, tuple[Term, ...]]:
    """The terms that contributed most, as the words the item uses.

    A reason is a term of the item that is also a term of the profile's own words (objective,
    keywords, examples), compared as strings, so a hash collision never shows (issue 18).
    Terms that only the expansion brought (pseudo-relevance feedback, decisions) come after,
    labelled "related: ...". `words_of` gives an item's analysed words by row.
    """
    (q0, own_terms), (q_fb, fb_terms) = own, related
    if not items or not (q0.nnz or q_fb.nnz):
        return {}
    w0 = dict(zip(q0.indices.tolist(), q0.data.tolist(), strict=True))
    wf = dict(zip(q_fb.indices.tolist(), q_fb.data.tolist(), strict=True))
    # The profile's terms by column, once per profile: each explained row then looks up only
    # the few columns it shares with the profile, not each of its terms against thousands.
    own_at = _terms_by_column(own_terms, w0)
    related_at = _terms_by_column(fb_terms - own_terms, wf)
    order = _top_indices(np.where(blocked, -1.0, final), EXPLAIN_LIMIT)
    order = order[final[order] > 0]
    # The explained rows' weights on the profile's columns only (a term's weight is 0 on any
    # other column).
    rows = x[order]
    on_profile = np.isin(rows.indices, np.union1d(q0.indices, q_fb.indices))
    out: dict[int, tuple[Term, ...]] = {}
    for j, k in enumerate(order.tolist()):
        lo, hi = rows.indptr[j], rows.indptr[j + 1]
        shared = on_profile[lo:hi]
        row = list(
            zip(
                rows.indices[lo:hi][shared].tolist(), rows.data[lo:hi][shared].tolist(), strict=True
            )
        )
        seen = words_of(k)
        mine = seen.terms
        direct = _weighted_terms(row, own_at, w0, mine)
        terms = _surface_terms(items[k], direct, seen)
        if len(terms) < WHY_TERMS:  # only then are the related terms read
            found = _surface_terms(
                items[k],
                _weighted_terms(row, related_at, wf, mine),
                seen,
                limit=min(2, WHY_TERMS - len(terms)),
            )
            terms += tuple(Term(f"{RELATED_PREFIX}{t.text}", t.weight) for t in found)
        if terms:
            out[k] = terms
    return out


def _terms_by_column(terms: Iterable[str], weights: Mapping[int, float]) -> dict[int, list[str]]:
    """The terms whose column has a weight, by column."""
    out: dict[int, list[str]] = {}
    for t in terms:
        col = _index_of(t)
        if col in weights:
            out.setdefault(col, []).append(t)
    return out


def _weighted_terms(
    row: Iterable[tuple[int, float]],
    terms_at: Mapping[int, list[str]],
    weights: Mapping[int, float],
    mine: AbstractSet[str],
) -> dict[str, float]:
    """The item's terms among `terms_at` with their weight in the item times their weight in
    the profile, where that is positive (`row`: the item's (column, weight) pairs)."""
    out: dict[str, float] = {}
    for col, value in row:
        for t in terms_at.get(col, ()):
            if t in mine:
                w = value * weights[col]
                if w > 0:
                    out[t] = w
    return out


class _ItemWords:
    """An item's words, analysed once for every profile scored over it: the term strings of
    its matrix row (`item_terms`, the collision check's side) and, for each, where the item
    first shows it (the explanation's side). One analysis instead of one for each side, done
    by whole lists (the words, their stems, the first place of each term) rather than word by
    word, and a term's words found by one look-up per profile instead of a scan of the item's
    words: analysing the items and explaining them were half of scoring 1,000 profiles
    (issue 17)."""

    __slots__ = ("_ends", "_first", "_stems", "_texts", "_where")

    def __init__(self, item: Item) -> None:
        lang = _item_lang(item)
        self._texts = (_clean(item.title[:BODY_CHARS]), _clean(item.text[:BODY_CHARS]))
        stems_of: list[list[str]] = []
        where_of: list[array[int]] = []
        ends_of: list[array[int]] = []
        # term -> first place: the text (0: title, 1: body) plus twice the term's first stem's
        # position among the text's stems; the title's places win over the body's.
        first: dict[str, int] = {}
        same_places = True
        for t in (1, 0):
            text = self._texts[t]
            lowered = text.lower()
            # The text split into its words and what parts them, in turns (what parts them
            # first): the words as `_WORD.findall` finds them, and where each ends, without a
            # step per word in Python.
            if len(lowered) == len(text):
                parts = _WORD_SPLIT.split(lowered)
                tokens = parts[1::2]
            else:  # a letter's lower case is longer: words found in the text, then lowercased
                same_places = False
                parts = _WORD_SPLIT.split(text)
                tokens = [w.lower() for w in parts[1::2]]
            all_stems = _all_stems(tokens, lang)
            stems = list(filter(None, all_stems))
            n = len(stems)
            # Later pairs overwrite earlier ones: from the last place to the first, the first
            # place of each term is what is left.
            first.update(zip(reversed(stems), range(t + 2 * (n - 1), -1, -2), strict=True))
            pairs = list(map(" ".join, pairwise(stems)))
            first.update(zip(reversed(pairs), range(t + 2 * (n - 2), -1, -2), strict=True))
            stems_of.append(stems)
            # Each stem's word, by its index among the words (at most BODY_CHARS / 3 of them).
            where_of.append(array("H", compress(range(len(tokens)), all_stems)))
            # Where each part ends: word k runs from ends[2k] to ends[2k + 1].
            ends_of.append(array("I", accumulate(map(len, parts))))
        if not same_places:
            # The row's own analysis says its terms (`_text_terms` finds the words in the
            # lowercased text); a term it does not hold is never asked for.
            first = {term: first.get(term, -1) for term in item_terms(item)}
        self._first = first
        self._stems = (stems_of[1], stems_of[0])
        self._where = (where_of[1], where_of[0])
        self._ends = (ends_of[1], ends_of[0])

    @property
    def terms(self) -> KeysView[str]:
        """The row's terms: the keys of their places (a set of them beside would take a third
        more memory, kept for tens of thousands of items)."""
        return self._first.keys()

    def shown(self, term: str) -> str | None:
        """The words showing `term` where it is first met (lowercased, spaces collapsed), title
        first; a pair of stems only where no punctuation parts it. None where it is not."""
        at = self._first.get(term, -1)
        if at < 0:
            return None
        t, i = at % 2, at // 2
        if " " not in term:  # a stem: its first place is where it is shown
            k = 2 * self._where[t][i]
            ends = self._ends[t]
            return " ".join(self._texts[t][ends[k] : ends[k + 1]].lower().split())
        one, _, two = term.partition(" ")
        while t < 2:
            stems = self._stems[t]
            while i >= 0:
                got = self._words(t, i, i + 1, unbroken=True)
                if got is not None:
                    return got
                i = _pair_at(stems, one, two, i + 1)
            t += 1
            if t < 2:
                i = _pair_at(self._stems[t], one, two, 0)
        return None

    def _words(self, t: int, i: int, j: int, *, unbroken: bool = False) -> str | None:
        """The text from the word of the i-th stem to that of the j-th of text `t` (None when
        `unbroken` and punctuation parts them)."""
        text, where, ends = self._texts[t], self._where[t], self._ends[t]
        start, end = ends[2 * where[i]], ends[2 * where[j] + 1]
        if unbroken and _BREAK.search(text, start, end):
            return None
        return " ".join(text[start:end].lower().split())


def _pair_at(stems: list[str], one: str, two: str, start: int) -> int:
    """The first place from `start` where `one` is followed by `two` in `stems`, or -1."""
    i = start - 1
    while True:
        try:
            i = stems.index(one, i + 1, len(stems) - 1)
        except ValueError:
            return -1
        if stems[i + 1] == two:
            return i


def _surface_terms(
    item: Item, wanted: Mapping[str, float], words: _ItemWords | None = None, limit: int = WHY_TERMS
) -> tuple[Term, ...]:
    """The item's own words for the strongest `limit` terms of `wanted` (term -> weight): for
    each term (stem or stem pair), the first place it is met, title first; a pair only where no
    punctuation parts it; a unigram a kept bigram already says is dropped. Terms are looked for
    strongest first and the search stops once `limit` are kept: an item shares dozens of terms
    with an expanded profile, and finding them all cost ~20 ms per profile (issue 17).
    `words`: the item's `_ItemWords`, when the caller keeps them."""
    if not wanted or limit <= 0:
        return ()
    seen = words if words is not None else _ItemWords(item)
    kept: list[Term] = []
    by_weight = sorted(wanted.items(), key=lambda tw: -tw[1])
    # Terms of equal weight are taken in the order of their words, as one sorted list would.
    for w, group in groupby(by_weight, key=lambda tw: tw[1]):
        shown = sorted(s for s in map(seen.shown, (term for term, _ in group)) if s is not None)
        for text in shown:
            # A bigram already says its words: drop unigrams it contains.
            if any(text in k.text.split() or k.text in text.split() for k in kept):
                continue
            kept.append(Term(text, round(w, 6)))
            if len(kept) == limit:
                return tuple(kept)
    return tuple(kept)


# ---------------------------------------------------------------------------------------------
# Results by topic (issue 15)


def items_on_topic(matrix: ItemMatrix, items: Sequence[Item], topic: str) -> np.ndarray:
    """Indices of the items about `topic`, a word or phrase as a relayed item spelt it (a
    `Score.matched` term): its stems in a row, under French or English stemming. Read from the
    matrix, then checked against the item's own terms, so a hash collision never puts an item
    on a topic."""
    if matrix.item_ids != tuple(item_ids(items)):
        raise ValueError("matrix was built for other items")
    wanted = [frozenset(terms) for terms in _keyword_terms(topic)]
    if not wanted:
        return np.zeros(0, dtype=np.int64)
    rows = matrix.term_rows
    _fill_term_rows(matrix.x, (term_index(t) for terms in wanted for t in terms), rows)
    out = []
    for k in np.flatnonzero(_keyword_rows(len(items), topic, rows)).tolist():
        terms = matrix.words_of(items, k).terms
        if any(w.issubset(terms) for w in wanted):
            out.append(k)
    return np.asarray(out, dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# Helpers for the planner (comment starters) and the review queue


@lru_cache(maxsize=16)
def _plain_profile(profile: Profile) -> ProfileVector:
    """The profile's vector without corpus weights, shared by the starter helpers below: a
    starter needs both, for every item planned, and building it costs ~40 ms."""
    return profile_vector(profile, np.ones(N_FEATURES))


def _plain_profile_vector(profile: Profile) -> sparse.csr_matrix:
    return _plain_profile(profile).vector


def matched_terms(profile: Profile, item: Item) -> list[str]:
    """The profile's words (objective, boost keywords) found in the item, as the item spells
    them, most telling first."""
    pv = _plain_profile(profile)
    if pv.vector.nnz == 0:
        return []
    weight = dict(zip(pv.vector.indices.tolist(), pv.vector.data.tolist(), strict=True))
    wanted = {t: weight.get(_index_of(t), 0.0) for t in pv.strings}
    return [t.text for t in _surface_terms(item, {t: w for t, w in wanted.items() if w > 0})]


def key_sentences(profile: Profile, item: Item, n: int = 2) -> list[str]:
    """The `n` sentences of the item closest to the profile, in reading order."""
    # Line by line: extracted pages start with the title on a line of its own, without a full
    # stop, and it would otherwise be glued to the first sentence (and repeat the title).
    title = " ".join(item.title.split()).casefold()
    lines = [" ".join(line.split()) for line in _clean(item.text).splitlines()]
    lines = [line for line in lines if line and line.casefold() != title]
    text = " ".join(lines)
    sentences = [s.strip() for line in lines for s in _SENTENCE.split(line) if len(s.strip()) > 20]
    if not sentences:
        return [item.title] if item.title and n > 0 else []
    vector = _plain_profile_vector(profile)
    lang = guess_language(text[:500], item.language)
    rows = _tfidf(_count_texts([("", s, lang) for s in sentences]), np.ones(N_FEATURES))
    sims = np.asarray((rows @ vector.T).toarray()).ravel() if vector.nnz else None
    if sims is None or sims.max() <= 0:
        picked = list(range(min(n, len(sentences))))
    else:
        picked = sorted(_top_indices(sims, n).tolist())
    return [sentences[i] for i in picked]


# ---------------------------------------------------------------------------------------------
# Incremental passes (issue 19): how much is scored, not how


def select_rows(matrix: ItemMatrix, item_ids: Sequence[int]) -> ItemMatrix:
    """The rows of `matrix` for `item_ids` (each must be in it), in that order: items vectorised
    once, scored for several profiles that each look at some of them."""
    where = {item_id: k for k, item_id in enumerate(matrix.item_ids)}
    rows = [where[i] for i in item_ids]
    return ItemMatrix(tuple(item_ids), matrix.x[rows], matrix.idf)


def kept_scores(scores: Sequence[Score], decided: Iterable[int], keep: int) -> list[Score]:
    """What a full pass stores: the queue down to rank `keep` and every decided item (an
    approved item's score plans it; a snoozed one comes back with it). Nobody reviews the
    100,000th item of a queue, and storing it cost seconds per profile."""
    wanted = set(decided)
    return [s for s in scores if (s.rank is not None and s.rank <= keep) or s.item_id in wanted]


def merge_ranks(scores: Sequence[Score], head: int, others: Sequence[float]) -> list[Score]:
    """Ranks for the items an incremental pass re-scored (the head of the queue, new items,
    items whose decision changed), beside the stored ranked items it left alone.

    The pass ranked its items among themselves: the first `head` ranks stand (the stored items
    below them were ranked after the old head, so they stay after it). A re-scored item ranked
    below `head` goes among the stored ones by its final score, as the tail of a full ranking is
    ordered (ties share a rank: the next full pass renumbers). `others`: the final scores of
    the stored ranked items not re-scored, in any order.
    """
    lower = sorted(others)
    out = []
    for s in scores:
        if s.rank is not None and s.rank > head:
            above = len(lower) - bisect_right(lower, s.final)
            s = replace(s, rank=head + 1 + above)
        out.append(s)
    return out
