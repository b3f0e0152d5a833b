from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from index.records import Article
from index.text.chunker import chunk, count_words, embedding_text, split_sentences
from index.text.corpus import parse_article, split_paragraphs
from index.tuning import Chunking
from tests.conftest import SEEDS

SETTINGS = Chunking(min_words=40, max_words=160)


def article(*paragraphs: str, title: str = "T") -> Article:
    return Article(id="a", title=title, paragraphs=tuple(paragraphs))


def sentence(n: int, word: str = "word") -> str:
    """A sentence of ``n`` words that starts with a capital, as sentences do."""
    return " ".join([word.capitalize()] + [word] * (n - 2) + [f"{word}{n}."])


def test_split_sentences_keeps_abbreviations_initials_and_numbers() -> None:
    text = (
        "Ms. Guo Min met Mr. J. Smith in St. Petersburg. Trade fell by 16.2% in 2020! "
        "Was it the U.S. market? No, e.g. oil prices. 中国很好。阿塞拜疆也很好。"
    )
    assert split_sentences(text) == [
        "Ms. Guo Min met Mr. J. Smith in St. Petersburg.",
        "Trade fell by 16.2% in 2020!",
        "Was it the U.S. market?",
        "No, e.g. oil prices.",
        "中国很好。",
        "阿塞拜疆也很好。",
    ]


def test_count_words_counts_cjk_characters() -> None:
    assert count_words("two words") == 2
    assert count_words("中国") == 2


def test_chunk_merges_short_paragraphs_and_records_their_numbers() -> None:
    passages = chunk(article(sentence(10), sentence(12), sentence(50)), SETTINGS)
    assert [(p.first_paragraph, p.last_paragraph) for p in passages] == [(1, 3)]
    assert passages[0].text == "\n\n".join([sentence(10), sentence(12), sentence(50)])


def test_chunk_joins_a_short_paragraph_to_the_neighbour_it_shares_its_subject_with() -> None:
    # Reading forward would glue the tea line to the buses; it belongs with the teacups.
    buses = "He said Azerbaijan will make electric buses with BYD, five hundred buses a year, " + (
        sentence(14, "factory")
    )
    tea = "Halfway through, the interviewer was thirsty and suggested a sip of tea. " + sentence(8)
    teacups = "Aliyev laughed and they clinked their tea cups, talking about tea customs. " + (
        sentence(118, "visa")
    )
    passages = chunk(article(buses, tea, teacups), SETTINGS)
    assert [(p.first_paragraph, p.last_paragraph) for p in passages] == [(1, 1), (2, 3)]


def test_chunk_splits_long_paragraph_between_sentences_into_balanced_parts() -> None:
    long = " ".join(sentence(20, f"w{i}") for i in range(20))  # 400 words
    passages = chunk(article(long), SETTINGS)
    assert len(passages) == 3
    assert all(p.first_paragraph == p.last_paragraph == 1 for p in passages)
    assert all(80 <= count_words(p.text) <= 160 for p in passages)
    assert " ".join(p.text for p in passages) == long


def test_chunk_never_cuts_a_sentence_longer_than_the_limit() -> None:
    giant = sentence(300)
    passages = chunk(article(giant), SETTINGS)
    assert [p.text for p in passages] == [giant]


def test_chunk_keeps_an_interview_question_with_its_answer() -> None:
    question = "Q.: What about the railway?"
    answer = "A.: " + " ".join(sentence(25, f"r{i}") for i in range(10))  # 250 words
    passages = chunk(
        article("Intro. " + sentence(45), question, answer, "Q: Next?", "A: Yes."), SETTINGS
    )
    first, *rest = [p for p in passages if p.first_paragraph >= 2 and p.last_paragraph <= 3]
    assert first.text.startswith(question + "\n\n" + "A.: ")
    assert (first.first_paragraph, first.context) == (2, None)
    assert rest and all(p.context == question and p.first_paragraph == 3 for p in rest)
    assert passages[-1].text == "Q: Next?\n\nA: Yes."
    assert embedding_text(article(), rest[0]).startswith("T\n" + question + "\n")


def test_chunk_real_interview_pairs_every_answer_with_its_question() -> None:
    path = SEEDS[0]
    passages = chunk(parse_article(path.read_bytes(), path.name, "g"), SETTINGS)
    for passage in passages:
        if passage.text.startswith("A.:") or passage.text.startswith("Answer:"):
            raise AssertionError(f"answer without its question: {passage.text[:60]}")
        shown = passage.text if passage.context is None else passage.context + passage.text
        assert "Q.:" in shown or "Question:" in shown or passage.first_paragraph == 1


words = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
    st.sampled_from(["<b>", "&amp;", "\u200b", "\u202e", "שלום", "👍🏽", "Q.:", "A.:", "?!"]),
    # a 10k-character line with no space or sentence end to split at
    st.tuples(st.sampled_from("x<&\u200b😀"), st.integers(2_000, 10_000)).map(
        lambda t: t[0] * t[1]
    ),
)
paragraph_text = st.lists(words, min_size=1, max_size=120).map(lambda w: " ".join(w) + ".")


@settings(max_examples=150, deadline=None)
@given(st.lists(paragraph_text, min_size=1, max_size=12))
def test_chunk_loses_and_duplicates_no_text(raw: list[str]) -> None:
    paragraphs = tuple(p for text in raw for p in split_paragraphs(text))
    if not paragraphs:
        return
    passages = chunk(Article("a", "T", paragraphs), SETTINGS)
    rebuilt: dict[int, list[str]] = {}
    for passage in passages:
        parts = (
            passage.text.split("\n\n")
            if passage.first_paragraph != passage.last_paragraph
            else [passage.text]
        )
        for number, part in zip(
            range(passage.first_paragraph, passage.last_paragraph + 1), parts, strict=False
        ):
            rebuilt.setdefault(number, []).append(part)
    assert sorted(rebuilt) == list(range(1, len(paragraphs) + 1))
    for number, parts in rebuilt.items():
        assert " ".join(parts) == paragraphs[number - 1]
