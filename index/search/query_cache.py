"""Recent questions' vectors, by model and text: the bold sentence of an answer, "More" and
a batch embedded together don't embed a question again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from index.models.embedder import Embedder

SIZE = 512  # question vectors kept


class QueryCache:
    """A small LRU cache with a lock of its own (searches run in many threads)."""

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._vectors: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()

    def vector(self, model: Embedder, text: str) -> Any:
        """``text``'s vector from ``model``, embedded now if it is not cached."""
        key = (model.model_id, text)
        with self._lock:
            found = self._vectors.get(key)
        if found is None:
            found = model.embed_queries([text])[0]
            self._remember(key, found)
        return found

    def missing(self, model: Embedder, texts: Sequence[str]) -> list[str]:
        """The ``texts`` (once each) whose vectors from ``model`` are not cached."""
        with self._lock:
            return [t for t in dict.fromkeys(texts) if (model.model_id, t) not in self._vectors]

    def embed(self, model: Embedder, texts: Sequence[str]) -> None:
        """Embed the ``texts`` not yet cached in one batch."""
        wanted = self.missing(model, texts)
        if wanted:
            for text, vector in zip(wanted, model.embed_queries(wanted), strict=True):
                self._remember((model.model_id, text), vector)

    def _remember(self, key: tuple[str, str], vector: Any) -> None:
        with self._lock:
            self._vectors[key] = vector
            self._vectors.move_to_end(key)
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
