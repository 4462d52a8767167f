"""Scoring many profiles at once (issue 17): curator's scorer against plain scikit-learn
TF-IDF + cosine over the same items and objectives, side by side in one run.

    python bench/many_profiles.py                       # 100,000 items x 1,000 profiles
    python bench/many_profiles.py --items 20000 --profiles 50
    python bench/many_profiles.py --one-at-a-time       # without the shared product (before)
    python bench/many_profiles.py --analyse             # analysing every text (no stored counts)
    python bench/many_profiles.py --processes 2         # the profiles shared by two processes

Items are built in memory from the shared ranking corpus (../shared/corpus/ranking or
--corpus) the way bench/history.py builds its database: 200 feeds, Le Monde 2017 in French
and AG News in English, published over a year. Each profile's objective is one of the
objectives of the relevance bench (bench/relevance_objectives.py) or of bench/history.py,
followed by a headline of the corpus, so that no two profiles ask for the same thing; its
keywords are those of a bench/history.py profile, and one profile in `--decided-every` has
reviewed 20 items (5 approved, 15 rejected), so that the work that depends on decisions is
measured too.

Each side runs in its own process (start-up and reading included, no database: the scorer is
what is measured), reporting its wall time, CPU time (its forked children's included), peak
resident memory and the peak of the summed proportional set size (PSS) of the process and its
children, sampled every half second (a page the children share with the parent counts once):
  curator   read the items' stored term counts (as a scoring pass reads the `item_terms`
            table; here from a file written before the run, outside the measure), weight
            them once, then `score_items` per profile over the shared matrix, keeping
            the queue down to rank 2,000 and the decided items (what a full pass stores);
            the profiles announced with `expect_profiles`, so that their relevance is one
            sparse product per block of profiles; the profiles shared out between
            --processes processes (1 by default, as `score.processes`) forked once the matrix is
            built, as `curator score` shares them (`forking.map_chunks`), every profile's kept
            scores sent back to the parent and held there, as a pass holds them until it
            writes them
  sklearn   TfidfVectorizer(sublinear_tf=True) fitted on the items, the objectives
            transformed, cosine of every item to every objective, each column sorted
Nothing here is asserted: the test suite never times anything.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
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
    from curator import forking
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
    by_id = {i.id: i for i in items}
    # The profiles shared out between processes as `curator score` shares them (issue 17).
    processes = sc.scoring_processes(len(profiles), len(items), args.processes)
    if processes > 1:
        deciding = sum(1 for _, decisions in profiles if decisions)
        sc.share_before_fork(matrix, items, feedback=deciding, fit_models=deciding > 0)

    def score_chunk(chunk: Sequence[tuple[Any, list[Any]]]) -> list[Any]:
        # Progress on a loaded machine: each process's CPU seconds so far.
        cpu = time.process_time()
        print(f"    {chunk[0][0].name} in {os.getpid()}, {cpu:.0f} s CPU", file=sys.stderr)
        if not args.one_at_a_time:
            sc.expect_profiles(matrix, [(p, ()) for p, _ in chunk])
        out = []
        for profile, decisions in chunk:
            decided = [by_id[d.item_id] for d in decisions]
            out.append(
                sc.score_items(
                    profile,
                    items,
                    decisions=decisions,
                    decided_items=decided,
                    now=NOW,
                    matrix=matrix,
                    keep_rank=KEEP,
                    keep_items=[i.id for i in decided],
                )
            )
        return out

    results = forking.map_chunks(
        score_chunk,
        profiles,
        processes=processes,
        chunk=sc.profile_chunk(len(profiles), processes),
    )
    done = time.perf_counter()
    kept = sum(len(r.scores) for r in results)
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return {
        **_phases(started, built, vectorized, done, len(profiles)),
        "scores_kept": kept,
        "processes": processes,
        "cpu_seconds_self": own.ru_utime + own.ru_stime,
        "cpu_seconds_children": children.ru_utime + children.ru_stime,
        "rss_mb_self": own.ru_maxrss / 1024,
        "rss_mb_children": children.ru_maxrss / 1024,
    }


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
    """One whole process: wall, CPU (user + system, its forked children's included: wait4
    counts the children it reaped) and peak RSS from wait4, the peak of the summed PSS of the
    process and its children (sampled every half second: pages the children share with it
    counted once), and its report."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, cwd=REPO)
    peak = [0]
    done = threading.Event()
    sampler = threading.Thread(target=_sample_pss, args=(proc.pid, peak, done))
    sampler.start()
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed")
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "rss_mb": round(usage.ru_maxrss / 1024, 1),
        "pss_peak_mb": round(peak[0] / 1024, 1),
    } | {k: round(v, 3) for k, v in json.loads(out).items()}


def _sample_pss(pid: int, peak: list[int], done: threading.Event) -> None:
    while not done.wait(0.5):
        peak[0] = max(peak[0], sum(_pss_kb(p) for p in _tree(pid)))


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux: /proc/PID/task/TID/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--decided-every", type=int, default=10, help="0: no decisions")
    parser.add_argument("--one-at-a-time", action="store_true", help="no shared product")
    parser.add_argument("--analyse", action="store_true", help="analyse texts, no stored counts")
    parser.add_argument("--corpus", type=Path)
    parser.add_argument(
        "--processes", type=int, default=1, help="processes scoring the profiles (curator side)"
    )
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
        f"--processes={args.processes}",
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
        "processes": args.processes,
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
        f"curator ({c['processes']} processes) {c['seconds']:.1f} s (CPU {c['cpu_seconds']:.1f} s, "
        f"PSS {c['pss_peak_mb']:.0f} MB) vs scikit-learn {s['seconds']:.1f} s "
        f"(CPU {s['cpu_seconds']:.1f} s, PSS {s['pss_peak_mb']:.0f} MB): "
        f"CPU ratio {c['cpu_seconds'] / max(s['cpu_seconds'], 1e-9):.2f}, "
        f"wall ratio {c['seconds'] / max(s['seconds'], 1e-9):.2f}; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
