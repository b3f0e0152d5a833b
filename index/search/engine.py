"""Asking the index: a question in, cited passages out.

`Engine.open` loads one index version and wires the query path (`index.search.pipeline`);
`Engine.answer` is what every front end calls. The rest reads the same stages for
evaluation, calibration and browsing.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from index.errors import REBUILD_HINT, IndexCorrupt, IndexIncompatible
from index.models.configured import models_for
from index.models.embedder import Embedder
from index.models.rerank import CrossEncoderReranker
from index.records import Answer, Article, Hit, Line
from index.search.fusion import Candidate
from index.search.gates import CountedGate, Gate, NamesGate, Refusal
from index.search.library import Library
from index.search.mentions import Mentions
from index.search.pipeline import Pipeline, Stages
from index.search.present import Presenter
from index.search.query import Query, Reader
from index.search.relevance import (
    CLEARS,
    NOT_RELEVANT,
    DenseOnly,
    Fusion,
    Lookup,
    Outranked,
    RankFusion,
    Rule,
    SentenceClears,
    TimeFavour,
    WeightedFusion,
)
from index.search.retrievers import Retrievers, side_by_side
from index.search.routing import Router
from index.search.shelf import Shelf
from index.search.timeline import Timeline, timeline
from index.settings import Settings
from index.storage import faiss_index, layout
from index.storage.catalog import Store
from index.text.glossary import Glossary
from index.text.when import TimeFilter

TIMELINE_DEPTH = 200  # relevant passages a timeline counts at most


class Engine:
    """One loaded index version and the models that embed questions.

    The version is read fully at open, so a build that switches `current` afterwards does
    not disturb it; `Engine.open` again to see the new version. Thread-safe.
    """

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        version: Path,
        manifest: layout.Manifest,
        stages: Stages,
        extra: tuple[Embedder, ...] = (),
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.version = version
        self.manifest = manifest
        self.stages = stages
        self.pipeline = Pipeline(stages)
        # The further models this engine was opened with, used or not (a rebuild embeds with them).
        self.extra = extra

    @property
    def router(self) -> Router:
        return self.stages.reader.router

    @property
    def glossary(self) -> Glossary:
        return self.stages.reader.glossary

    @property
    def library(self) -> Library:
        return self.stages.library

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        extra: Sequence[Embedder] | None = None,
    ) -> Engine:
        """Open the current index version.

        ``embedder`` is the main model (default: the configured one); ``extra`` the models of
        further vector indexes (default: the configured ones when ``embedder`` is not given).
        A further index the version lacks, or whose model is not installed, is not used.

        Raises:
            IndexNotBuilt: nothing was built yet.
            IndexCorrupt: the version is damaged or half-deleted.
            IndexIncompatible: built with another model or an older format.
            ConfigError: the glossary (CITEBOT_GLOSSARY) or the topic rule
                (CITEBOT_TOPIC_RULE) is not one.
        """
        model, *extra = models_for(settings, embedder, extra)
        glossary = (
            Glossary.load(settings.glossary)
            if settings.glossary and settings.tuning.on("glossary")
            else Glossary()
        )
        version, manifest = layout.open_version(settings.index_dir)
        if manifest.model_id != model.model_id:
            raise IndexIncompatible(
                f"the index at {settings.index_dir} was built with {manifest.model_id} but "
                f"citebot is configured for {model.model_id} (CITEBOT_MODEL); {REBUILD_HINT}"
            )
        removed = faiss_index.read_ids(version / layout.REMOVED_FILE) if manifest.removed else []
        indexes, multilingual = _vector_indexes(settings, version, manifest, model, extra, removed)
        shelf = Shelf(Store.open(version / layout.STORE_FILE))
        stages = _stages(
            settings,
            manifest,
            shelf,
            Reader(glossary, Router(settings, model, multilingual), settings),
            Retrievers(
                shelf,
                indexes,
                faiss_index.Exclusion(removed) if removed else None,
                multilingual.model_id if multilingual else None,
                settings.tuning.per_language,
                settings.tuning.keyword_floor,
            ),
        )
        return cls(settings, model, version, manifest, stages, tuple(extra))

    def close(self) -> None:
        self.stages.shelf.close()

    def warm_up(self) -> None:
        """Load every model questions are routed to now, not on the first question (side
        by side, as `Retrievers.embed` embeds a question), and measure how each language's
        passages spread (`index.search.spread`)."""
        models = [partial(m.embed_queries, ["warm up"]) for m in self.router.models()]
        side_by_side([*models, self.stages.retrievers.spreads])

    def read(
        self,
        question: str,
        k: int | None = None,
        *,
        when: TimeFilter | None = None,
        today: dt.date | None = None,
    ) -> Query:
        """``question`` read once for every stage (`Reader.read`).

        Raises:
            QuestionError: the question is empty or longer than the limit, or ``k`` < 1.
        """
        return self.stages.reader.read(question, k, when=when, today=today)

    def answer(
        self,
        question: str,
        k: int | None = None,
        *,
        when: TimeFilter | None = None,
        today: dt.date | None = None,
    ) -> Answer:
        """The passages that best answer ``question``, best first, with the sentence to
        quote above them and each one's sentence to bold; or none, with why.

        The time the question names ("in 2024", "last year": counted from ``today``, by
        default the real one) favours the passages and articles of then (`Query`); ``when``
        given holds the search to articles published in it. ``k`` is how many passages at
        most (default: the top-k setting).

        Raises:
            QuestionError: the question is empty or longer than the limit, or ``k`` < 1.
        """
        query = self.read(question, k, when=when, today=today or dt.date.today())
        return self.pipeline.answer(query)

    def answer_many(
        self, questions: Sequence[str], k: int | None = None, *, today: dt.date | None = None
    ) -> list[Answer]:
        """`answer` for several questions at once: each model embeds them in one batch.

        Raises:
            QuestionError: one of the questions is empty or too long.
        """
        day = today or dt.date.today()
        queries = [self.read(q, k, today=day) for q in questions]
        self.stages.retrievers.embed(queries)
        return [self.pipeline.answer(query) for query in queries]

    def search(
        self, question: str, k: int | None = None, when: TimeFilter | None = None
    ) -> list[Hit]:
        """The hits `answer` gives, the question read as written: no time read from it
        (``when``, given, filters by date).

        Raises:
            QuestionError: the question is empty or longer than the limit, or ``k`` < 1.
        """
        query = self.read(question, k, when=when)
        if query.asks_news:
            return self.library.newest(query.k)
        found = self.pipeline.search(query)
        return [] if isinstance(found, Refusal) else list(found.hits)

    def rank(self, question: str, k: int, join: bool = True) -> list[Hit]:
        """The top ``k`` passages regardless of the threshold (for evaluation and
        calibration); with ``join`` false, neighbouring passages are not joined."""
        return self.pipeline.ranked(self.read(question, k), NOT_RELEVANT, join=join)

    def unmentioned(self, question: str) -> tuple[str, ...]:
        """The names ``question`` asks about that no article mentions (`Mentions`); none
        where the names gate is off (the calibration file's ``off``)."""
        return self.pipeline.unmentioned(self.read(question))

    def highlights(self, question: str, hits: Sequence[Hit]) -> list[tuple[int, int] | None]:
        """For each hit, the span of the sentence to bold, as `answer` chooses it."""
        query = self.read(question)
        return self.stages.presenter.highlights(query, hits, self.pipeline.sentences(query))

    def answer_line(self, question: str, hits: Sequence[Hit]) -> Line | None:
        """The one-line answer from ``hits``, as `answer` chooses it."""
        query = self.read(question)
        return self.stages.presenter.line(query, hits, self.pipeline.sentences(query))

    def threshold(self, question: str) -> tuple[str, float]:
        """The setting that holds the relevance threshold for ``question``, and its value."""
        route = self.read(question).route
        return route.setting, route.threshold

    def candidates(self, question: str, pool: int | None = None) -> list[Candidate]:
        """Every passage a retriever proposes for ``question``, with each one's score: the
        features fusion weighs (`bench/fusion.py` tunes the weights on them)."""
        query = self.read(question)
        self.stages.retrievers.embed([query])
        return self.stages.retrievers.candidates(query, pool or self.settings.tuning.candidates)

    def translated(self, question: str) -> list[str]:
        """The glossary's English for the names a question not in English holds."""
        return self.stages.reader.translated(question)

    def timeline(self, topic: str | None = None) -> Timeline:
        """Per month and outlet, the passages relevant to ``topic`` (or, without one, the
        articles of the whole corpus)."""
        # Counted only where a passage clears the threshold itself: no margin for a count.
        found = self.pipeline.ranked(self.read(topic, TIMELINE_DEPTH), CLEARS) if topic else []
        return timeline(topic, found, self.library.articles())

    def passage(self, passage_id: int) -> Hit | None:
        return self.library.passage(passage_id)

    def article(self, article_id: str) -> Article | None:
        return self.library.article(article_id)

    def articles(self) -> list[Article]:
        return self.library.articles()

    def sources(self) -> list[Article]:
        return self.library.sources()

    def newest(self, k: int | None = None) -> list[Hit]:
        return self.library.newest(k)

    def latest(self, n: int) -> list[Article]:
        return self.library.latest(n)


def _vector_indexes(
    settings: Settings,
    version: Path,
    manifest: layout.Manifest,
    model: Embedder,
    extra: Sequence[Embedder],
    removed: Sequence[int],
) -> tuple[dict[str, Any], Embedder | None]:
    """Each model's FAISS index by model id, checked against the manifest, and the
    multilingual model where the version has its index.

    Raises:
        IndexCorrupt: an index holds another number of vectors than the manifest says.
    """
    main = faiss_index.read(version / layout.FAISS_FILE)
    if (
        main.ntotal != manifest.passages + manifest.removed
        or main.d != manifest.dimension
        or len(removed) != manifest.removed
    ):
        raise IndexCorrupt(
            f"the index at {settings.index_dir} holds {main.ntotal} vectors for "
            f"{manifest.passages} passages and {manifest.removed} removed; {REBUILD_HINT}"
        )
    indexes = {model.model_id: main}
    multilingual = None
    for other in extra:
        name = manifest.faiss_file(other.model_id)
        if name is None:
            continue
        found = faiss_index.read(version / name)
        if found.ntotal != main.ntotal:
            raise IndexCorrupt(
                f"the index at {settings.index_dir} holds {found.ntotal} {other.model_id} "
                f"vectors for {main.ntotal} passages; {REBUILD_HINT}"
            )
        indexes[other.model_id] = found
        multilingual = other
    return indexes, multilingual


def _stages(
    settings: Settings,
    manifest: layout.Manifest,
    shelf: Shelf,
    reader: Reader,
    retrievers: Retrievers,
) -> Stages:
    """The query path as the calibration file sets it: one place to read it whole."""
    tuning = settings.tuning
    fusion: Fusion
    rules: list[Rule] = [TimeFavour(shelf, tuning)] if tuning.on("time") else []
    if tuning.retrieval == "dense":  # a baseline: the first model's cosine alone
        fusion = DenseOnly(retrievers)
    else:
        if tuning.fusion == "rrf":
            fusion = RankFusion(retrievers, shelf, tuning)
        else:
            fusion = WeightedFusion(retrievers, tuning)
        if manifest.sentences and tuning.on("sentence-clears"):
            rules.append(
                SentenceClears(retrievers, shelf, tuning.sentence_clears, tuning.sentence_depth)
            )
        if tuning.on("lookup"):
            rules.append(Lookup(shelf, reader.glossary))
        if tuning.on("outranked"):
            rules.append(Outranked())
    mentions = (
        Mentions(shelf, reader.glossary, settings.topic_rule) if tuning.on("names-gate") else None
    )
    gates: list[Gate] = []
    if mentions is not None:
        gates.append(NamesGate(mentions, shelf))
    if tuning.on("counted-gate"):
        gates.append(CountedGate(shelf))
    return Stages(
        tuning=tuning,
        reader=reader,
        shelf=shelf,
        retrievers=retrievers,
        fusion=fusion,
        rules=tuple(rules),
        gates=tuple(gates),
        presenter=Presenter(shelf, tuning),
        mentions=mentions,
        library=Library(shelf, settings.top_k),
        reranker=CrossEncoderReranker(settings.reranker) if settings.reranker else None,
    )


_default: Engine | None = None
_default_lock = threading.Lock()


def search(question: str, k: int | None = None) -> list[Hit]:
    """Search the index the environment configures, opened on first use.

    Raises:
        QuestionError: the question is empty or too long.
        IndexStateError: the index is missing, damaged or incompatible.
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = Engine.open(Settings.from_env())
    return _default.search(question, k)
