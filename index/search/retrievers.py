"""The retrievers: each model's vector index (FAISS) and keyword search (BM25), and the
features they give each passage for fusion to weigh."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from index.models.embedder import Embedder
from index.search.fusion import Candidate, stand_in
from index.search.query import Query
from index.search.query_cache import QueryCache
from index.search.shelf import Shelf
from index.storage import faiss_index

Ranking = list[tuple[int, float]]  # (passage id, score), best first


class Retrievers:
    """The dense retrievers of one index version, one a model, and its keyword search."""

    def __init__(
        self,
        shelf: Shelf,
        indexes: dict[str, Any],
        exclude: faiss_index.Exclusion | None,
    ) -> None:
        self._shelf = shelf
        self._indexes = indexes  # model id -> the FAISS index of its vectors
        self._exclude = exclude  # removed passages FAISS still holds
        self._queries = QueryCache()

    def vector(self, model: Embedder, text: str) -> Any:
        """``model``'s vector of ``text``, cached."""
        return self._queries.vector(model, text)

    def embed(self, queries: Sequence[Query]) -> None:
        """Embed the questions not yet cached, one batch per model, the models side by side:
        onnxruntime lets go of the GIL, so MiniLM (on one thread, `QUESTION_THREADS`) and
        e5 run at once. Cold, both load at once too (loaded and a question embedded in
        0.63 s, against 0.88 one after the other)."""
        wanted: dict[str, tuple[Embedder, list[str]]] = {}
        for query in queries:
            for model in query.route.models:
                wanted.setdefault(model.model_id, (model, []))[1].append(query.as_read)
        side_by_side(
            [
                partial(self._queries.embed, model, missing)
                for model, batch in wanted.values()
                if (missing := self._queries.missing(model, batch))
            ]
        )

    def dense(self, model: Embedder, query: Query, limit: int) -> Ranking:
        """The ``limit`` passages whose ``model`` vectors come closest to the question's."""
        vector = self.vector(model, query.as_read)
        return faiss_index.search(self._indexes[model.model_id], vector, limit, self._exclude)

    def cosines(
        self, model: Embedder, query: Query, proposed: Ranking, passage_ids: Sequence[int]
    ) -> dict[int, float]:
        """``model``'s cosine of each of ``passage_ids`` to the question: from what it
        ``proposed`` where it did, else looked up in its index."""
        found = dict(proposed)
        missing = [pid for pid in passage_ids if pid not in found]
        if missing:
            vector, index = self.vector(model, query.as_read), self._indexes[model.model_id]
            found.update((pid, faiss_index.similarity(index, vector, pid)) for pid in missing)
        return found

    def keywords(self, query: Query, limit: int) -> Ranking:
        """The ``limit`` passages BM25 ranks first for the question and its English."""
        return self._shelf.keyword_search(query.keywords, limit)

    def candidates(self, query: Query, pool: int) -> list[Candidate]:
        """Every passage a retriever proposes (``pool`` from each), with each retriever's
        score: the features that fusion weighs (`bench/fusion.py` tunes the weights)."""
        models = query.route.models
        dense = [self.dense(model, query, pool) for model in models]
        keywords = self.keywords(query, pool)
        best = keywords[0][1] if keywords else 0.0
        raw = dict(keywords)
        ids = list(dict.fromkeys(p for r in (*dense, keywords) for p, _ in r))
        cosines = [
            self.cosines(model, query, ranking, ids)
            for model, ranking in zip(models, dense, strict=True)
        ]
        shapes = self._shelf.shapes(ids)
        foreign = {pid for pid in ids if shapes[pid][0]} if len(models) > 1 else set()
        found = []
        for pid in ids:
            scores = [known[pid] for known in cosines]
            bm25 = raw.get(pid, 0.0)
            found.append(
                Candidate(
                    pid,
                    first=scores[0],
                    second=scores[1] if len(scores) > 1 else None,
                    keywords=bm25 / best if best > 0 else 0.0,
                    bm25=bm25,
                    foreign=pid in foreign,
                    words=shapes[pid][1],
                )
            )
        return stand_in(found) if foreign else found


# Threads that embed beside the one asking, kept for the process: a thread started for each
# question and gone after it measured slower (its memory is set up and given back each time).
_HELPERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="citebot-embed")


def side_by_side(jobs: Sequence[Callable[[], object]]) -> None:
    """Run ``jobs`` at once, the first in this thread and the others in `_HELPERS`; return
    when all are done, raising what any raised."""
    if not jobs:
        return
    first, *others = jobs
    running = [_HELPERS.submit(job) for job in others]
    try:
        first()
    finally:
        for each in running:
            each.result()
