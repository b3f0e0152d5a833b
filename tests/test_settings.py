from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.settings import BotSettings
from index.errors import ConfigError
from index.settings import Settings, load_dotenv
from index.tuning import PACKAGED, Chunking, Tuning


def test_settings_defaults_resolve_against_the_current_directory(tmp_path: Path) -> None:
    settings = Settings.from_env({}, cwd=tmp_path)
    assert settings.corpus_dir == tmp_path / "corpus" / "articles"
    assert settings.index_dir == tmp_path / "var" / "index"
    assert settings.tuning.source == PACKAGED  # no calibration file of the corpus's own
    assert settings.tuning.chunking == Chunking(40, 160)
    assert settings.model == "minilm"


def test_settings_relative_paths_are_taken_from_the_current_directory(tmp_path: Path) -> None:
    env = {"CITEBOT_CORPUS_DIR": "elsewhere/articles", "CITEBOT_INDEX_DIR": "/abs/idx"}
    settings = Settings.from_env(env, cwd=tmp_path)
    assert settings.corpus_dir == tmp_path / "elsewhere" / "articles"
    assert settings.index_dir == Path("/abs/idx")


def calibration(tmp_path: Path, **values: object) -> Path:
    """A calibration file: the packaged one with ``values`` changed."""
    data = json.loads(PACKAGED.read_text("utf-8"))
    data.update(values)
    path = tmp_path / "corpus" / "calibration.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_corpus_calibration_file_is_read_beside_its_articles(tmp_path: Path) -> None:
    path = calibration(tmp_path, min_score=0.25, chunking={"min_words": 30, "max_words": 120})
    settings = Settings.from_env({"CITEBOT_TOP_K": "7"}, cwd=tmp_path)
    assert settings.tuning.source == path
    assert (settings.top_k, settings.tuning.min_score, settings.tuning.chunking.max_words) == (
        7,
        0.25,
        120,
    )
    elsewhere = Settings.from_env({"CITEBOT_CALIBRATION": str(PACKAGED)}, cwd=tmp_path)
    assert elsewhere.tuning.min_score == Tuning.load(PACKAGED).min_score


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CITEBOT_TOP_K", "many"),
        ("CITEBOT_TOP_K", "0"),
        ("CITEBOT_MODEL", "gpt"),
        ("CITEBOT_MULTILINGUAL", "yes"),
        ("CITEBOT_CALIBRATION", "nowhere.json"),
    ],
)
def test_settings_bad_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"min_score": 2}, "min_score must be a number from -1.0 to 1.0"),
        ({"lookup_words": 3.5}, "lookup_words must be a whole number"),
        ({"chunking": {"min_words": 300, "max_words": 100}}, "min_words must not be larger"),
        ({"sentence_vectors": "maybe"}, "sentence_vectors must be true or false"),
        ({"fusion": "max"}, "fusion must be scores or rrf"),
        ({"off": ["names-gate", "magic"]}, "off names no rule 'magic'"),
        ({"min_scroe": 0.3}, "unknown setting 'min_scroe'"),
    ],
)
def test_a_bad_calibration_file_is_refused_naming_the_file_and_the_value(
    tmp_path: Path, values: dict[str, object], named: str
) -> None:
    path = calibration(tmp_path, **values)
    with pytest.raises(ConfigError, match=named) as refused:
        Settings.from_env({}, cwd=tmp_path)
    assert str(path) in str(refused.value)


def test_a_tuned_value_left_in_the_environment_says_where_it_goes_now() -> None:
    with pytest.raises(ConfigError, match="set min_score in the calibration file"):
        Settings.from_env({"CITEBOT_MIN_SCORE": "0.4"})


def test_a_calibration_file_is_written_whole_and_read_back_alike(tmp_path: Path) -> None:
    tuning = Tuning.load(PACKAGED)
    changed = Settings.from_env({}, cwd=tmp_path).tuned(min_score=0.41, off=frozenset({"join"}))
    changed.tuning.write(tmp_path / "calibration.json")
    again = Tuning.load(tmp_path / "calibration.json")
    assert (again.min_score, again.off, again.weights) == (
        0.41,
        frozenset({"join"}),
        tuning.weights,
    )
    assert list(tmp_path.glob("*.tmp")) == []


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
    assert settings.public_url is None  # no reader's site beside the bot


def test_bot_settings_read_the_readers_public_address() -> None:
    found = BotSettings.from_env({"CITEBOT_PUBLIC_URL": " https://reader.example/citebot/ "})
    assert found.public_url == "https://reader.example/citebot"
    assert BotSettings.from_env({"CITEBOT_WEB_RATE_LIMIT": "7"}).web_rate_limit == 7


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not a token"),
        ("CITEBOT_ADMINS", "alice"),
        ("TELEGRAM_API_URL", "ftp://x"),
        ("CITEBOT_LOG_LEVEL", "LOUD"),
        ("CITEBOT_PUBLIC_URL", "http://reader.example"),  # Telegram opens https alone
        ("CITEBOT_PUBLIC_URL", "https://reader.example/a?b"),
        ("CITEBOT_WEB_RATE_LIMIT", "0"),
    ],
)
def test_bot_settings_bad_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        BotSettings.from_env({name: value})


def test_load_dotenv_fills_only_unset_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nexport CITEBOT_TOP_K=7\nCITEBOT_FETCH_TIMEOUT='4.5'\n\n")
    monkeypatch.setenv("CITEBOT_TOP_K", "3")
    monkeypatch.delenv("CITEBOT_FETCH_TIMEOUT", raising=False)
    load_dotenv(env_file)
    settings = Settings.from_env()
    assert (settings.top_k, settings.fetch_timeout) == (3, 4.5)
    env_file.write_text("this is not an assignment\n")
    with pytest.raises(ConfigError, match="line 1: expected KEY=value"):
        load_dotenv(env_file)
