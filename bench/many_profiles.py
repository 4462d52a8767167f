"""Scoring many profiles at once (issue 17): curator's scorer against plain scikit-learn
TF-IDF + cosine over the same items and objectives, side by side in one run.

    python bench/many_profiles.py                       # 100,000 items x 1,000 profiles
    python bench/many_profiles.py --items 20000 --profiles 50
    python bench/many_profiles.py --one-at-a-time       # without the shared product (before)
    python bench/many_profiles.py --analyse             # analysing every text (no stored counts)

Items are built in memory from the shared ranking corpus (../shared/corpus/ranking or
--corpus) the way bench/history.py builds its database: 200 feeds, Le Monde 2017 in French
and AG News in English, published over a year. Each profile's objective is one of the
objectives of the relevance bench (bench/relevance_objectives.py) or of bench/history.py,
followed by a headline of the corpus, so that no two profiles ask for the same thing; its
keywords are those of a bench/history.py profile, and one profile in `--decided-every` has
reviewed 20 items (5 approved, 15 rejected), so that the work that depends on decisions is
measured too.

Each side runs in its own process (start-up and reading included, no database: the scorer is
what is measured), reporting its wall time, CPU time and peak resident memory:
  curator   read the items' stored term counts (as a scoring pass reads the `item_terms`
            table; here from a file written before the run, outside the measure), weight
            them once, then `score_items` per profile over the shared matrix, keeping
            the queue down to rank 2,000 and the decided items (what a full pass stores);
            the profiles announced with `expect_profiles`, so that their relevance is one
            sparse product per block of profiles
  sklearn   TfidfVectorizer(sublinear_tf=True) fitted on the items, the objectives
            transformed, cosine of every item to every objective, each column sorted
Nothing here is asserted: the test suite never times anything.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEEP = 2000  # what a full pass stores: curator.app.Curator.SCORE_KEEP


def build_items(n: int, corpus: Path | None) -> list[Any]:
    import random

    import history

    from curator.types import Item
    from tests.support.content import corpus_root

    root = corpus_root(corpus, expect="ranking")
    if root is None:
        raise SystemExit("the shared corpus (../shared/corpus/ranking) is not on this machine")
    fr, en = history.load_docs(root)
    rows = history._item_rows(
        n, list(range(1, history.N_FEEDS + 1)), fr, en, NOW, random.Random(19)
    )
    return [
        Item(
            id=k + 1,
            feed_id=r["feed_id"],
            guid=r["guid"],
            url=r["url"],
            title=r["title"],
            summary=r["summary"],
            content=r["content"],
            author=None,
            language=r["language"],
            published_at=r["published_at"],
            fetched_at=r["fetched_at"],
            content_hash=r["content_hash"],
        )
        for k, r in enumerate(rows)
    ]


def build_profiles(n: int, items: list[Any], decided_every: int) -> list[Any]:
    """`n` profiles with distinct objectives, and the decisions of some of them."""
    import history
    import relevance_objectives as ro

    from curator.types import Decision, DecisionKind, Keywords, Profile

    pool: list[tuple[str, str]] = [(p[3], p[1]) for p in history.PROFILES]
    for objectives, lang in (
        (ro.AG_EN, "en"),
        (ro.AG_FR, "fr"),
        (ro.LEMONDE, "fr"),
        (ro.SIB_EN, "en"),
        (ro.SIB_FR, "fr"),
    ):
        pool.extend((text, lang) for _, text, _ in objectives)
    titles = {"fr": [i.title for i in items if i.language == "fr"]}
    titles["en"] = [i.title for i in items if i.language != "fr"]
    profiles = []
    decisions: dict[str, list[Decision]] = {}
    for k in range(n):
        text, lang = pool[k % len(pool)]
        focus = titles[lang][(k * 7919) % len(titles[lang])] if titles[lang] else ""
        _, _, _, _, boost, block = history.PROFILES[k % len(history.PROFILES)]
        name = f"p{k:04d}"
        profiles.append(
            Profile(
                name,
                f"{text} {focus}.",
                language=lang,
                keywords=Keywords(boost=tuple(boost), block=tuple(block)),
            )
        )
        if decided_every and k % decided_every == 0:
            picked = [items[(k * 104729 + 31 * j) % len(items)] for j in range(20)]
            decisions[name] = [
                Decision(
                    name,
                    item.id,
                    DecisionKind.APPROVE if j % 4 == 0 else DecisionKind.REJECT,
                    NOW - timedelta(hours=40 - j),
                )
                for j, item in enumerate(picked)
            ]
    return [(p, decisions.get(p.name, [])) for p in profiles]


def run_curator(args: argparse.Namespace) -> dict[str, Any]:
    from curator import score as sc

    started = time.perf_counter()
    items = build_items(args.items, args.corpus)
    profiles = build_profiles(args.profiles, items, args.decided_every)
    built = time.perf_counter()
    if args.analyse:
        matrix = sc.vectorize(items, None)
    else:
        with _counts_file(args).open("rb") as f:
            packed = pickle.load(f)
        matrix = sc.vectorize(items, None, sc.unpack_counts(packed))
        del packed
    vectorized = time.perf_counter()
    if not args.one_at_a_time:
        sc.expect_profiles(matrix, [(p, ()) for p, _ in profiles])
    by_id = {i.id: i for i in items}
    kept = 0
    for n, (profile, decisions) in enumerate(profiles):
        if n and n % 100 == 0:  # progress on a loaded machine: CPU seconds so far
            print(f"    {n} profiles, {time.process_time():.0f} s CPU", file=sys.stderr)
        decided = [by_id[d.item_id] for d in decisions]
        result = sc.score_items(
            profile,
            items,
            decisions=decisions,
            decided_items=decided,
            now=NOW,
            matrix=matrix,
            keep_rank=KEEP,
            keep_items=[i.id for i in decided],
        )
        kept += len(result.scores)
    done = time.perf_counter()
    return {**_phases(started, built, vectorized, done, len(profiles)), "scores_kept": kept}


def _counts_file(args: argparse.Namespace) -> Path:
    from curator import score as sc

    return Path(f"/tmp/curator-many-profiles-{args.items}-a{sc.ANALYSER_VERSION}.counts")


def store_counts(args: argparse.Namespace) -> None:
    """The items' packed term counts, as the first scoring pass stores them (not measured)."""
    from curator import score as sc

    path = _counts_file(args)
    if path.exists():
        return
    items = build_items(args.items, args.corpus)
    packed = sc.pack_counts(sc._chunked_counts(items))
    with path.open("wb") as f:
        pickle.dump(packed, f, protocol=pickle.HIGHEST_PROTOCOL)


def run_sklearn(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    started = time.perf_counter()
    items = build_items(args.items, args.corpus)
    profiles = build_profiles(args.profiles, items, args.decided_every)
    built = time.perf_counter()
    vec = TfidfVectorizer(sublinear_tf=True)
    x = vec.fit_transform([f"{i.title} {i.text}" for i in items])
    q = sparse.csr_matrix(vec.transform([p.objective for p, _ in profiles]))
    vectorized = time.perf_counter()
    for start in range(0, q.shape[0], 64):
        cos = np.asarray((x @ q[start : start + 64].T).toarray())
        for j in range(cos.shape[1]):
            np.argsort(-cos[:, j], kind="stable")
    done = time.perf_counter()
    return _phases(started, built, vectorized, done, len(profiles))


def _phases(
    started: float, built: float, vectorized: float, done: float, profiles: int
) -> dict[str, Any]:
    """Each side's seconds per phase, reported alike so the two read side by side."""
    return {
        "build_seconds": built - started,
        "vectorize_seconds": vectorized - built,
        "score_seconds": done - vectorized,
        "per_profile_ms": 1000 * (done - vectorized) / max(1, profiles),
    }


def measure(argv: list[str]) -> dict[str, Any]:
    """One whole process: wall, CPU (user + system) and peak RSS from wait4, and its report."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, cwd=REPO)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed")
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "rss_mb": round(usage.ru_maxrss / 1024, 1),
    } | {k: round(v, 3) for k, v in json.loads(out).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--decided-every", type=int, default=10, help="0: no decisions")
    parser.add_argument("--one-at-a-time", action="store_true", help="no shared product")
    parser.add_argument("--analyse", action="store_true", help="analyse texts, no stored counts")
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--side", choices=["curator", "sklearn"], help=argparse.SUPPRESS)
    parser.add_argument(
        "--out", type=Path, default=REPO / "bench" / "results" / "many_profiles.json"
    )
    args = parser.parse_args()
    if args.side:
        run = run_curator if args.side == "curator" else run_sklearn
        print(json.dumps(run(args)))
        return
    common = [
        sys.executable,
        __file__,
        f"--items={args.items}",
        f"--profiles={args.profiles}",
        f"--decided-every={args.decided_every}",
        *([f"--corpus={args.corpus}"] if args.corpus else []),
    ]
    if not args.analyse:
        store_counts(args)
    print(f"{args.items} items x {args.profiles} profiles", file=sys.stderr)
    results = {}
    for side in ("curator", "sklearn"):
        extra = ["--one-at-a-time"] if side == "curator" and args.one_at_a_time else []
        extra += ["--analyse"] if side == "curator" and args.analyse else []
        results[side] = measure([*common, f"--side={side}", *extra])
        print(f"  {side:<8} {json.dumps(results[side])}", file=sys.stderr)
    data = {
        "items": args.items,
        "profiles": args.profiles,
        "decided_every": args.decided_every,
        "one_at_a_time": args.one_at_a_time,
        "stored_counts": not args.analyse,
        "measured_at": datetime.now(UTC).isoformat(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "sides": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    c, s = results["curator"], results["sklearn"]
    print(
        f"curator {c['seconds']:.1f} s (CPU {c['cpu_seconds']:.1f} s, {c['rss_mb']:.0f} MB) vs "
        f"scikit-learn {s['seconds']:.1f} s (CPU {s['cpu_seconds']:.1f} s, {s['rss_mb']:.0f} MB): "
        f"CPU ratio {c['cpu_seconds'] / max(s['cpu_seconds'], 1e-9):.2f}"
    )


if __name__ == "__main__":
    main()
