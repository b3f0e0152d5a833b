from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import BotSettings
from index.errors import ConfigError
from index.settings import ChunkerSettings, Settings, load_dotenv


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
        ("CITEBOT_SENTENCE_VECTORS", "maybe"),
        ("CITEBOT_MULTILINGUAL", "yes"),
    ],
)
def test_settings_bad_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_settings_min_words_above_max_words_is_refused() -> None:
    with pytest.raises(ConfigError, match="CITEBOT_MIN_WORDS"):
        Settings.from_env({"CITEBOT_MIN_WORDS": "300", "CITEBOT_MAX_WORDS": "100"})


def test_bot_settings_read_token_admins_and_api_url() -> None:
    settings = BotSettings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "123:abc-DEF",
            "CITEBOT_ADMINS": "1, 22,333",
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
            "CITEBOT_RATE_LIMIT": "5",
        }
    )
    assert settings.token is not None and settings.token.reveal() == "123:abc-DEF"
    assert settings.admins == frozenset({1, 22, 333})
    assert settings.api_url == "http://127.0.0.1:8081"
    assert "abc-DEF" not in repr(settings)  # the token never shows in a repr or a log


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not a token"),
        ("CITEBOT_ADMINS", "alice"),
        ("TELEGRAM_API_URL", "ftp://x"),
        ("CITEBOT_LOG_LEVEL", "LOUD"),
    ],
)
def test_bot_settings_bad_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        BotSettings.from_env({name: value})


def test_load_dotenv_fills_only_unset_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nexport CITEBOT_TOP_K=7\nCITEBOT_MIN_SCORE='0.4'\n\n")
    monkeypatch.setenv("CITEBOT_TOP_K", "3")
    monkeypatch.delenv("CITEBOT_MIN_SCORE", raising=False)
    load_dotenv(env_file)
    settings = Settings.from_env()
    assert (settings.top_k, settings.min_score) == (3, 0.4)
    env_file.write_text("this is not an assignment\n")
    with pytest.raises(ConfigError, match="line 1: expected KEY=value"):
        load_dotenv(env_file)
