"""Compare the scores tables of two curator databases row by row (issue 19).

    python bench/compare_scores.py before.db after.db

Run the same `curator score` on two copies of one database at a fixed clock (faketime), one
with each version of the code, then compare: every stored value (final, relevance, feedback,
freshness, source, boost, blocked, why, rank, computed_at) must be identical. Prints the count
of rows and of differences, and the first few; exits 1 on any difference.
"""

from __future__ import annotations

import sqlite3
import sys

COLUMNS = (
    "profile, item_id, final, relevance, feedback, freshness, source, boost, blocked, why, rank, "
    "computed_at"
)


def rows(path: str) -> dict[tuple[str, int], tuple[object, ...]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {(r[0], r[1]): r[2:] for r in conn.execute(f"SELECT {COLUMNS} FROM scores")}


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: compare_scores.py BEFORE.db AFTER.db")
    before, after = rows(sys.argv[1]), rows(sys.argv[2])
    differ = [k for k in before.keys() | after.keys() if before.get(k) != after.get(k)]
    print(f"{len(before)} rows before, {len(after)} after, {len(differ)} differ")
    for k in sorted(differ)[:5]:
        print(f"  {k}: {before.get(k)} != {after.get(k)}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
