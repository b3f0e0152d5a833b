"""The retrievers: each model's vector index (FAISS) and keyword search (BM25), and the
features they give each passage for fusion to weigh."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from index.models.embedder import Embedder
from index.search.fusion import Candidate, stand_in
from index.search.query import Query
from index.search.query_cache import QueryCache
from index.search.shelf import Shelf
from index.search.spread import Spreads
from index.storage import faiss_index

Ranking = list[tuple[int, float]]  # (passage id, score), best first


class Retrievers:
    """The dense retrievers of one index version, one a model, and its keyword search."""

    def __init__(
        self,
        shelf: Shelf,
        indexes: dict[str, Any],
        exclude: faiss_index.Exclusion | None,
        multilingual: str | None = None,
        per_language: int = 0,
        keyword_floor: float = 0.0,
    ) -> None:
        self._shelf = shelf
        self._indexes = indexes  # model id -> the FAISS index of its vectors
        self._exclude = exclude  # removed passages FAISS still holds
        self._queries = QueryCache()
        # The model that reads every language, whose scores are read per language
        # (`index.search.spread`), each language proposing ``per_language`` passages; and
        # BM25 read per language too. 0: languages are read alike.
        self._multilingual = multilingual if per_language else None
        self._per_language = per_language
        self._keyword_floor = keyword_floor
        self._spreads: Spreads | None = None
        self._spreads_lock = threading.Lock()

    def spreads(self) -> Spreads:
        """The multilingual model's `Spreads`, measured on first use and kept."""
        with self._spreads_lock:
            if self._spreads is None:
                index = self._indexes.get(self._multilingual or "")
                languages = self._shelf.languages() if index is not None else {}
                self._spreads = (
                    Spreads.measure(index, languages) if index is not None else Spreads({})
                )
            return self._spreads

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
        for at, model in enumerate(models):
            if model.model_id == self._multilingual:
                dense[at] = dense[at] + self._each_language(model, query)
        keywords = self.keywords(query, pool)
        raw, scaled = dict(keywords), self._keyword_scores(keywords)
        ids = list(dict.fromkeys(p for r in (*dense, keywords) for p, _ in r))
        cosines = [
            self._read_per_language(model, query, self.cosines(model, query, ranking, ids))
            for model, ranking in zip(models, dense, strict=True)
        ]
        shapes = self._shelf.shapes(ids)
        foreign = {pid for pid in ids if shapes[pid][0]} if len(models) > 1 else set()
        found = []
        for pid in ids:
            scores = [known[pid] for known in cosines]
            found.append(
                Candidate(
                    pid,
                    first=scores[0],
                    second=scores[1] if len(scores) > 1 else None,
                    keywords=scaled.get(pid, 0.0),
                    bm25=raw.get(pid, 0.0),
                    foreign=pid in foreign,
                    words=shapes[pid][1],
                )
            )
        return stand_in(found) if foreign else found

    def rescaled(self, model: Embedder, vector: Any, cosines: Any, passage_id: int) -> Any:
        """``model``'s ``cosines`` of ``vector`` to a passage's sentences on the scale its
        passages are read on (`_read_per_language`)."""
        if model.model_id != self._multilingual:
            return cosines
        language = self._shelf.languages([passage_id]).get(passage_id, "")
        return self.spreads().rescaled(vector, cosines, language)

    def _keyword_scores(self, keywords: Ranking) -> dict[int, float]:
        """BM25 over the best BM25 (0 to 1): of the passages in the same language, where
        languages are read apart (``per_language``), as a question's words and their
        glossary English each match passages of one language, and a language's words are
        not as rare as another's. A language's best counts as at least ``keyword_floor``
        of the best of all, so that one word met by chance ("2019" in a Chinese passage)
        does not score as the question's words met in full."""
        read = [pid for pid, _ in keywords] if self._per_language else []
        languages = self._shelf.languages(read)
        best: dict[str, float] = {}
        for pid, score in keywords:
            lang = languages.get(pid, "")
            best[lang] = max(best.get(lang, 0.0), score)
        floor = self._keyword_floor * max(best.values(), default=0.0)
        return {
            pid: score / top
            for pid, score in keywords
            if (top := max(best[languages.get(pid, "")], floor)) > 0
        }

    def _each_language(self, model: Embedder, query: Query) -> Ranking:
        """Each language's ``per_language`` passages closest to the question."""
        spreads, index = self.spreads(), self._indexes[model.model_id]
        vector = self.vector(model, query.as_read)
        found: Ranking = []
        for lang in spreads.languages:
            found += faiss_index.search_among(
                index, vector, self._per_language, spreads.selector(lang)
            )
        return found

    def _read_per_language(
        self, model: Embedder, query: Query, cosines: dict[int, float]
    ) -> dict[int, float]:
        """The multilingual model's ``cosines`` on the scale of English passages'."""
        if model.model_id != self._multilingual:
            return cosines
        vector = self.vector(model, query.as_read)
        return self.spreads().adjusted(vector, cosines, self._shelf.languages(list(cosines)))


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
