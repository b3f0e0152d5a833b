"""The FAISS side of an index version: ids are passage ids, scores are cosine similarities."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import Vectors
from index.errors import REBUILD_HINT, ConfigError, IndexCorrupt


def _faiss() -> Any:
    import faiss  # imported late: `citebot --help` and the unit tests stay quick

    return faiss


APPROXIMATE = "HNSW32"  # what CITEBOT_INDEX_TYPE=auto switches to for large corpora
EF_SEARCH = 128  # HNSW candidates per search: recall@10 ≥ 0.95 measured (bench/scale.py)


def resolve_type(setting: str, passages: int, approximate_above: int) -> str:
    """The FAISS factory string for ``passages`` vectors: ``auto`` is exact search (Flat) up
    to ``approximate_above`` passages and HNSW beyond; anything else is used as given."""
    if setting.lower() != "auto":
        return setting
    return APPROXIMATE if passages > approximate_above else "Flat"


def new_index(dimension: int, index_type: str, vectors: Vectors, ids: Sequence[int]) -> Any:
    """A new ``IndexIDMap2`` over ``index_type`` holding ``vectors`` under ``ids``.

    ``index_type`` is a FAISS factory string ("Flat", "HNSW32", "IVF256,Flat", ...); the
    metric is always inner product, which on normalised vectors is the cosine.

    Raises:
        ConfigError: the factory string is unknown, or the index can't be trained on so few.
    """
    faiss = _faiss()
    try:
        inner = faiss.index_factory(dimension, index_type, faiss.METRIC_INNER_PRODUCT)
        index = faiss.IndexIDMap2(inner)
        hnsw = getattr(faiss.downcast_index(inner), "hnsw", None)
        if hnsw is not None:
            hnsw.efSearch = max(hnsw.efSearch, EF_SEARCH)  # kept in the written file
        if not index.is_trained and len(vectors):
            index.train(vectors)
    except RuntimeError as error:
        raise ConfigError(
            f"CITEBOT_INDEX_TYPE={index_type!r} can't be used here: {_first_line(error)}"
        ) from None
    add(index, vectors, ids)
    return index


def add(index: Any, vectors: Vectors, ids: Sequence[int]) -> None:
    if len(ids):
        index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))


def remove(index: Any, ids: Sequence[int]) -> None:
    if len(ids):
        index.remove_ids(np.asarray(ids, dtype=np.int64))


def supports_removal(index_type: str) -> bool:
    """Whether an index of this type can drop vectors in place (HNSW can't)."""
    return index_type.replace(" ", "").lower() == "flat"


def write(index: Any, path: Path) -> None:
    _faiss().write_index(index, str(path))


def read(path: Path) -> Any:
    """Raises IndexCorrupt where the file is missing or damaged."""
    try:
        return _faiss().read_index(str(path))
    except RuntimeError as error:
        raise IndexCorrupt(
            f"the vector index {path} is damaged ({_first_line(error)}); {REBUILD_HINT}"
        ) from None


def search(index: Any, query: Vectors, k: int) -> list[tuple[int, float]]:
    """(passage id, score) pairs, best first."""
    if index.ntotal == 0:
        return []
    scores, ids = index.search(query.reshape(1, -1), min(k, index.ntotal))
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]


def similarity(index: Any, query: Vectors, passage_id: int) -> float:
    """Cosine between the query and one stored passage vector."""
    return float(np.dot(index.reconstruct(passage_id), query))


def _first_line(error: Exception) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(error).__name__
