from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import (
    LIMIT,
    answer_messages,
    article_messages,
    inline_title,
    outlets,
    pack,
    plain_blocks,
    plain_citation,
    quote_message,
    size,
    source_line,
)
from index.records import Article, ArticleRef, Hit
from tests.fakebotapi import parse_html

REF = ArticleRef("a", "Trade <deal> & more", "Wire & Co", "2025-01-02", "https://x.org/?a=1&b=<2>")
HOSTILE = st.lists(
    st.one_of(
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20),
        st.sampled_from(["<", ">", "&", "&amp;", "<b>", "</i>", "\u200b", "\u202e", "👍🏽", " "]),
    ),
    min_size=1,
    max_size=40,
).map("".join)


def hit(text: str, context: str | None = None) -> Hit:
    return Hit(1, 0.5, text, REF, (3, 4), 7, context)


def visible(messages: list[str]) -> str:
    return "\n".join(parse_html(m)[0] for m in messages)


def test_card_escapes_text_and_bolds_the_answering_sentence() -> None:
    messages = answer_messages(
        "When did doctors arrive?",
        [hit("Intro <x>. Doctors arrived in August & stayed. The end.")],
    )
    (html,) = messages
    assert "<b>Doctors arrived in August &amp; stayed.</b>" in html
    text, entities = parse_html(html)
    assert "Intro <x>." in text
    assert "Trade <deal> & more — Wire & Co, 2025-01-02, ¶3–4 · link" in text
    link = next(e for e in entities if e["type"] == "text_link")
    assert link["url"] == "https://x.org/?a=1&b=<2>"


def test_long_passages_split_into_messages_under_the_limit() -> None:
    words = " ".join(f"w{i}&" for i in range(3000))
    messages = answer_messages("q", [hit(words), hit("short one.")])
    assert len(messages) >= 3
    assert all(size(m) <= LIMIT for m in messages)
    assert words in visible(messages).replace("\n", " ")


@settings(max_examples=200, deadline=None)
@given(st.lists(HOSTILE, min_size=1, max_size=6), HOSTILE, st.booleans())
def test_any_text_renders_to_valid_html_within_the_limit(
    texts: list[str], question: str, context: bool
) -> None:
    hits = [hit(t, t[:50] if context else None) for t in texts]
    messages = answer_messages(question, hits)
    assert all(size(m) <= LIMIT for m in messages)
    shown = visible(messages)  # raises where Telegram would refuse to parse
    for text in texts:
        assert all(part in shown for part in text.split("\n\n") if part.strip())


@settings(max_examples=100, deadline=None)
@given(st.lists(HOSTILE, min_size=1, max_size=4), st.integers(0, 12_000))
def test_article_messages_keep_every_paragraph_once(paragraphs: list[str], extra: int) -> None:
    long = "x<&" * (extra // 3)
    body = tuple(p for p in [*paragraphs, long] if p.strip())
    if not body:
        return
    messages = article_messages(Article("a", "T & <t>", body, source="S"))
    assert all(size(m) <= LIMIT for m in messages)
    shown = visible(messages)
    for number, paragraph in enumerate(body, 1):
        assert f"¶{number} " in shown
        assert "".join(paragraph.split()) in "".join(shown.split())


def test_quote_message_fits_even_for_a_huge_passage() -> None:
    message = quote_message(hit("&" * 20_000))
    text, _ = parse_html(message)
    assert size(message) <= LIMIT and text.startswith("«&&&") and "…»" in text


# -- metadata of any length and content, through every renderer -----------------------------

FIELD = st.one_of(
    HOSTILE,
    st.integers(0, 9000).map(lambda n: "<&>" * (n // 3) + "x" * (n % 3)),
    st.integers(0, 9000).map(lambda n: "https://x.org/" + "a&b" * n),
)
OPTIONAL = st.one_of(st.none(), FIELD)


def article_ref(title: str, source: str | None, published: str | None, url: str | None) -> Any:
    return ArticleRef("a", title, source, published, url)


@settings(max_examples=150, deadline=None)
@given(FIELD, OPTIONAL, OPTIONAL, OPTIONAL, st.lists(FIELD, max_size=6))
def test_every_renderer_fits_whatever_the_metadata_holds(
    title: str, source: str | None, published: str | None, url: str | None, others: list[str]
) -> None:
    ref = article_ref(title, source, published, url)
    also = tuple(article_ref(o, o, None, None) for o in others)
    found = Hit(1, 0.5, "Doctors arrived in August & stayed.", ref, (1, 1), 7, None, also)
    article = Article("a", title, ("One.", "Two & <three>."), source, published, url)
    rendered = [
        *answer_messages("doctors", [found]),
        quote_message(found),
        *article_messages(article),
        *pack([source_line(article)] * 3),
    ]
    for message in rendered:
        assert size(message) <= LIMIT
        parse_html(message)  # raises where Telegram would refuse it
    assert len(inline_title(found)) <= 120
    assert len(plain_citation(found)) <= 300
    assert len(outlets([article] * 3)) <= 1000


def test_quote_message_of_a_passage_with_a_4_kb_citation_returns() -> None:
    long = "https://example.org/" + "x" * 4000
    ref = ArticleRef("a", "T" * 4000, "S" * 4000, "2025-01-01", long)
    message = quote_message(Hit(1, 0.5, "A quote.", ref, (1, 1), 7))
    text, entities = parse_html(message)
    assert size(message) <= LIMIT and text.startswith("«A quote.»")
    assert not entities or all(e.get("url") != long for e in entities)  # a link too long to keep


def test_pack_splits_a_block_over_the_limit_instead_of_failing() -> None:
    block = "<i>" + "word " * 2000 + "</i>"
    messages = pack(["<b>Sources</b>", block])
    assert len(messages) >= 2 and all(size(m) <= LIMIT for m in messages)
    assert visible(messages).count("word") == 2000


def test_outlets_are_bounded_in_number_and_length() -> None:
    articles = [
        Article(str(n), "t", ("p",), source=f"Outlet {n:02} " + "x" * 500) for n in range(30)
    ]
    shown = outlets(articles)
    assert shown.endswith(" and 20 more") and len(shown) < 1000


def test_plain_blocks_takes_linear_time_on_a_huge_word() -> None:
    blocks = plain_blocks("&" * 300_000, LIMIT)  # quadratic, this took minutes
    assert all(size(b) <= LIMIT for b in blocks)
    assert "".join(blocks) == "&amp;" * 300_000


def test_a_card_of_joined_passages_shows_the_sentences_around_the_bold_one() -> None:
    from bot.render import CARD_TEXT_LIMIT, card

    sentences = [
        f"Sentence {n} is about the trade of the year {1990 + n} in Baku." for n in range(60)
    ]
    text = " ".join(sentences)
    article = ArticleRef("a", "Trade", "Wire", "2024-01-01", None)
    joined = Hit(1, 0.8, text, article, (2, 3), 7, parts=((7, 0), (8, len(text) // 2)))
    bold_start = text.index("Sentence 30 ")
    span = (bold_start, bold_start + len(sentences[30]))
    shown, entities = parse_html(card(joined, "trade in 2020", 1, span))
    body = shown.split("\n")[0]
    assert body.startswith("1. … Sentence ") and body.endswith(" …")
    assert len(body) <= CARD_TEXT_LIMIT + 10
    bold = [
        shown[e["offset"] : e["offset"] + e["length"]] for e in entities if e["type"] == "bold"
    ]
    assert bold[-1] == sentences[30]
    assert "Sentence 29 " in body and "Sentence 31 " in body  # whole sentences either side
    single = Hit(1, 0.8, text, article, (2, 3), 7)  # one giant passage: not cut here
    assert "Sentence 0 " in card(single, "trade", 1, span)


def test_a_joined_card_with_a_span_outside_its_sentences_still_renders_whole_html() -> None:
    from bot.render import card

    text = "<b>Trade</b> & oil. " * 120
    article = ArticleRef("a", "Trade", "Wire", None, None)
    joined = Hit(1, 0.8, text, article, (1, 2), 7, parts=((7, 0), (8, len(text) // 2)))
    for span in [(len(text) - 3, len(text) + 50), (5, 2), (0, len(text))]:
        shown, _ = parse_html(card(joined, "oil", 1, span))
        assert "<b>Trade</b> & oil." in shown


def test_render_limit_is_telegrams() -> None:
    from telegram.constants import MessageLimit

    assert LIMIT == MessageLimit.MAX_TEXT_LENGTH
