"""Near-duplicate clustering: time and recall of assign_clusters against all-pairs comparison.

    python bench/dedupe.py [--corpus DIR]

Items are the 2,404 real Le Monde articles of ranking/lemonde_fr spread over 8 feeds, plus
planted copies in a 9th feed (every 10th article: an 80-word excerpt or a full repost with a
credit line). Side by side, in one run:
- assign_clusters (sampled-shingle index, then exact checks on candidate pairs only);
- the same pair test applied to every pair (the O(n^2) baseline), on a subset small enough to
  finish, to show the index loses no pair that the all-pairs check finds;
- scaling: the corpus repeated with its words shuffled per copy (distinct texts, same sizes)
  up to about 10,000 items.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curator.ingest import dedupe
from curator.ingest.dedupe import ClusterDoc, assign_clusters
from tests.support.content import corpus_root

T0 = datetime(2017, 10, 13, tzinfo=UTC)


def load(corpus: Path) -> tuple[list[ClusterDoc], list[ClusterDoc]]:
    path = corpus / "ranking" / "lemonde_fr" / "lemonde_2017.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    originals = [
        ClusterDoc(r["id"], r["id"] % 8, r["text"], T0 + timedelta(hours=r["id"] % 48))
        for r in rows
    ]
    copies = []
    for n, row in enumerate(rows[::10]):
        words = row["text"].split()
        text = " ".join(words[:80]) + " […]" if n % 2 else row["text"] + " Source : Le Monde."
        when = T0 + timedelta(hours=row["id"] % 48 + 3)
        copies.append(ClusterDoc(1_000_000 + row["id"], 99, text, when))
    return originals, copies


def pairs_of(assignments: dict[int, int | None]) -> set[frozenset[int]]:
    clusters: dict[int, list[int]] = {}
    for item, cluster in assignments.items():
        if cluster is not None:
            clusters.setdefault(cluster, []).append(item)
    return {frozenset(p) for members in clusters.values() for p in combinations(members, 2)}


def all_pairs(docs: list[ClusterDoc]) -> set[frozenset[int]]:
    """Every pair through the very same test assign_clusters applies to its candidates."""
    vocabulary: dict[str, int] = {}
    shingled = []
    for doc in docs:
        words, ordered = dedupe._shingle(
            doc.text, vocabulary, dedupe.SHINGLE_WORDS, dedupe.MAX_WORDS
        )
        shingled.append(dedupe._Shingled(doc, True, words, ordered))
    found = set()
    for a, b in combinations(shingled, 2):
        if a.words < dedupe.MIN_WORDS or b.words < dedupe.MIN_WORDS:
            continue
        if a.doc.feed_id == b.doc.feed_id or abs(a.doc.when - b.doc.when) > dedupe.DEFAULT_WINDOW:
            continue
        if dedupe._same_story(a, b, dedupe.CONTAINMENT):
            found.add(frozenset((a.doc.id, b.doc.id)))
    return found


def shuffled_copy(docs: list[ClusterDoc], seed: int, offset: int) -> list[ClusterDoc]:
    rng = random.Random(seed)
    result = []
    for doc in docs:
        words = doc.text.split()
        rng.shuffle(words)
        result.append(ClusterDoc(doc.id + offset, doc.feed_id, " ".join(words), doc.when))
    return result


def timed(new: list[ClusterDoc], recent: list[ClusterDoc]) -> tuple[float, dict[int, int | None]]:
    started = time.perf_counter()
    result = assign_clusters(new, recent)
    return time.perf_counter() - started, result.assignments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus")
    args = parser.parse_args()
    corpus = corpus_root(args.corpus, expect="ranking")
    if corpus is None:
        sys.exit("corpus not found: pass --corpus or set CURATOR_CORPUS")
    originals, copies = load(corpus)

    print("recall against all pairs (same pair test, every pair compared)")
    subset = originals[:500] + [c for c in copies if c.id - 1_000_000 <= 500]
    seconds_index, assignments = timed(subset, [])
    started = time.perf_counter()
    truth = all_pairs(subset)
    seconds_all = time.perf_counter() - started
    found = pairs_of(assignments)
    print(f"  {len(subset)} items: all pairs {seconds_all:.2f}s, index {seconds_index:.2f}s "
          f"({seconds_all / seconds_index:.0f}x faster); pairs found {len(found & truth)}/"
          f"{len(truth)}, extra {len(found - truth)}\n")  # fmt: skip

    print("one fetch cycle: new items against the recent stored ones")
    seconds, assignments = timed(copies, originals)
    planted = sum(1 for c in copies if assignments.get(c.id) == c.id - 1_000_000)
    print(f"  {len(copies)} new vs {len(originals)} recent: {seconds:.2f}s, "
          f"{planted}/{len(copies)} planted copies attached to their original\n")  # fmt: skip

    print(f"{'items (all new)':>16} {'seconds':>8} {'ms/item':>8} {'clustered':>10}")
    for copies_of_corpus in (1, 2, 4):
        docs = originals + copies
        for k in range(1, copies_of_corpus):
            docs = docs + shuffled_copy(originals, seed=k, offset=10_000_000 * k)
        seconds, assignments = timed(docs, [])
        clustered = sum(1 for c in assignments.values() if c is not None)
        print(f"{len(docs):16d} {seconds:8.2f} {1000 * seconds / len(docs):8.2f} {clustered:10d}")


if __name__ == "__main__":
    main()
