from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from index.errors import ConfigError, IndexCorrupt, IndexIncompatible, IndexNotBuilt, QuestionError
from index.indexer.builder import build
from index.models.embedder import Vectors
from index.records import Article, Hit
from index.search.engine import Engine
from index.settings import Settings
from index.storage import layout
from index.text.sentences import passage_sentences
from index.text.when import TimeFilter
from tests.conftest import settings_for
from tests.fakes import FakeEmbedder

Span = tuple[int, int] | None


def test_search_returns_cited_hits_best_first(engine: Engine) -> None:
    hits = engine.search("Confucius Institutes teach Chinese in Baku", 3)
    assert hits[0].article.id == "culture"
    assert [hit.rank for hit in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
    assert hits[0].citation == "Confucius Institutes in Baku, undated, ¶1"


def test_hit_citation_names_outlet_date_paragraphs_and_link(engine: Engine) -> None:
    hit = engine.search("crude oil exports trade grew", 1)[0]
    assert hit.citation == (
        "Trade between China and Azerbaijan grows, Example Wire, 2024-03-01, ¶1–2, "
        "https://example.com/trade"
    )


def test_search_below_threshold_returns_nothing(engine: Engine) -> None:
    assert engine.search("tallest mountain Kilimanjaro", 5) == []
    assert engine.answer("tallest mountain Kilimanjaro").answered is False


def test_search_shows_only_the_passages_that_clear_the_threshold(
    corpus: Path, tmp_path: Path, fake: FakeEmbedder
) -> None:
    # No lookups: "Chinese in Baku" would be one, and its passage shown whatever its cosine.
    # No sentence vectors: the passages' cosines alone, as no sentence clears a passage then
    # ("Confucius Institutes in Baku" would: `test_answer_line.py`).
    lookups = {"lookup_words": 0, "sentence_vectors": False}
    settings = settings_for(corpus, tmp_path / "index", min_score=0.4, **lookups)
    build(settings, embedder=fake)
    engine = Engine.open(settings, embedder=fake)
    question = "Chinese in Baku"
    scores = {hit.article.id: hit.score for hit in engine.rank(question, 10)}
    assert scores["culture"] >= 0.4 > scores["trade"] > scores["rail"]
    assert [hit.article.id for hit in engine.search(question)] == ["culture"]
    # Only the passage below the threshold is in 2024: none there clears it.
    year = TimeFilter(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert engine.search(question, when=year) == []
    assert [hit.article.id for hit in engine.search("trade between China", when=year)] == ["trade"]
    counted = engine.timeline(question)  # culture alone, undated
    assert (counted.undated, sum(map(sum, counted.passages.values()))) == (1, 0)
    engine.close()
    stricter = settings_for(corpus, tmp_path / "index", min_score=0.6, **lookups)
    engine = Engine.open(stricter, embedder=fake)
    assert scores["culture"] < 0.6  # nothing clears
    assert engine.search(question) == []
    engine.close()
    lookup = Engine.open(stricter.tuned(lookup_words=4), embedder=fake)
    assert [hit.article.id for hit in lookup.search(question)] == ["culture"]  # "Chinese"
    lookup.close()


@pytest.mark.parametrize(
    ("question", "articles"),
    [
        ("Alat", ["rail"]),  # one word, too thin for any cosine
        ("tell me about Alat", ["rail"]),  # the words a request is made of don't count
        ("Xi'an Alat", ["rail"]),
        ("Alat Kilimanjaro", []),  # every word, or it is no lookup
        ("Alat container train Caspian Kazakhstan", []),  # five words: a question, not a lookup
        ("Baku", []),  # in most passages: it names no passage
        ("Алят", []),  # keyword search reads English: without a glossary, no passage holds it
    ],
)
def test_a_lookup_of_a_few_words_finds_the_passages_holding_them_all(
    corpus: Path, tmp_path: Path, fake: FakeEmbedder, question: str, articles: list[str]
) -> None:
    assert _looked_up(corpus, tmp_path, fake, question) == articles


def _looked_up(
    corpus: Path, tmp_path: Path, fake: FakeEmbedder, question: str, **env: str
) -> list[str]:
    """The articles of the passages ``question`` finds where no cosine reaches the thresholds:
    only a lookup answers."""
    strict = {"min_score": 0.95}
    settings = settings_for(corpus, tmp_path / "index", **strict, **env)
    build(settings, embedder=fake)
    engine = Engine.open(settings, embedder=fake)
    hits = engine.search(question)
    engine.close()
    assert all(dict(hit.signals)["all_words"] == 1.0 for hit in hits)
    return [hit.article.id for hit in hits]


@pytest.mark.parametrize(
    ("question", "articles"),
    [
        ("Алят", ["rail"]),  # the glossary reads it as Alat
        ("расскажи об Аляте", ["rail"]),
        ("Ələt", ["rail"]),
        ("关于阿拉特的新闻", ["rail"]),  # news about Alat
        ("Alyat", ["rail"]),  # an English spelling the article doesn't use
        ("погода в Аляте", []),  # the weather in Alat: a word with no English, no lookup
        ("阿拉特天气", []),
    ],
)
def test_a_lookup_in_another_language_reads_its_names_through_the_glossary(
    corpus: Path, tmp_path: Path, fake: FakeEmbedder, question: str, articles: list[str]
) -> None:
    glossary = tmp_path / "glossary.yaml"
    glossary.write_text("terms:\n  Alat: [Алят*, Ələt*, Alyat, 阿拉特]\n", encoding="utf-8")
    found = _looked_up(corpus, tmp_path, fake, question, CITEBOT_GLOSSARY=str(glossary))
    assert found == articles


def test_a_lookup_answered_by_its_words_alone_shows_only_the_passages_holding_them(
    corpus: Path, tmp_path: Path, fake: FakeEmbedder
) -> None:
    # "Baku" is in most passages, so "Alat" is what is looked up; culture's cosine (0.26)
    # does not clear a threshold of 0.3.
    settings = settings_for(corpus, tmp_path / "index", min_score=0.3)
    build(settings, embedder=fake)
    engine = Engine.open(settings, embedder=fake)
    scores = {hit.article.id: hit.score for hit in engine.rank("Alat Baku", 10)}
    assert 0.3 > scores["culture"] >= 0.25 and scores["rail"] < 0.3
    assert [hit.article.id for hit in engine.search("Alat Baku")] == ["rail"]
    engine.close()
    # Where a passage clears the threshold by its cosine, it is shown beside the lookup's.
    settings = settings_for(corpus, tmp_path / "index", min_score=0.25)
    engine = Engine.open(settings, embedder=fake)
    assert {hit.article.id for hit in engine.search("Alat Baku")} == {"rail", "culture"}
    engine.close()


def test_an_english_question_is_held_to_e5s_threshold_too(corpus: Path, tmp_path: Path) -> None:
    """Where e5 ranks beside MiniLM, a passage clears the threshold only where both find it
    on the subject ("What is the population of Shanghai?" clears MiniLM's, not e5's)."""
    from index.calibrate import E5_ENGLISH, calibrate
    from index.evaluate import EvalQuestion

    question = "When did the first container train from Xi'an reach the port?"
    main, e5 = FakeEmbedder(model_id="fake/main"), FakeEmbedder(model_id="fake/e5")
    # Without sentence vectors: its passage is one sentence, which would clear it by itself.
    alone = {"sentence_vectors": False}
    build(settings_for(corpus, tmp_path / "index", **alone), embedder=main, extra=[e5])
    for e5_threshold, extra, answered in (
        (0.2, [e5], True),
        (0.99, [e5], False),
        (0.99, [], True),
    ):
        settings = settings_for(
            corpus, tmp_path / "index", min_score_e5_english=e5_threshold, **alone
        )
        engine = Engine.open(settings, main, extra)
        assert bool(engine.search(question)) is answered, (e5_threshold, extra)
        engine.close()
    engine = Engine.open(settings_for(corpus, tmp_path / "index"), main, [e5])
    asked = [
        EvalQuestion("q1", "en", question, ("Alat",)),
        EvalQuestion("q2", "en", "Kilimanjaro snow", ()),
    ]
    found = {c.setting: c for c in calibrate(engine, asked)}
    english = found[E5_ENGLISH]
    assert len(english.right) == 1 and len(english.off_topic) == 1  # e5's cosines, for English
    engine.close()


def test_search_k_limits_the_number_of_hits(engine: Engine) -> None:
    assert len(engine.rank("Baku China", 2)) == 2
    assert len(engine.rank("Baku China", 50)) == 3  # the whole corpus


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_search_empty_question_is_refused(engine: Engine, question: str) -> None:
    with pytest.raises(QuestionError, match="empty"):
        engine.search(question)


def test_search_overlong_question_is_refused_with_the_limit(engine: Engine) -> None:
    with pytest.raises(QuestionError, match="10,000 characters long and the limit is 1,000"):
        engine.search("x" * 10_000)


def test_answer_json_has_the_documented_shape(engine: Engine) -> None:
    data = json.loads(json.dumps(engine.answer("  container   train from Xi'an ", 1).to_json()))
    assert data["question"] == "container train from Xi'an" and data["answered"] is True
    assert data["refusal"] is None
    (result,) = data["results"]
    keys = {"rank", "score", "text", "article", "paragraphs", "signals", "highlight"}
    assert set(result) == keys
    start, end = result["highlight"]  # the sentence shown in bold
    assert 0 <= start < end <= len(result["text"])
    # why: each retriever's score, and that it holds every word of a lookup
    assert set(result["signals"]) == {"first", "keywords", "bm25", "words", "fused", "all_words"}
    assert set(result["article"]) == {"id", "title", "source", "published", "url"}
    assert result["article"]["id"] == "rail" and result["paragraphs"] == [1, 1]


def test_article_returns_every_paragraph(engine: Engine) -> None:
    article = engine.article("trade")
    assert article is not None and len(article.paragraphs) == 2
    assert engine.article("nope") is None


def test_open_before_any_build_says_how_to_build(settings: Settings) -> None:
    with pytest.raises(IndexNotBuilt, match="citebot index build"):
        Engine.open(settings, embedder=FakeEmbedder())


def test_open_with_another_model_says_how_to_rebuild(
    settings: Settings, fake: FakeEmbedder
) -> None:
    build(settings, embedder=fake)
    with pytest.raises(
        IndexIncompatible, match=r"built with fake/bag-of-words.*`citebot index build`"
    ):
        Engine.open(settings, embedder=FakeEmbedder(model_id="fake/other"))


def test_open_older_format_says_how_to_rebuild(settings: Settings, fake: FakeEmbedder) -> None:
    build(settings, embedder=fake)
    manifest = layout.current_version(settings.index_dir) / layout.MANIFEST
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "format": 0}))
    with pytest.raises(IndexIncompatible, match=r"format 0.*`citebot index build`"):
        Engine.open(settings, embedder=fake)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda v: (v / layout.FAISS_FILE).write_bytes(b"garbage"), "damaged"),
        (lambda v: (v / layout.STORE_FILE).write_bytes(b"garbage" * 100), "damaged"),
        (lambda v: (v / layout.MANIFEST).write_text("{"), "unreadable"),
        (lambda v: (v / layout.STORE_FILE).unlink(), "missing store.sqlite"),
        (lambda v: shutil.rmtree(v), "missing version"),
    ],
)
def test_open_damaged_index_is_a_clear_error(
    settings: Settings, fake: FakeEmbedder, damage: object, message: str
) -> None:
    build(settings, embedder=fake)
    damage(layout.current_version(settings.index_dir))  # type: ignore[operator]
    with pytest.raises(IndexCorrupt, match=message):
        Engine.open(settings, embedder=fake)


def test_open_keeps_serving_its_version_while_a_build_switches(
    settings: Settings, fake: FakeEmbedder, corpus: object
) -> None:
    build(settings, embedder=fake)
    engine = Engine.open(settings, embedder=fake)
    for path in sorted(settings.corpus_dir.iterdir())[:2]:
        path.unlink()
    build(settings, embedder=fake)
    build(settings, full=True, embedder=fake)  # the old version is gone now
    assert len(engine.rank("Baku", 10)) == 3
    engine.close()


def test_articles_are_read_once_per_engine(
    settings: Settings, fake: FakeEmbedder, corpus: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/start, /sources and every refusal list the articles: read once, not each time."""
    build(settings, embedder=fake)
    engine = Engine.open(settings, embedder=fake)
    reads: list[list[Article]] = []
    store = engine.stages.shelf._store
    store_articles = store.articles

    def counted() -> list[Article]:
        reads.append(store_articles())
        return reads[-1]

    monkeypatch.setattr(store, "articles", counted)
    first = engine.articles()
    first.clear()  # a caller's list is its own
    assert len(engine.articles()) == 3 and len(engine.sources()) == 3
    assert len(reads) == 1
    engine.close()


class Asked(FakeEmbedder):
    """Remembers the questions it embedded."""

    def __init__(self, model_id: str) -> None:
        super().__init__(model_id=model_id)
        self.asked: list[str] = []

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        self.asked += texts
        return super().embed_queries(texts)


def test_warm_up_loads_every_model_questions_are_routed_to(settings: Settings) -> None:
    main, multilingual = Asked("fake/main"), Asked("fake/multilingual")
    build(settings, embedder=main, extra=[multilingual])
    engine = Engine.open(settings, main, [multilingual])
    engine.warm_up()
    assert main.asked and multilingual.asked


class Meeting(Asked):
    """Embeds a question only once the other model is embedding it too."""

    def __init__(self, model_id: str, meeting: threading.Barrier) -> None:
        super().__init__(model_id)
        self.meeting = meeting
        self.failing = False

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        self.meeting.wait(timeout=10)  # one model after the other: BrokenBarrierError
        if self.failing:
            raise ConfigError("the model file is damaged")
        return super().embed_queries(texts)


def test_an_english_question_is_embedded_by_both_models_side_by_side(settings: Settings) -> None:
    """MiniLM and e5 embed at once: when warmed up, on a cold engine's first question and on
    every question after; a cached question embeds nothing; a model's failure still reaches
    the caller."""
    build(settings, embedder=Asked("fake/main"), extra=[Asked("fake/multilingual")])
    meeting = threading.Barrier(2)
    main, multilingual = Meeting("fake/main", meeting), Meeting("fake/multilingual", meeting)
    warmed, asked, failing = (Engine.open(settings, main, [multilingual]) for _ in range(3))
    warmed.warm_up()
    for question in ("Baku trade", "crude oil exports", "Baku trade"):
        asked.search(question)
    assert main.asked.count("Baku trade") == multilingual.asked.count("Baku trade") == 1
    assert main.asked.count("crude oil exports") == multilingual.asked.count("crude oil exports")
    multilingual.failing = True
    with pytest.raises(ConfigError, match="damaged"):
        failing.search("crude oil")
    for engine in (warmed, asked, failing):
        engine.close()


def expected_spans(fake: FakeEmbedder, question: str, hits: Sequence[Hit]) -> list[Span]:
    """The bold sentences as found by embedding every sentence at question time."""
    query = fake.embed_queries([question])[0]
    found: list[Span] = []
    for hit in hits:
        spans = passage_sentences(hit.text)
        scores = fake.embed_queries([hit.text[a:b] for a, b in spans]) @ query
        found.append(spans[int(scores.argmax())])
    return found


QUESTION = "How many days did the container train from Xi'an take?"


def test_highlights_use_the_sentence_vectors_of_the_build(
    engine: Engine, fake: FakeEmbedder
) -> None:
    hits = engine.search("trade and the train and Confucius Institutes in Baku", 3)
    assert len(hits) == 3
    embedded = len(fake.embedded)
    assert engine.highlights(QUESTION, hits) == expected_spans(fake, QUESTION, hits)
    assert len(fake.embedded) == embedded  # no sentence embedded at question time


def test_an_index_from_before_sentences_highlights_then_gets_them_on_the_next_build(
    settings: Settings, fake: FakeEmbedder
) -> None:
    build(settings, embedder=fake)
    store = layout.current_version(settings.index_dir) / layout.STORE_FILE
    db = sqlite3.connect(store)  # as an index built before sentences had vectors
    db.execute("DROP TABLE sentences")
    db.execute("DELETE FROM embeddings WHERE sha NOT IN (SELECT embed_sha FROM passages)")
    db.commit()
    db.close()
    manifest = json.loads((store.parent / layout.MANIFEST).read_text())
    del manifest["sentences"]
    (store.parent / layout.MANIFEST).write_text(json.dumps(manifest))
    engine = Engine.open(settings, embedder=fake)
    hits = engine.search("trade and the train and Confucius Institutes in Baku", 3)
    embedded = len(fake.embedded)
    assert engine.highlights(QUESTION, hits) == expected_spans(fake, QUESTION, hits)
    assert len(fake.embedded) > embedded  # embedded now, as before
    engine.close()
    report = build(settings, embedder=fake)  # the corpus is unchanged
    assert report.changed and report.embedded == 0 and "sentence vectors" in report.notes[0]
    engine = Engine.open(settings, embedder=fake)
    hits = engine.search("trade and the train and Confucius Institutes in Baku", 3)
    embedded = len(fake.embedded)
    assert engine.highlights(QUESTION, hits) == expected_spans(fake, QUESTION, hits)
    assert len(fake.embedded) == embedded  # the build recorded and embedded the old ones
    engine.close()


def test_sentence_vectors_off_forgets_them_and_highlights_still_work(
    settings: Settings, fake: FakeEmbedder
) -> None:
    build(settings, embedder=fake)
    off = settings.tuned(sentence_vectors=False)
    assert build(off, embedder=fake).changed
    assert not build(off, embedder=fake).changed
    version = layout.current_version(settings.index_dir)
    db = sqlite3.connect(version / layout.STORE_FILE)
    assert db.execute("SELECT count(*) FROM sentences").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM embeddings").fetchone() == (3,)  # passages only
    db.close()
    engine = Engine.open(off, embedder=fake)
    hits = engine.search("trade and the train and Confucius Institutes in Baku", 3)
    assert engine.highlights(QUESTION, hits) == expected_spans(fake, QUESTION, hits)
    engine.close()


def test_a_time_a_question_names_favours_its_passages_and_holds_only_where_asked(
    engine: Engine,
) -> None:
    today = dt.date(2025, 6, 1)
    dated = engine.answer("crude oil exports trade last year", today=today)
    assert dated.when is not None and dated.when.span == "2024" and not dated.held
    assert dated.hits[0].article.id == "trade"
    # No article was published in 2023: the year is when things happened, and the article
    # of 2024 that reports them answers (a filter on the publication date would not).
    then = engine.answer("crude oil exports trade in 2023", today=today)
    assert not then.held and then.hits[0].article.id == "trade"
    assert then.to_json()["filters"] == {
        "since": "2023-01-01",
        "until": "2023-12-31",
        "recent": False,
        "held": False,
    }
    # A question naming nothing but a time asks what that time's articles report.
    events = engine.answer("What happened in 2024?", today=today)
    assert events.held and [h.article.id for h in events.hits] == ["trade"]
    assert events.hits[0].paragraphs[0] == 1 and events.line is None
    none = engine.answer("News from 2021", today=today)
    assert none.held and not none.hits and none.refusal == "nothing-published"
    assert engine.search("What happened?") == []
    # A range given (``--since``, a year button) holds the search to it.
    given = engine.answer("China Azerbaijan Baku", when=TimeFilter(since=dt.date(2024, 1, 1)))
    assert given.held and {h.article.id for h in given.hits} == {"trade"}  # undated left out


def test_a_request_for_news_gets_the_newest_articles_first_passages(engine: Engine) -> None:
    answer = engine.answer("What's new?")
    assert answer.when == TimeFilter(recent=True) and answer.line is None
    # The dated article first, then the undated ones; each article's first passage.
    found = [hit.article.id for hit in answer.hits]
    assert found[0] == "trade" and set(found) == {"trade", "rail", "culture"}
    assert all(hit.paragraphs[0] == 1 for hit in answer.hits)
    assert [hit.rank for hit in answer.hits] == [1, 2, 3]
    assert [h.article.id for h in engine.search("latest news", 1, TimeFilter(recent=True))] == [
        "trade"
    ]
    # News on a subject is a search for it (newest first): scored, not just the newest.
    on_culture = engine.answer("latest news on Confucius Institutes").hits
    assert "culture" in {hit.article.id for hit in on_culture}
    assert all(hit.score > 0 for hit in on_culture)
    with pytest.raises(QuestionError, match="at least one"):
        engine.newest(0)


def test_recent_questions_rank_newest_first_and_sources_list_dated_first(engine: Engine) -> None:
    found = engine.answer("latest on China and Azerbaijan in Baku")
    assert found.when == TimeFilter(recent=True)
    assert found.hits[0].article.published == "2024-03-01"
    assert engine.sources()[0].id == "trade"
    (newest,) = engine.latest(1)
    assert newest.id == "trade" and newest.paragraphs
