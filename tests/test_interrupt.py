"""Killing a real build process at any moment leaves the previous index serving."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.indexer.builder import build
from index.models.embedder import Embedder
from index.search.engine import Engine
from index.settings import Settings
from index.storage import layout
from tests.conftest import copy_seeds, settings_for, write_article
from tests.fakes import FakeEmbedder
from tests.helpers import REPO, RUN_DIR, cli_env

pytestmark = pytest.mark.slow

TOPICS = ["railway", "oil", "wine", "solar panels", "students", "tea", "buses", "visas"]


def grow(corpus: Path, count: int, seed: int) -> None:
    """Add ``count`` new articles, so the next build has real embedding work to do."""
    rng = random.Random(seed)
    for n in range(count):
        topic = rng.choice(TOPICS)
        sentences = [
            f"Report {seed}-{n} says trade in {topic} between China and Azerbaijan changed "
            f"by {rng.randint(2, 90)} percent in {rng.randint(2000, 2025)}."
            for _ in range(12)
        ]
        write_article(
            corpus,
            f"grown/{seed}-{n}.md",
            f"---\ntitle: {topic.title()} report {n}\n---\n\n" + " ".join(sentences),
        )


def start_build(settings: Settings) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "index", "build"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=cli_env(settings),
        cwd=RUN_DIR,
    )


def wait_for_embedding(process: subprocess.Popen[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("embedding"):
            return
    raise AssertionError("the build finished without embedding anything")


def assert_serves(settings: Settings, model: Embedder, passages: int) -> None:
    engine = Engine.open(settings, embedder=model)
    try:
        assert engine.manifest.passages == passages
        hits = engine.search("Who is China's ambassador to Azerbaijan?", 3)
        assert any("Guo Min" in hit.text for hit in hits)
    finally:
        engine.close()


@pytest.fixture
def served(tmp_path: Path, real_model: Embedder) -> tuple[Settings, int]:
    copy_seeds(tmp_path / "corpus")
    settings = settings_for(tmp_path / "corpus", tmp_path / "index")
    report = build(settings, embedder=real_model)
    return settings, report.passages


def test_build_killed_at_random_moments_leaves_the_previous_index_serving(
    served: tuple[Settings, int], real_model: Embedder
) -> None:
    settings, passages = served
    grow(settings.corpus_dir, 12, seed=1)
    rng = random.Random(7)
    for attempt in range(3):
        process = start_build(settings)
        if attempt == 0:
            time.sleep(rng.uniform(0.2, 1.5))  # while starting up and reading the corpus
        else:
            wait_for_embedding(process)
            time.sleep(rng.uniform(0.0, 2.0))  # in the middle of embedding
        process.kill()  # SIGKILL: no cleanup code runs
        process.wait()
        assert process.returncode == -signal.SIGKILL, "the build ended before it was killed"
        assert_serves(settings, real_model, passages)
    report = build(settings, embedder=real_model)
    assert report.changed and len(report.added) == 12
    assert_serves(settings, real_model, report.passages)
    assert not list(layout.versions_dir(settings.index_dir).glob(".building-*"))


def test_build_interrupted_with_ctrl_c_exits_cleanly(
    served: tuple[Settings, int], real_model: Embedder
) -> None:
    settings, passages = served
    grow(settings.corpus_dir, 8, seed=2)
    process = start_build(settings)
    wait_for_embedding(process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "interrupted; the index being served is untouched" in stderr
    assert_serves(settings, real_model, passages)
    assert not list(layout.versions_dir(settings.index_dir).glob(".building-*"))


def start_slow_build(settings: Settings) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.slowbuild"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**cli_env(settings), "PYTHONPATH": str(REPO)},
        cwd=RUN_DIR,
    )


def check_served(settings: Settings) -> int:
    """The current version opens, answers, and its store passes SQLite's integrity check."""
    engine = Engine.open(settings, embedder=FakeEmbedder())
    try:
        assert any("Guo Min" in hit.text for hit in engine.rank("ambassador Guo Min", 5))
    finally:
        engine.close()
    store = layout.current_version(settings.index_dir) / layout.STORE_FILE
    connection = sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        connection.close()
    return int(count)


def test_build_killed_at_20_random_moments_always_leaves_a_whole_index(tmp_path: Path) -> None:
    copy_seeds(tmp_path / "corpus")
    settings = settings_for(tmp_path / "corpus", tmp_path / "index")
    build(settings, embedder=FakeEmbedder())
    served = {check_served(settings)}  # article counts of every version that was complete
    grow(settings.corpus_dir, 6, seed=100)
    started = time.perf_counter()
    process = start_slow_build(settings)
    assert process.wait(timeout=120) == 0
    duration = time.perf_counter() - started  # a whole build: startup, scan, embed, publish
    served.add(check_served(settings))
    rng = random.Random(20)
    killed = 0
    for attempt in range(20):
        grow(settings.corpus_dir, 3, seed=attempt)  # new work for every build
        victim = sorted((settings.corpus_dir / "grown").glob("*.md"))[attempt]
        victim.unlink()  # and a removal
        process = start_slow_build(settings)
        time.sleep(rng.uniform(0.0, duration))
        process.kill()
        killed += process.wait() == -signal.SIGKILL
        count = check_served(settings)
        assert count in served or count == len(list(settings.corpus_dir.rglob("*.md")))
        served.add(count)
    assert killed >= 15, "most builds must really be cut short for this test to mean anything"
    report = build(settings, embedder=FakeEmbedder())
    assert check_served(settings) == len(list(settings.corpus_dir.rglob("*.md")))
    assert report.passages > 0
    assert not list(layout.versions_dir(settings.index_dir).glob(".building-*"))
