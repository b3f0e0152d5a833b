from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import ConfigError
from index.settings import ChunkerSettings, Settings


def test_settings_defaults_resolve_against_the_current_directory(tmp_path: Path) -> None:
    settings = Settings.from_env({}, cwd=tmp_path)
    assert settings.corpus_dir == tmp_path / "corpus" / "articles"
    assert settings.index_dir == tmp_path / "var" / "index"
    assert settings.chunker == ChunkerSettings(40, 160)
    assert settings.model == "minilm"


def test_settings_relative_paths_are_taken_from_the_current_directory(tmp_path: Path) -> None:
    env = {"CITEBOT_CORPUS_DIR": "elsewhere/articles", "CITEBOT_INDEX_DIR": "/abs/idx"}
    settings = Settings.from_env(env, cwd=tmp_path)
    assert settings.corpus_dir == tmp_path / "elsewhere" / "articles"
    assert settings.index_dir == Path("/abs/idx")


def test_settings_parse_numbers() -> None:
    env = {"CITEBOT_TOP_K": "7", "CITEBOT_MIN_SCORE": "0.25", "CITEBOT_MAX_WORDS": "120"}
    settings = Settings.from_env(env)
    assert (settings.top_k, settings.min_score, settings.chunker.max_words) == (7, 0.25, 120)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CITEBOT_TOP_K", "many"),
        ("CITEBOT_TOP_K", "0"),
        ("CITEBOT_MIN_SCORE", "2"),
        ("CITEBOT_MAX_WORDS", "3.5"),
        ("CITEBOT_MODEL", "gpt"),
    ],
)
def test_settings_bad_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_settings_min_words_above_max_words_is_refused() -> None:
    with pytest.raises(ConfigError, match="CITEBOT_MIN_WORDS"):
        Settings.from_env({"CITEBOT_MIN_WORDS": "300", "CITEBOT_MAX_WORDS": "100"})
