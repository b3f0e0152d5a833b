from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import answer_messages
from index.indexer.builder import build
from index.records import ArticleRef, Hit
from index.search.diversify import (
    _jaccard,
    _shingles,
    join_neighbours,
    merge_near_duplicates,
)
from index.search.engine import Engine
from index.settings import Settings
from index.tuning import PACKAGED, Chunking, Tuning
from tests.conftest import TRADE, write_article
from tests.fakebotapi import parse_html
from tests.fakes import FakeEmbedder

PACKAGED_TUNING = Tuning.load(PACKAGED)
NEAR_DUPLICATE, JOINED = PACKAGED_TUNING.near_duplicate, PACKAGED_TUNING.joined

WIRE = "Trade between China and Azerbaijan grew by a fifth in 2023, officials in Baku said."


def hit(passage_id: int, article: str, text: str, title: str = "Some title") -> Hit:
    return Hit(0, 0.5, text, ArticleRef(article, title, "Wire", None, None), (1, 1), passage_id)


def test_near_duplicates_are_shown_once_with_also_in() -> None:
    hits = [
        hit(1, "a", WIRE),
        hit(2, "b", "Something else entirely about rail freight."),
        hit(3, "c", WIRE.replace("said.", "said on Monday.")),
    ]
    merged = merge_near_duplicates(hits, NEAR_DUPLICATE)
    assert [h.passage_id for h in merged] == [1, 2]
    assert [a.id for a in merged[0].also_in] == ["c"]


def merge_by_comparing_every_pair(hits: list[Hit]) -> list[tuple[int, tuple[str, ...]]]:
    """The obvious quadratic merge, to check the indexed one against."""
    kept: list[Hit] = []
    also: list[list[str]] = []
    for h in hits:
        mine = _shingles(h.text)
        twin = next(
            (i for i, k in enumerate(kept) if _jaccard(mine, _shingles(k.text)) >= NEAR_DUPLICATE),
            None,
        )
        if twin is None:
            kept.append(h)
            also.append([])
        elif h.article.id != kept[twin].article.id and h.article.id not in also[twin]:
            also[twin].append(h.article.id)
    return [(k.passage_id, tuple(a)) for k, a in zip(kept, also, strict=True)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),  # which base text
            st.lists(st.integers(0, 40), max_size=6),  # words of it replaced
            st.sampled_from("abcd"),  # article
        ),
        max_size=12,
    )
)
def test_indexed_merge_finds_exactly_the_pairs_comparing_all_would(
    specs: list[tuple[int, list[int], str]],
) -> None:
    bases = [[f"w{b}x{i % (7 + b)}" for i in range(30 + 3 * b)] for b in range(4)]
    hits = []
    for n, (base, edits, article) in enumerate(specs):
        words = list(bases[base])
        for position in edits:
            if position < len(words):
                words[position] = f"edit{n}"
        hits.append(hit(n, article, " ".join(words)))
    merged = merge_near_duplicates(hits, NEAR_DUPLICATE)
    got = [(h.passage_id, tuple(a.id for a in h.also_in)) for h in merged]
    assert got == merge_by_comparing_every_pair(hits)


def test_the_same_wire_text_in_two_outlets_is_answered_once(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    write_article(
        corpus,
        "reprint.md",
        TRADE.replace("Example Wire", "Reprint Daily")
        .replace("title: Trade between China and Azerbaijan grows", "title: China trade up")
        .replace("rose sharply.", "rose sharply, the agency reported."),  # same wire story
    )
    build(settings, embedder=fake)
    engine = Engine.open(settings, embedder=fake)
    hits = engine.search("crude oil exports trade grew by a fifth", 5)
    engine.close()
    trade = [h for h in hits if h.article.id in ("trade", "reprint")]
    assert len(trade) == 1 and len(trade[0].also_in) == 1
    text, _ = parse_html(answer_messages("crude oil", trade)[0])
    assert "also in: " in text


def test_passages_that_follow_each_other_in_an_article_are_shown_as_one() -> None:
    first = replace(hit(10, "a", "Trade grew."), paragraphs=(3, 3), score=0.6)
    second = replace(hit(11, "a", "Oil led it."), paragraphs=(3, 4), score=0.8)  # same ¶3
    elsewhere = replace(hit(20, "b", "Rail freight."), paragraphs=(1, 1), score=0.7)
    far = replace(hit(13, "a", "Wine too."), paragraphs=(6, 6), score=0.5)  # not adjacent
    seq = {10: 0, 11: 1, 20: 0, 13: 3}
    joined = join_neighbours([second, elsewhere, first, far], seq, JOINED)
    assert [h.passage_id for h in joined] == [11, 20, 13]  # in the better one's place
    whole = joined[0]
    assert whole.text == "Trade grew. Oil led it." and whole.paragraphs == (3, 4)
    assert whole.score == 0.8 and whole.pieces == ((10, 0), (11, 12))
    # A paragraph boundary between them stays one.
    apart = replace(first, paragraphs=(2, 2))
    assert join_neighbours([apart, second], seq, JOINED)[0].text == "Trade grew.\n\nOil led it."


def test_a_hit_holds_at_most_three_passages() -> None:
    run = [replace(hit(n, "a", f"Part {n}."), score=1 - n / 10) for n in range(5)]
    joined = join_neighbours(run, {n: n for n in range(5)}, JOINED)
    assert [h.pieces for h in joined] == [((0, 0), (1, 8), (2, 16)), ((3, 0), (4, 8))]


def test_a_joined_hit_finds_its_sentences_in_either_passage(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    long = " ".join(f"Sentence {n} tells of trade in year {2000 + n}." for n in range(12))
    long += " Wine exports to Shanghai doubled."
    write_article(corpus, "long.md", f"---\ntitle: Trade over the years\n---\n\n{long}\n")
    settings = Settings.from_env(
        {"CITEBOT_CORPUS_DIR": str(corpus), "CITEBOT_INDEX_DIR": str(tmp_path / "index")}
    ).tuned(chunking=Chunking(min_words=20, max_words=60), min_score=0)
    fake = FakeEmbedder()
    build(settings, embedder=fake)
    engine = Engine.open(settings, embedder=fake)
    (found,) = engine.search("wine exports to Shanghai doubled trade", 5)
    assert len(found.pieces) >= 2 and found.text == long  # the paragraph read whole
    (span,) = engine.highlights("wine exports to Shanghai doubled", [found])
    assert (
        span is not None and found.text[span[0] : span[1]] == "Wine exports to Shanghai doubled."
    )


def test_a_passage_between_two_hits_joins_all_three_in_the_best_place() -> None:
    one = replace(hit(1, "a", "One."), score=0.9)
    three = replace(hit(3, "a", "Three."), score=0.8)
    other = replace(hit(9, "b", "Other."), score=0.7)
    two = replace(hit(2, "a", "Two."), score=0.6)
    joined = join_neighbours([three, other, one, two], {1: 1, 2: 2, 3: 3, 9: 1}, JOINED)
    assert [h.passage_id for h in joined] == [3, 9]  # three ranked first: its place and id
    assert joined[0].text == "One. Two. Three." and joined[0].score == 0.8
    assert [pid for pid, _ in joined[0].pieces] == [1, 2, 3]
