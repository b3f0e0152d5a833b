"""The FAISS side of an index version: ids are passage ids, scores are cosine similarities."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import REBUILD_HINT, ConfigError, IndexCorrupt
from index.models.embedder import Vectors


def _faiss() -> Any:
    import faiss  # imported late: `citebot --help` and the unit tests stay quick

    return faiss


APPROXIMATE = "HNSW32"  # what CITEBOT_INDEX_TYPE=auto switches to for large corpora
# HNSW candidates per insertion and per search. On a million synthetic vectors recall@10
# was 0.896 with FAISS's default efConstruction (40), whatever efSearch (0.946 at 1024);
# with 80 it is 0.990 at efSearch 128, for about twice the build time (bench/scale.py).
EF_CONSTRUCTION = 80
EF_SEARCH = 128
# An index that can't drop vectors in place (HNSW) keeps a removed passage's vector and
# searches skip it (`Exclusion`), until this share of its vectors is dead: then it is built
# anew from the stored vectors.
DEAD_SHARE = 0.1


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
        if hnsw is not None:  # both kept in the written file
            hnsw.efConstruction = max(hnsw.efConstruction, EF_CONSTRUCTION)
            hnsw.efSearch = max(hnsw.efSearch, EF_SEARCH)
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


def supports_skipping(index_type: str) -> bool:
    """Whether searches of an index of this type can skip removed vectors (`Exclusion`):
    HNSW's can. Other types that can't drop vectors are built anew after a removal."""
    return index_type.replace(" ", "").upper().startswith("HNSW")


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


class Exclusion:
    """Passage ids a search must not return: removed passages whose vectors an index still
    holds. Made once per index version (the id set is hashed when it is made)."""

    def __init__(self, ids: Sequence[int]) -> None:
        faiss = _faiss()
        self._batch = faiss.IDSelectorBatch(np.asarray(ids, dtype=np.int64))  # _not's: kept
        self._not = faiss.IDSelectorNot(self._batch)

    def params(self, index: Any) -> Any:
        """Search parameters for ``index`` (HNSW, see `supports_skipping`) that skip the ids."""
        return _held_to(index, self._not)


def search(
    index: Any, query: Vectors, k: int, exclude: Exclusion | None = None
) -> list[tuple[int, float]]:
    """(passage id, score) pairs, best first, none of them in ``exclude``."""
    return _search(index, query, k, exclude.params(index) if exclude is not None else None)


def search_among(index: Any, query: Vectors, k: int, among: Any) -> list[tuple[int, float]]:
    """`search` held to the passages ``among`` selects (`selector`): removed passages are
    never among them."""
    return _search(index, query, k, _held_to(index, among))


def _search(index: Any, query: Vectors, k: int, params: Any) -> list[tuple[int, float]]:
    if index.ntotal == 0:
        return []
    scores, ids = index.search(query.reshape(1, -1), min(k, index.ntotal), params=params)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]


def _held_to(index: Any, selector: Any) -> Any:
    """Search parameters for ``index`` that keep to what ``selector`` selects (an HNSW
    index's with its own ``efSearch``)."""
    faiss = _faiss()
    inner = faiss.downcast_index(index.index)
    if getattr(inner, "hnsw", None) is not None:
        return faiss.SearchParametersHNSW(sel=selector, efSearch=inner.hnsw.efSearch)
    return faiss.SearchParameters(sel=selector)


def selector(ids: Any) -> Any:
    """A FAISS selector of the passage ``ids`` (for `search_among`)."""
    return _faiss().IDSelectorBatch(np.asarray(ids, dtype=np.int64))


def ids(index: Any) -> Any:
    """The passage ids ``index`` holds, in its storage order."""
    return _faiss().vector_to_array(index.id_map)


def blocks(index: Any, chunk: int) -> Iterator[Any]:
    """The stored vectors in storage order (as `ids` lists them), ``chunk`` at a time."""
    inner = index.index
    for start in range(0, index.ntotal, chunk):
        yield inner.reconstruct_n(start, min(chunk, index.ntotal - start))


def write_ids(ids: Sequence[int], path: Path) -> None:
    np.save(path, np.asarray(ids, dtype=np.int64), allow_pickle=False)


def read_ids(path: Path) -> list[int]:
    """Raises IndexCorrupt where the file is missing or damaged."""
    try:
        return [int(i) for i in np.load(path, allow_pickle=False)]
    except (OSError, ValueError) as error:
        raise IndexCorrupt(f"the list of removed vectors {path} is damaged ({error})") from None


def similarity(index: Any, query: Vectors, passage_id: int) -> float:
    """Cosine between the query and one stored passage vector."""
    return float(np.dot(index.reconstruct(passage_id), query))


def _first_line(error: Exception) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(error).__name__
