"""An optional second stage: a cross-encoder from a local model folder re-orders the top.

No cross-encoder ships its weights on PyPI, so none is required: set CITEBOT_RERANKER to a
folder holding a sentence-transformers CrossEncoder (e.g. one copied from another machine).
Nothing is fetched from a model hub.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from index.errors import ConfigError
from index.models.embedder import bounded, set_runtime_flags
from index.records import Hit

DEPTH = 20  # how many of the best candidates the cross-encoder reads


class CrossEncoderReranker:
    """Scores (question, passage) pairs with a CrossEncoder loaded on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._model: Any = None
        self._lock = threading.Lock()

    def scores(self, question: str, texts: Sequence[str]) -> list[float]:
        model = self._load()
        pairs = [(question, text) for text in bounded(texts)]
        found = model.predict(pairs, show_progress_bar=False)
        return [float(score) for score in found]

    def rerank(self, question: str, hits: Sequence[Hit]) -> list[Hit]:
        """The first `DEPTH` hits in the cross-encoder's order, the rest after them."""
        head, tail = list(hits[:DEPTH]), list(hits[DEPTH:])
        if len(head) < 2:
            return head + tail
        scores = self.scores(question, [hit.text for hit in head])
        order = sorted(range(len(head)), key=lambda i: (-scores[i], i))
        return [head[i] for i in order] + tail

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                set_runtime_flags()
                from sentence_transformers import CrossEncoder

                try:
                    self._model = CrossEncoder(str(self.path), device="cpu", local_files_only=True)
                except (OSError, ValueError) as error:
                    raise ConfigError(
                        f"CITEBOT_RERANKER={self.path} is not a loadable cross-encoder: {error}"
                    ) from None
            return self._model
