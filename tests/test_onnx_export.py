"""The int8 ONNX copy of MiniLM: made once, atomically, and as good as the torch model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import onnx_export
from index.embedder import Embedder, minilm
from index.errors import ConfigError


def test_prepare_returns_a_finished_model_without_touching_the_source(tmp_path: Path) -> None:
    target = tmp_path / "made"
    (target / onnx_export.QUANTIZED).parent.mkdir(parents=True)
    (target / onnx_export.QUANTIZED).write_bytes(b"onnx")
    assert onnx_export.prepare(tmp_path / "no such model", target) == target


@pytest.mark.slow
def test_prepare_failure_says_what_to_do_and_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    target = tmp_path / "models" / "made"
    with pytest.raises(ConfigError, match="CITEBOT_MODEL=minilm-torch"):
        onnx_export.prepare(tmp_path / "broken", target)
    assert list((tmp_path / "models").iterdir()) == []  # no model, no half-written folder


@pytest.mark.slow
def test_onnx_int8_vectors_match_the_torch_model(real_model: Embedder) -> None:
    assert real_model.model_id.endswith("@onnx-int8")
    texts = [
        "Who is China's ambassador to Azerbaijan?",
        "The first container train from Jinhua reached Baku after 18 days.",
        "In August 2020, the Chinese government sent a team of medical experts to Azerbaijan.",
    ]
    torch_vectors = minilm(backend="torch").embed_passages(texts)
    cosines = np.sum(real_model.embed_passages(texts) * torch_vectors, axis=1)
    assert cosines.min() > 0.98, cosines
    assert minilm(backend="torch").model_id != real_model.model_id
