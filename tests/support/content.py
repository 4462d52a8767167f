"""Helpers for the parse, dedupe and extract tests: the shared corpus and its manifests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"


def corpus_root(explicit: str | Path | None = None, *, expect: str = "README.md") -> Path | None:
    """The shared third-party corpus (never copied into the repo), or None where absent.

    `explicit` (a bench's --corpus) is the only place looked at when given; otherwise
    $CURATOR_CORPUS, then <repo>/../shared/corpus, then /work/shared/corpus. A folder counts
    only if it holds `expect`: README.md, or the subfolder the caller needs (e.g. "feeds").
    """
    if explicit:
        candidates: list[str | Path | None] = [explicit]
    else:
        candidates = [
            os.environ.get("CURATOR_CORPUS"),
            REPO.parent / "shared" / "corpus",
            "/work/shared/corpus",
        ]
    for candidate in candidates:
        if candidate and Path(candidate, expect).exists():
            return Path(candidate)
    return None


def corpus_path(*parts: str) -> Path:
    """A path inside the corpus; skips the calling test when the corpus is absent."""
    root = corpus_root()
    if root is None:
        pytest.skip("the shared corpus (../shared/corpus) is not on this machine")
    return root.joinpath(*parts)


def manifest_rows(folder: str) -> list[tuple[str, int]]:
    """(file, feedparser entry count) for each row of feeds/<folder>/PARSE_MANIFEST.tsv.

    Empty when the corpus is absent, so parametrized tests collect nothing instead of failing.
    """
    root = corpus_root()
    if root is None:
        return []
    rows = []
    manifest = root / "feeds" / folder / "PARSE_MANIFEST.tsv"
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("file\t"):
            continue
        fields = line.split("\t")
        rows.append((fields[0], int(fields[5])))
    return rows
