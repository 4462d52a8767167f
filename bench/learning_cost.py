"""What scoring costs once a profile has decisions (issue 18): this checkout against another,
side by side in one run.

    python bench/learning_cost.py [--compare DIR] [--rounds 3]

DIR is another checkout of curator (say `git archive main | tar -x -C DIR`). Each round runs one
child process per checkout, alternating, so that both see the same load. A child scores the
7,600 AG News items for the four English AG objectives, each after 30 decisions (the first
queue's top 30, approved when their label is the one wanted), and prints the CPU seconds
(process time) and wall seconds of those scorings, per 1,000 items. Reading the corpus and
the first, decision-free queue are not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def child(code: Path, corpus: str | None) -> None:
    # The checkout's own bench/relevance.py, which puts its checkout first on sys.path.
    sys.path.insert(0, str(code / "bench"))
    from relevance import AG_EN, NOW, gains, load_ag, queue_scores

    from curator import score as sc
    from curator.types import Decision, DecisionKind, Profile
    from tests.support.content import corpus_root

    assert Path(sc.__file__).resolve().is_relative_to(code.resolve()), sc.__file__
    root = corpus_root(corpus, expect="ranking")
    assert root is not None, "corpus not found: pass --corpus or set CURATOR_CORPUS"
    ds = load_ag(root, AG_EN, every=1)
    matrix = sc.vectorize(ds.items, None)
    cpu = wall = 0.0
    needs = [o for k, o in enumerate(AG_EN) if k % 3 == 0]  # one style per need
    for _style, objective, wanted in needs:
        profile = Profile("bench", objective)
        first = sc.score_items(profile, ds.items, now=NOW, matrix=matrix)
        judged = np.argsort(-queue_scores(first), kind="stable")[:30].tolist()
        gain = gains(ds, wanted)
        decisions = [
            Decision(
                "bench",
                ds.items[k].id,
                DecisionKind.APPROVE if gain[k] > 0 else DecisionKind.REJECT,
                NOW - timedelta(seconds=30 - n),
            )
            for n, k in enumerate(judged)
        ]
        decided = [ds.items[k] for k in judged]
        c0, w0 = time.process_time(), time.perf_counter()
        sc.score_items(
            profile, ds.items, decisions=decisions, decided_items=decided, now=NOW, matrix=matrix
        )
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
    per = 1000 / len(ds.items) / len(needs)
    print(json.dumps({"cpu_ms_per_1000": 1000 * cpu * per, "wall_ms_per_1000": 1000 * wall * per}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--compare", help="another checkout of curator")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--corpus", help="the shared corpus folder")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(Path(args.child), args.corpus)
        return
    checkouts = {"this": HERE.parent}
    if args.compare:  # without it (`make bench`), this checkout alone
        checkouts["other"] = Path(args.compare)
    got: dict[str, list[dict[str, float]]] = {k: [] for k in checkouts}
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for _ in range(args.rounds):
        for label, code in checkouts.items():
            cmd = [sys.executable, __file__, "--child", str(code)]
            if args.corpus:
                cmd += ["--corpus", args.corpus]
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
            got[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"scoring after 30 decisions, per 1,000 items (median of {args.rounds} rounds)")
    med = {
        label: {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
        for label, runs in got.items()
    }
    for label, m in med.items():
        print(
            f"  {label:<6} cpu {m['cpu_ms_per_1000']:7.1f} ms  wall {m['wall_ms_per_1000']:7.1f} ms"
            f"  ({checkouts[label]})"
        )
    for k in ("cpu_ms_per_1000", "wall_ms_per_1000") if "other" in med else ():
        print(f"  this / other, {k.split('_')[0]}: {med['this'][k] / med['other'][k]:.2f}")
    print(f"  load average: {os.getloadavg()[0]:.1f}")
    print(f"  (children's CPU, all: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime:.0f} s)")


if __name__ == "__main__":
    main()
