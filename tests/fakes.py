"""A fast, deterministic stand-in for the embedding model, for unit tests."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from index.models.embedder import Progress, Vectors

_WORD = re.compile(r"\w+")


class FakeEmbedder:
    """Bag of hashed words: texts sharing words score high, unrelated texts near zero."""

    def __init__(self, dimension: int = 256, model_id: str = "fake/bag-of-words") -> None:
        self._dimension = dimension
        self._model_id = model_id
        self.embedded: list[str] = []  # every passage text ever embedded, in order
        self.fail_after: int | None = None  # raise once this many passages were embedded

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        for text in texts:
            if self.fail_after is not None and len(self.embedded) >= self.fail_after:
                raise RuntimeError("the fake model broke down")
            self.embedded.append(text)
        if progress is not None:
            progress(len(texts))
        return self._vectors(texts)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._vectors(texts)

    def _vectors(self, texts: Sequence[str]) -> Vectors:
        matrix = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % self._dimension
                matrix[row, bucket] += 1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return (matrix / np.where(norms == 0, 1.0, norms)).astype(np.float32)
