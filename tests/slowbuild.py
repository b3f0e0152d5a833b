"""`python -m tests.slowbuild`: an index build with the fake model, slowed down so that a test
can kill it at any moment (the settings come from the environment, as for `citebot`)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from index.indexer.builder import build
from index.models.embedder import Progress, Vectors
from index.settings import Settings
from tests.fakes import FakeEmbedder


class SlowEmbedder(FakeEmbedder):
    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        time.sleep(0.02 * len(texts))
        return super().embed_passages(texts, progress)


if __name__ == "__main__":
    build(Settings.from_env(), embedder=SlowEmbedder())
