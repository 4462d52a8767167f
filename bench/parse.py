"""Feed parsing: curator's parse_feed against feedparser alone, on the same bytes, in one run.

    python bench/parse.py [--corpus DIR] [--repeat 3]

The 149 real feeds of feeds/fastfeedparser/real_feeds, parsed from memory in one process:
(a) feedparser.parse(bytes) with its defaults, the floor the fetch benchmark compares with;
(b) parse_feed: feedparser without HTML sanitising, plus text conversion, JSON Feed and the
undeclared-prefix repair. Best of `--repeat` runs of each.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curator.errors import ParseError
from curator.ingest.parse import parse_feed
from tests.support.content import corpus_root


def feedparser_alone(body: bytes) -> int:
    return len(feedparser.parse(body).entries)


def ours(body: bytes) -> int:
    try:
        return len(parse_feed(body, url="http://127.0.0.1/feed", headers={}).entries)
    except ParseError:
        return 0


def best_of(repeat: int, bodies: list[bytes], parse: Callable[[bytes], int]) -> tuple[float, int]:
    best = float("inf")
    entries = 0
    for _ in range(repeat):
        started = time.process_time()
        entries = sum(parse(body) for body in bodies)
        best = min(best, time.process_time() - started)
    return best, entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    corpus = corpus_root(args.corpus, expect="feeds")
    if corpus is None:
        sys.exit("corpus not found: pass --corpus or set CURATOR_CORPUS")
    folder = corpus / "feeds" / "fastfeedparser" / "real_feeds"
    bodies = [p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "MANIFEST.tsv"]
    warnings.simplefilter("ignore")  # feedparser's deprecation notices
    base_cpu, base_entries = best_of(args.repeat, bodies, feedparser_alone)
    our_cpu, our_entries = best_of(args.repeat, bodies, ours)
    megabytes = sum(len(b) for b in bodies) / 1e6
    print(f"{len(bodies)} feeds, {megabytes:.1f} MB, best of {args.repeat}, CPU seconds")
    print(f"{'':<36} {'cpu s':>7} {'entries':>8} {'MB/s':>6}")
    print(f"{'(a) feedparser.parse, defaults':<36} {base_cpu:7.2f} {base_entries:8d} "
          f"{megabytes / base_cpu:6.1f}")  # fmt: skip
    print(f"{'(b) parse_feed':<36} {our_cpu:7.2f} {our_entries:8d} {megabytes / our_cpu:6.1f}")
    print(f"(b) / (a): {our_cpu / base_cpu:.2f} of feedparser's CPU time")


if __name__ == "__main__":
    main()
