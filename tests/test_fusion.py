from __future__ import annotations

from pathlib import Path

import pytest

from index.indexer.builder import build
from index.search.engine import Engine
from index.search.fusion import reciprocal_rank_fusion
from index.settings import Settings
from index.storage import layout
from index.storage.catalog import Store
from index.text.language import text_language
from index.text.words import is_question
from tests.conftest import RAIL, settings_for, write_article
from tests.fakes import FakeEmbedder


def test_rrf_rewards_agreement_between_rankings() -> None:
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]])
    assert [item for item, _ in fused] == [1, 3, 2, 4]
    assert fused[0][1] == 1 / 61 + 1 / 62


def test_rrf_breaks_ties_by_best_rank_then_id() -> None:
    fused = reciprocal_rank_fusion([[7, 5], [5, 7], [9]])
    assert [item for item, _ in fused] == [5, 7, 9]  # 5 and 7 tie; 5 has the smaller id
    assert reciprocal_rank_fusion([[2], [1]]) == reciprocal_rank_fusion([[1], [2]])


def test_rrf_placeholders_hold_a_rank_without_an_id() -> None:
    fused = dict(reciprocal_rank_fusion([[None, None, 7], [7]]))
    assert fused == {7: 1 / 63 + 1 / 61}


def test_text_language_goes_by_the_share_of_each_script() -> None:
    assert text_language("Aliyev met Xi Jinping (习近平) in Beijing on Tuesday.") == "en"
    assert text_language("中国能源建设集团与阿塞拜疆签署协议") == "zh"
    assert text_language("Поезд из Сианя прибыл в порт Алят") == "ru"
    assert text_language("Bakıda Çin mədəniyyəti günləri keçirildi") == "az"
    english = (
        "The ambassador visited Şuşa and Gəncə last year with a group of students from the "
        "university, and said she hoped to come back to both cities soon."
    )
    assert text_language(english) == "en"


def test_keyword_side_takes_any_question_text_literally(
    engine: Engine, settings: Settings
) -> None:
    for question in ['"unbalanced', "NEAR(a b) AND OR NOT *", "¿¡ 中国 ?!", "---"]:
        assert len(engine.rank(question, 3)) == 3  # no FTS5 syntax error escapes
    # FTS5's operators are words like any other: "OR" joins nothing, "(" opens nothing.
    assert keyword_hits(settings, "trade) OR (") == ["trade"]
    assert keyword_hits(settings, '"container train"') == ["rail"]
    assert keyword_hits(settings, "NEAR(a b) AND OR NOT *") == []


def keyword_hits(settings: Settings, question: str) -> list[str]:
    store = Store.open(layout.current_version(settings.index_dir) / layout.STORE_FILE)
    try:
        found = store.keywords.search(question, 10)
        return sorted({p.article_id for p in store.passages([pid for pid, _ in found]).values()})
    finally:
        store.close()


def test_keyword_index_follows_edits_and_deletions(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    build(settings, embedder=fake)
    assert keyword_hits(settings, "Alat") == ["rail"]
    write_article(corpus, "rail.md", RAIL.replace("Alat", "Baku"))
    build(settings, embedder=fake)
    assert keyword_hits(settings, "Alat") == []
    (corpus / "trade.md").unlink()
    build(settings, embedder=fake)
    assert keyword_hits(settings, "crude oil") == []  # never back through the keyword side


def test_keyword_side_ignores_stopwords_unless_there_is_nothing_else(
    settings: Settings, fake: FakeEmbedder
) -> None:
    build(settings, embedder=fake)
    assert keyword_hits(settings, "the Alat of") == keyword_hits(settings, "Alat") == ["rail"]
    assert keyword_hits(settings, "the") != []  # a question of stopwords only still searches


def test_keyword_side_reads_a_questions_own_words_as_grammar(tmp_path: Path) -> None:
    """News prose seldom says "did": BM25 would weigh it as a rare word."""
    corpus = tmp_path / "corpus"
    write_article(corpus, "visas.txt", "Visas\n\nWe did it unilaterally, Aliyev said.")
    write_article(corpus, "taiwan.txt", "Taiwan\n\nAliyev spoke of Taiwan and of Baku.")
    for n, topic in enumerate(["oil", "wine", "rail", "solar"]):
        write_article(corpus, f"{topic}.txt", f"{topic.title()} {n}\n\nTalks on {topic}.")
    settings = settings_for(corpus, tmp_path / "index")
    build(settings, embedder=FakeEmbedder())
    assert keyword_hits(settings, "What did Taiwan do?") == ["taiwan"]
    # A statement keeps them: a claim's every word may be its subject.
    assert keyword_hits(settings, "Taiwan did so.") == ["taiwan", "visas"]
    assert is_question("what did Taiwan do") and is_question("Taiwan did?")
    assert not is_question("Taiwan did so.") and not is_question("Whatever Taiwan did.")


def test_keyword_side_leaves_out_words_in_half_the_passages(tmp_path: Path) -> None:
    """BM25 gives such words no weight; they only made every passage one to score."""
    corpus = tmp_path / "corpus"
    for n, topic in enumerate(["oil", "wine", "rail", "solar", "visas"]):
        write_article(corpus, f"{topic}.txt", f"{topic.title()} {n}\n\nBaku talks on {topic}.")
    write_article(corpus, "tea.txt", "Tea\n\nLankaran grows tea for Baku.")
    settings = settings_for(corpus, tmp_path / "index")
    build(settings, embedder=FakeEmbedder())
    assert keyword_hits(settings, "tea in Baku") == ["tea"]  # not every article with Baku
    assert keyword_hits(settings, "Baku") == []
    assert keyword_hits(settings, "Lankaran") == ["tea"]


def test_score_fusion_keeps_a_large_cosine_gap_that_rank_fusion_inverts() -> None:
    from index.search.fusion import Candidate, Weights, fuse_scores

    strong = Candidate(1, first=0.66, second=None, keywords=0.0)  # BM25 missed it
    middling = Candidate(3, first=0.60, second=None, keywords=0.5)
    weak = Candidate(2, first=0.53, second=None, keywords=1.0)  # BM25's best
    by_rank = reciprocal_rank_fusion([[1, 3, 2], [2, 3]])  # the same, as two rankings
    assert [pid for pid, _ in by_rank] == [2, 3, 1]  # the best cosine comes last
    weights = Weights(first=1.0, second=0.0, keywords=0.1)
    fused = fuse_scores([weak, middling, strong], weights)
    assert [c.passage_id for c in fused] == [1, 3, 2]


def test_score_fusion_is_deterministic_and_explains_itself() -> None:
    from index.search.fusion import Candidate, Weights, fuse_scores
    from index.tuning import PACKAGED, Tuning

    two_models = Tuning.load(PACKAGED).weights["two_models"]

    tied = [Candidate(9, 0.5, 0.75, 0.0), Candidate(4, 0.5, 0.75, 0.0), Candidate(7, 0.75, 0.5, 0)]
    weights = Weights(first=1.0, second=1.0, keywords=0.0)
    assert [c.passage_id for c in fuse_scores(tied, weights)] == [7, 4, 9]  # 7 by first
    signals = Candidate(1, 0.5, 0.8, 0.25).signals(two_models)
    assert set(signals) == {"first", "second", "keywords", "bm25", "words", "fused"}
    assert signals["fused"] == two_models.score(Candidate(1, 0.5, 0.8, 0.25))


def test_of_passages_scored_alike_the_longer_ranks_first_where_length_has_a_weight() -> None:
    from index.search.fusion import Candidate, Weights, fuse_scores

    short = Candidate(1, 0.6, None, 0.5, words=40)
    long = Candidate(2, 0.6, None, 0.5, words=160)
    clearly_better = Candidate(3, 0.9, None, 0.5, words=100)
    plain = Weights(first=1.0, second=0.0, keywords=0.3)
    prior = Weights(first=1.0, second=0.0, keywords=0.3, length=0.2)
    assert [c.passage_id for c in fuse_scores([short, long], plain)] == [1, 2]  # by id
    assert [c.passage_id for c in fuse_scores([short, long, clearly_better], prior)] == [3, 2, 1]


def test_a_foreign_passage_stands_in_with_the_length_of_the_english_one_below_it() -> None:
    from index.search.fusion import Candidate, stand_in

    english = Candidate(1, 0.7, 0.80, 0.4, words=120)
    chinese = Candidate(2, 0.1, 0.85, 0.0, foreign=True, words=3)  # no spaces in Chinese
    assert stand_in([english, chinese])[1].words == 120


def test_a_lookup_is_a_few_words_besides_those_a_request_is_made_of() -> None:
    from index.storage.keywords import lookup_words

    assert lookup_words("ALAT alat", 1) == ["alat"]  # one word, twice
    assert lookup_words("tell me about the Alat port", 2) == ["alat", "port"]
    assert lookup_words("расскажи о порте Алят", 2) == ["порте", "алят"]
    assert lookup_words("Alat port rail ferry", 3) == []  # a question, not a lookup
    assert lookup_words("Alat port rail ferry") == ["alat", "port", "rail", "ferry"]


def test_a_lookup_reads_any_number_of_candidates(settings: Settings, fake: FakeEmbedder) -> None:
    build(settings, embedder=fake)
    store = Store.open(layout.current_version(settings.index_dir) / layout.STORE_FILE)
    try:
        (rail, _), *_ = store.keywords.search("Alat", 10)
        many = list(range(-20_000, 20_000))  # more than SQLite takes in one statement (32,766)
        assert store.keywords.holding_all(["alat"], many) == {rail}
        assert store.keywords.holding_all(["alat"], []) == set()
    finally:
        store.close()


def test_word_counts_are_kept_within_bounds_and_stay_right(
    settings: Settings, fake: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.storage import keywords

    monkeypatch.setattr(keywords, "COUNTS_KEPT", 3)
    build(settings, embedder=fake)
    store = Store.open(layout.current_version(settings.index_dir) / layout.STORE_FILE)
    try:
        search = store.keywords
        rare = search.rarity("Alat")
        assert rare > search.rarity("Baku") > 0  # one passage says Alat; more say Baku
        for n in range(10):
            search.rarity(f"unseen{n}")
        assert len(search._counts) <= 3
        assert search.rarity("Alat") == rare
    finally:
        store.close()
