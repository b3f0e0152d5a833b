from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.batch import Batcher
from index.errors import IndexCorrupt
from index.indexer.builder import build
from index.models.embedder import Vectors
from index.records import ArticleRef, Hit
from index.search.engine import Engine
from index.settings import Settings
from tests.fakes import FakeEmbedder


def hit_for(question: str) -> Hit:
    return Hit(1, 1.0, question, ArticleRef("a", "T", None, None, None), (1, 1), 1)


class Recorder:
    """A blocking answer_many that records its batches and holds the first until released."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], int]] = []
        self.release = threading.Event()

    def __call__(self, questions: Sequence[str], k: int) -> list[list[Hit]]:
        self.calls.append((list(questions), k))
        self.release.wait(5)
        if "broken" in questions:
            raise IndexCorrupt("the index store is damaged")
        return [[hit_for(q)] * k for q in questions]


def test_questions_arriving_during_a_search_go_together_in_the_next_batch() -> None:
    async def scenario() -> None:
        recorder = Recorder()
        batcher = Batcher(lambda: recorder)
        first = asyncio.create_task(batcher.ask("q0", 3))
        await asyncio.sleep(0.05)  # q0 is being searched alone, without waiting for company
        rest = [asyncio.create_task(batcher.ask(f"q{n}", 3)) for n in range(1, 8)]
        await asyncio.sleep(0.05)
        recorder.release.set()
        results = await asyncio.gather(first, *rest)
        assert [r[0].text for r in results] == [f"q{n}" for n in range(8)]  # each its own
        assert list(batcher.batches) == [1, 7]
        assert recorder.calls[1] == ([f"q{n}" for n in range(1, 8)], 3)

    asyncio.run(scenario())


def test_a_batch_searches_each_k_separately_and_shares_errors_only_within_it() -> None:
    async def scenario() -> None:
        recorder = Recorder()
        recorder.release.set()
        batcher = Batcher(lambda: recorder)
        blocker = asyncio.create_task(batcher.ask("first", 1))
        await asyncio.sleep(0)
        inline = asyncio.create_task(batcher.ask("inline", 10))
        broken = asyncio.create_task(batcher.ask("broken", 3))
        fine = asyncio.create_task(batcher.ask("fine", 10))
        await blocker
        assert len(await inline) == 10 and len(await fine) == 10
        with pytest.raises(IndexCorrupt):
            await broken
        assert sorted(k for _, k in recorder.calls) == [1, 3, 10]

    asyncio.run(scenario())


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.query_batches: list[int] = []

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        self.query_batches.append(len(texts))
        return super().embed_queries(texts)


def test_answer_many_embeds_once_and_answers_as_answer_does(
    settings: Settings, corpus: Path
) -> None:
    model = CountingEmbedder()
    build(settings, embedder=model)
    engine = Engine.open(settings, embedder=model)
    questions = ["crude oil exports trade", "rail freight Alat", "tea", "crude oil exports trade"]
    together = engine.answer_many(questions, 3)
    assert model.query_batches == [3]  # one call, each distinct question once
    alone = Engine.open(settings, embedder=FakeEmbedder())
    assert together == [alone.answer(q, 3) for q in questions]
    assert together[0].hits and together[0].highlights


def test_one_bad_question_fails_alone_and_the_rest_of_its_batch_is_answered() -> None:
    async def scenario() -> None:
        recorder = Recorder()
        batcher = Batcher(lambda: recorder)
        first = asyncio.create_task(batcher.ask("first", 3))
        await asyncio.sleep(0.05)
        together = [asyncio.create_task(batcher.ask(q, 3)) for q in ("a", "broken", "b")]
        await asyncio.sleep(0.05)
        recorder.release.set()
        await first
        assert len(await together[0]) == 3 and len(await together[2]) == 3
        with pytest.raises(IndexCorrupt):
            await together[1]
        assert recorder.calls[1][0] == ["a", "broken", "b"]  # tried together first

    asyncio.run(scenario())


class Tokenizer(FakeEmbedder):
    """Raises on a lone surrogate, as the real tokenizers do."""

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        for text in texts:
            text.encode("utf-8")
        return super().embed_queries(texts)


def test_answer_many_cleans_a_lone_surrogate_before_the_model_sees_it(
    settings: Settings, corpus: Path
) -> None:
    model = Tokenizer()
    build(settings, embedder=model)
    engine = Engine.open(settings, embedder=model)
    found = engine.answer_many(["crude oil \ud800 trade", "Confucius Institutes in Baku"], 3)
    assert found[0].hits[0].article.id == "trade" and found[1].hits[0].article.id == "culture"
